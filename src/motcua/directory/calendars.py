"""The administered calendar table (``CalendarDay``) as ``WorkCalendar`` objects, and its seeding.

The table, not the ``holidays`` rules, is the source of truth for deadlines (docs/adr/0003-calendar.md).

* ``calendar_for(agency)`` is on the hot path of every dossier: the whole table (a few rows a year) is read
  in one query into a process-wide snapshot, and calendars are built from it and cached per agency and
  working windows. Warm calls run no query. The snapshot is dropped when a ``CalendarDay`` row is saved or
  deleted in this process (signals), when a transaction that wrote such rows has ended (so a rolled-back
  test or request never leaves a stale calendar), and after ``SNAPSHOT_TTL`` seconds so that edits made
  by other server processes are picked up. (The rollback watch follows this thread's connection; a write
  rolled back in another thread of the same process is caught by the TTL.)
* ``seed_calendar(years)`` inserts the statutory holidays and known swap days (``source="holidays"``) and
  never touches rows an administrator created or edited (``source != "holidays"``).
"""

from __future__ import annotations

import logging
import threading
import time as _time
from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_save

from motcua.calendar import DEFAULT_WINDOWS, WorkCalendar, parse_windows, vietnam_holidays, vietnam_workdays
from motcua.directory.models import Agency, CalendarDay

log = logging.getLogger(__name__)

SOURCE = "holidays"  # rows owned by seed_calendar
EDITED_SOURCE = "admin"  # what a seeded row becomes once someone edits it
SNAPSHOT_TTL = 60.0  # seconds; bounds staleness across server processes

_lock = threading.Lock()
_generation = 0
_pending_txn: tuple | None = None  # atomic blocks open when CalendarDay rows were last written
# (generation, loaded_at, {agency_id or None: {date: kind}})
_snapshot: tuple[int, float, dict[int | None, dict[date, str]]] | None = None
_calendars: dict[tuple[int | None, tuple], tuple[int, WorkCalendar]] = {}


def invalidate_calendars() -> None:
    """Forget every cached calendar (called on any CalendarDay change)."""
    global _generation, _snapshot
    with _lock:
        _generation += 1
        _snapshot = None
        _calendars.clear()


def _open_atomics() -> tuple:
    """The atomic blocks (transaction and savepoints) open on this thread's connection, outermost first."""
    conn = transaction.get_connection()
    return tuple(conn.atomic_blocks) if conn.in_atomic_block else ()


def _on_change(sender, **kwargs) -> None:
    global _pending_txn
    invalidate_calendars()
    blocks = _open_atomics()
    if blocks:
        # The write may still be rolled back: calendar_for invalidates again once any of these has ended.
        _pending_txn = blocks


def _mark_edited(sender, instance: CalendarDay, raw: bool = False, **kwargs) -> None:
    # An edit of a seeded row makes it the administrator's: re-seeding must not overwrite it.
    if not raw and instance.pk is not None and instance.source == SOURCE:
        instance.source = EDITED_SOURCE


post_save.connect(_on_change, sender=CalendarDay, dispatch_uid="motcua.calendar.post_save")
post_delete.connect(_on_change, sender=CalendarDay, dispatch_uid="motcua.calendar.post_delete")
pre_save.connect(_mark_edited, sender=CalendarDay, dispatch_uid="motcua.calendar.pre_save")


def _check_pending_txn() -> None:
    global _pending_txn
    pending = _pending_txn
    if pending is None:
        return
    current = _open_atomics()
    if len(current) >= len(pending) and all(a is b for a, b in zip(current, pending, strict=False)):
        return  # every block that saw the write is still open
    # Some block ended (committed into its parent or rolled back): we cannot tell which, so reload. The
    # blocks still open can yet roll the write back: keep watching them.
    keep = []
    for a, b in zip(current, pending, strict=False):
        if a is not b:
            break
        keep.append(a)
    _pending_txn = tuple(keep) or None
    invalidate_calendars()


def _load_snapshot() -> tuple[int, dict[int | None, dict[date, str]]]:
    """(generation, rows by agency): one query when cold or expired, none when warm."""
    global _snapshot
    snap = _snapshot
    if snap is not None and snap[0] == _generation and _time.monotonic() - snap[1] < SNAPSHOT_TTL:
        return snap[0], snap[2]
    if snap is not None and snap[0] == _generation:
        invalidate_calendars()  # TTL expiry: calendars built from the old rows must go too
    generation = _generation
    by_agency: dict[int | None, dict[date, str]] = {}
    for day, kind, agency_id in CalendarDay.objects.values_list("date", "kind", "agency_id"):
        by_agency.setdefault(agency_id, {})[day] = kind
    with _lock:
        if generation == _generation:
            _snapshot = (generation, _time.monotonic(), by_agency)
    return generation, by_agency


