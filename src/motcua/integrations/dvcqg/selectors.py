"""The portal sync rate (766 indicator 1.4 DOSSIER_SYNC, domain.md §3.2; ADR 0027): per receiving unit and
period, the dossiers received against those the portal holds, and the dossiers whose latest state the portal
has not acknowledged yet.

A unit is the dossier's receiving unit (`receiving_agency`, the MaDinhDanh of the HoSo and of its code), as
the log book (Form 06) counts it; its (receiving_agency, received_at) index serves both the counts and the
pending list, so a period costs what its own dossiers cost, not the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet

from motcua.core import inputs, keyset
from motcua.core.errors import NotFound, PermissionDenied
from motcua.core.formatting import LOCAL_TZ
from motcua.directory import selectors as directory
from motcua.directory.models import Agency
from motcua.dossiers.models import Dossier

MAX_PERIOD_DAYS = 366
PROBE_DAYS = 93  # up to a quarter (766's monthly and quarterly periods): join by primary-key probes
PENDING_ORDER = keyset.Order("dvcqg_pending", ("received_at", "id"))
# Acknowledged at its latest state: the portal stored the version the dossier is at now.
CURRENT = Q(portal_sync__acked_version__gte=F("version"))
HELD = Q(portal_sync__first_acked_at__isnull=False)
PENDING = Q(portal_sync__isnull=True) | Q(portal_sync__acked_version__lt=F("version"))


@dataclass(frozen=True)
class Rate:
    agency: str
    name: str
    received: int
    synced: int  # the portal holds the dossier (indicator 1.4's numerator)
    current: int  # ... and has acknowledged its latest state

    @property
    def ratio(self) -> float:
        return round(self.synced / self.received, 4) if self.received else 0.0

    @property
    def pending(self) -> int:
        return self.received - self.current


def period(start: Any, end: Any) -> tuple[date, date]:
    """`from`/`to` (Vietnam days, inclusive): by default the current month up to today."""
    return inputs.period(start, end, doing="xem", max_days=MAX_PERIOD_DAYS)


def _received(user, agency: Any, start: date, end: date) -> QuerySet[Dossier]:
    """The dossiers received in the period by the unit (or every unit the user may see)."""
    if not directory.is_staff_member(user):
        raise PermissionDenied("Chỉ cán bộ, công chức mới xem được tỷ lệ đồng bộ (staff only).")
    since = datetime.combine(start, time.min, tzinfo=LOCAL_TZ)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)
    qs = Dossier.objects.filter(received_at__gte=since, received_at__lt=until)
    identifier = inputs.text(agency, "agency", max_length=40)
    if identifier:
        unit = (
            directory.visible_agencies(user)
            .filter(identifier=identifier)
            .values_list("pk", flat=True)
            .first()
        )
        if unit is None:  # unknown and not visible alike
            raise NotFound(f"Không có cơ quan mã '{identifier}'.", code="agency_not_found")
        return qs.filter(receiving_agency_id=unit)
    if directory.is_sysadmin(user):
        return qs
    return qs.filter(receiving_agency__in=directory.visible_agencies(user))


def sync_rates(user, agency: Any, start: date, end: date) -> tuple[list[Rate], Rate]:
    """One row per receiving unit with dossiers in the period (and the whole), in one statement."""
    rows = (
        _received(user, agency, start, end)
        .order_by()
        .values("receiving_agency_id")
        .annotate(received=Count("id"), synced=Count("id", filter=HELD), current=Count("id", filter=CURRENT))
    )
    with transaction.atomic(savepoint=False):  # SET LOCAL's scope; no savepoint inside a caller's
        if connection.vendor == "postgresql" and (end - start).days < PROBE_DAYS:
            # The planner hashes the whole PortalSync table to join a period's dossiers (0.74 s at a million
            # dossiers for a month's 42,000); probing its primary key per dossier takes 0.15 s. Over a year
            # (500,000) the hash wins again (ADR 0027).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
        counts = {r["receiving_agency_id"]: r for r in rows}
    names = (
        Agency.objects.filter(pk__in=list(counts)).values_list("pk", "identifier", "name") if counts else []
    )
    rates = sorted(
        (
            Rate(ident, name, counts[pk]["received"], counts[pk]["synced"], counts[pk]["current"])
            for pk, ident, name in names
        ),
        key=lambda r: r.agency,
    )
    total = Rate("", "", *(sum(getattr(r, k) for r in rates) for k in ("received", "synced", "current")))
    return rates, total


def pending(user, agency: Any, start: date, end: date, *, size: int, cursor: str | None) -> keyset.Window:
    """The dossiers of the period whose latest state the portal has not acknowledged, oldest received
    first, a keyset page at a time (rows carry their PortalSync, or None)."""
    qs = _received(user, agency, start, end).filter(PENDING)

    def load(ids):
        return (
            Dossier.objects.filter(pk__in=ids)
            .select_related("portal_sync")
            .only(
                "id",
                "code",
                "status",
                "version",
                "received_at",
                "portal_sync__acked_version",
                "portal_sync__acked_at",
            )
        )

    return keyset.page(qs, PENDING_ORDER, size=size, cursor=cursor, load=load)


def portal_state(d: Dossier) -> dict[str, Any]:
    """What the officer's dossier page says of the portal: `state` is 'current' (holds the latest state),
    'behind' (holds an older one) or 'none' (never acknowledged)."""
    sync = getattr(d, "portal_sync", None) if _loaded(d) else _read(d)
    if sync is None or sync.first_acked_at is None:
        return {"state": "none"}
    return {
        "state": "current" if sync.acked_version >= d.version else "behind",
        "status": sync.acked_status,
        "at": sync.acked_at,
    }


def _loaded(d: Dossier) -> bool:
    return "portal_sync" in d._state.fields_cache


def _read(d: Dossier):
    from .models import PortalSync

    return PortalSync.objects.filter(dossier_id=d.pk).first()