def _windows_of(agency: Agency | None) -> tuple:
    raw = getattr(agency, "working_windows", None) if agency is not None else None
    if not raw:
        return DEFAULT_WINDOWS
    try:
        return parse_windows(raw)
    except ValueError as exc:
        # Bad administrator data must not break every deadline of the agency: fall back, loudly.
        log.warning(
            "agency %s: invalid working_windows %r (%s); using the default windows", agency.pk, raw, exc
        )
        return DEFAULT_WINDOWS


def calendar_for(agency: Agency | None = None) -> WorkCalendar:
    """The working calendar of ``agency`` (province-wide rows + its own), or the province-wide one.

    An agency's own row for a date overrides the province-wide row for that date (e.g. a one-stop centre
    that works on a make-up Saturday, or closes for a move). Holidays and closures are days off; workdays
    are weekend days worked. Windows come from ``agency.working_windows``, else 07:00-11:30, 13:30-17:00.
    """
    _check_pending_txn()
    agency_id = agency.pk if agency is not None else None
    windows = _windows_of(agency)
    key = (agency_id, windows)
    generation, snapshot = _load_snapshot()
    hit = _calendars.get(key)
    if hit is not None and hit[0] == generation:
        return hit[1]
    days = dict(snapshot.get(None, {}))
    if agency_id is not None:
        days.update(snapshot.get(agency_id, {}))
    cal = WorkCalendar(
        holidays=[d for d, k in days.items() if k != CalendarDay.Kind.WORKDAY],
        workdays=[d for d, k in days.items() if k == CalendarDay.Kind.WORKDAY],
        windows=windows,
    )
    with _lock:
        if generation == _generation:
            _calendars[key] = (generation, cal)
    return cal


def own_calendar_agencies() -> dict[int, Agency]:
    """The agencies whose calendar differs from the province's (own days off or working hours), by id.

    A list filter computes one horizon per distinct calendar instead of one per dossier: these few
    agencies get their own, every other agency shares the province's."""
    _, snapshot = _load_snapshot()
    ids = [agency_id for agency_id in snapshot if agency_id is not None]
    return {a.pk: a for a in Agency.objects.filter(Q(pk__in=ids) | ~Q(working_windows=[]))}


def seed_calendar(years: Iterable[int]) -> int:
    """Insert the statutory holidays and known swap days of ``years`` as province-wide rows.

    Idempotent. Rows with ``source="holidays"`` are brought in line with the package (name, kind; rows the
    package no longer lists for those years are removed); any other row (created or edited by an
    administrator) is left alone, and its date is skipped. Returns the number of rows created, changed or
    removed (0 when the table was already up to date).
    """
    wanted: dict[date, tuple[str, str]] = {}
    year_list = sorted(set(years))
    for year in year_list:
        for day, name in vietnam_holidays(year).items():
            wanted[day] = (CalendarDay.Kind.HOLIDAY, name[:200])
        for day, name in vietnam_workdays(year).items():
            wanted[day] = (CalendarDay.Kind.WORKDAY, name[:200])
    if not year_list:
        return 0
    changed = 0
    with transaction.atomic():
        existing = {
            row.date: row
            for row in CalendarDay.objects.select_for_update().filter(
                agency__isnull=True, date__year__in=year_list
            )
        }
        create: list[CalendarDay] = []
        for day, (kind, name) in sorted(wanted.items()):
            row = existing.get(day)
            if row is None:
                create.append(CalendarDay(date=day, kind=kind, name=name, agency=None, source=SOURCE))
            elif row.source == SOURCE and (row.kind, row.name) != (kind, name):
                CalendarDay.objects.filter(pk=row.pk).update(kind=kind, name=name)
                changed += 1
        stale = [row.pk for day, row in existing.items() if row.source == SOURCE and day not in wanted]
        if stale:
            changed += CalendarDay.objects.filter(pk__in=stale).delete()[0]
        if create:
            CalendarDay.objects.bulk_create(create)
            changed += len(create)
    if changed:
        _on_change(CalendarDay)  # bulk writes send no signals
    return changed


__all__ = ["calendar_for", "invalidate_calendars", "seed_calendar"]
