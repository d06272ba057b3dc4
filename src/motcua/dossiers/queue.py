"""The officers' work queue: what is still to do, by urgency, with counts that stay cheap at a million rows.

Views (for a staff user):

* ``mine``: dossiers assigned to me that are still running (statuses 2, 4, 5, 6: ``machine.OPEN``);
* ``unit``: what my agencies still have to do (statuses 1, 2, 4, 5, 6, 9: ``statuses.PENDING``): dossiers
  they hold (``current_agency``) and that are not done yet, dossiers waiting for reception that I may
  receive (status 1: every agency ``can_receive_for`` allows, and the counters of my agencies), and
  results waiting to be handed over at the counter that received them (status 9, ``receiving_agency``).

Buckets split the running dossiers (``machine.OPEN``) by urgency; every such dossier is in exactly one,
judged like ``machine.timeliness`` at ``now`` on its competent agency's calendar:

* ``overdue``: ``timeliness`` says overdue (running past its due date, paused after it, or more than one
  supplement request);
* ``due_today``: running, not overdue, due before the end of today's working time on its agency's
  calendar (the close of today's last working window; on a day off nothing is due today: what falls due
  next is in ``due_soon``);
* ``due_soon``: running, not overdue, due after today's working time and no later than 2 working days
  from now (``DUE_SOON_WORKING_DAYS``);
* ``in_time``: the rest: due later, paused for a supplement in time, or without a due date.

The unit view also counts ``to_receive`` (status 1) and ``to_return`` (status 9), which have no clock.

Counts read only the open rows, through partial indexes on the open statuses (migration 0009), so they
cost the same whether the table holds a year of dossiers or ten.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db.models import Case, Count, F, Q, QuerySet, Value, When

from motcua.core.formatting import LOCAL_TZ
from motcua.directory import selectors as directory
from motcua.directory.calendars import calendar_for, own_calendar_agencies

from .models import Dossier
from .statuses import CLOCK_STATUSES, FINISHED, OPEN, OVERDUE, PENDING, Status, timeliness

DUE_SOON_WORKING_DAYS = 2
BUCKETS = ("overdue", "due_today", "due_soon", "in_time")
VIEWS = ("mine", "unit")


# ------------------------------------------------------------------------------------------ horizons
def end_of_working_day(cal, now: datetime) -> datetime:
    """The close of today's last working window on `cal`, or `now` on a day off (or after the close)."""
    if not cal.is_working_day(now):
        return now
    close = cal.windows[-1][1]
    end = now.astimezone(LOCAL_TZ).replace(hour=close.hour, minute=close.minute, second=0, microsecond=0)
    return max(end, now)


def soon_horizon(cal, now: datetime) -> datetime:
    return cal.add(now, DUE_SOON_WORKING_DAYS, "working_days")


class Clock:
    """`now` and the two horizons of the buckets on every calendar in use: the province's, and one for
    each of the few agencies that keep their own days off or hours (read once per request)."""

    def __init__(self, now: datetime):
        self.now = now
        own = own_calendar_agencies()
        self._own = sorted(own)
        self._calendars = [(None, calendar_for(None))] + [(pk, calendar_for(a)) for pk, a in own.items()]

    def due(self, lookup: str, horizon: Callable) -> Q:
        """`due_at <lookup> horizon(calendar of the dossier's competent agency, now)`."""
        cond = Q()
        for pk, cal in self._calendars:
            bound = Q(**{f"due_at__{lookup}": horizon(cal, self.now)})
            cond |= (~Q(agency_id__in=self._own) & bound) if pk is None else (Q(agency_id=pk) & bound)
        return cond


# ------------------------------------------------------------------------------------------- buckets
def _paused() -> Q:
    """Waiting for a supplement asked during processing: the clock stopped at `paused_at`."""
    return Q(status=Status.WAITING, paused_from_status__in=list(CLOCK_STATUSES), paused_at__isnull=False)


def _running() -> Q:
    """Among open dossiers: the clock running, i.e. not paused. Written as a negation so that the planner
    estimates it as "most open rows" rather than multiplying the odds of each status."""
    return ~_paused()


def _measured() -> Q:
    return Q(received_at__isnull=False, due_at__isnull=False)


def _late(clock: Clock) -> Q:
    """`timeliness` says overdue, for an open dossier."""
    late = (_running() & Q(due_at__lt=clock.now)) | (_paused() & Q(paused_at__gt=F("due_at")))
    return _measured() & (late | Q(supplement_count__gt=1))


def overdue_q(clock: Clock) -> Q:
    return Q(status__in=list(OPEN)) & _late(clock)


def _running_in_time(clock: Clock) -> Q:
    in_time = Q(supplement_count__lte=1, due_at__gte=clock.now)
    return Q(status__in=list(OPEN)) & _measured() & _running() & in_time


def due_today_q(clock: Clock) -> Q:
    return _running_in_time(clock) & clock.due("lte", end_of_working_day)


def due_soon_q(clock: Clock) -> Q:
    later = clock.due("gt", end_of_working_day) & clock.due("lte", soon_horizon)
    return _running_in_time(clock) & later


def in_time_q(clock: Clock) -> Q:
    unmeasured = Q(received_at__isnull=True) | Q(due_at__isnull=True)
    paused_in_time = _measured() & Q(supplement_count__lte=1) & _paused() & Q(paused_at__lte=F("due_at"))
    later = _running_in_time(clock) & clock.due("gt", soon_horizon)
    return Q(status__in=list(OPEN)) & (unmeasured | paused_in_time | later)


BUCKET_Q: dict[str, Callable[[Clock], Q]] = {
    "overdue": overdue_q,
    "due_today": due_today_q,
    "due_soon": due_soon_q,
    "in_time": in_time_q,
}


def on_time_q(clock: Clock) -> Q:
    """The list filter's `on_time`: everything measured that is not late, finished dossiers included."""
    in_time = (_running() & Q(status__in=list(OPEN), due_at__gte=clock.now)) | (
        _paused() & Q(paused_at__lte=F("due_at"))
    )
    done_in_time = Q(status__in=list(FINISHED), finished_at__isnull=False, finished_at__lte=F("due_at"))
    return _measured() & Q(supplement_count__lte=1) & (in_time | done_in_time)


def bucket_of(d: Dossier, now: datetime) -> str | None:
    """The bucket of one loaded dossier (None when not running): the per-row form of the Q's above."""
    if d.status not in OPEN:
        return None
    t = timeliness(d, now)
    if t == OVERDUE:
        return "overdue"
    paused = d.status == Status.WAITING and d.paused_from_status in CLOCK_STATUSES and d.paused_at is not None
    if t is None or paused:
        return "in_time"
    cal = calendar_for(d.agency)
    if d.due_at <= end_of_working_day(cal, now):
        return "due_today"
    return "due_soon" if d.due_at <= soon_horizon(cal, now) else "in_time"


# --------------------------------------------------------------------------------------------- views
def unit_parts(user) -> list[tuple[Q, str | None]]:
    """A unit's queue as disjoint parts, each one index range (the counts add them up), with the one bucket
    a part of a single status falls in: what its agencies hold, results aside; the results waiting at
    their counters (handed over where they were received); and, for reception officers, what waits for
    reception anywhere they may receive for (status 1 is held by its receiving point, so the first part
    has their own already)."""
    agencies = sorted(directory.roles_at(user))
    if not agencies:
        return []
    held = Q(current_agency_id__in=agencies)
    parts: list[tuple[Q, str | None]] = [
        (Q(status__in=sorted(PENDING - {Status.RELEASING})) & held, None),
        (Q(status=Status.RELEASING, receiving_agency_id__in=agencies), "to_return"),
    ]
    receivable = receivable_ids(user)
    if receivable:
        parts.append((Q(status=Status.RECEIVING, agency_id__in=receivable) & ~held, "to_receive"))
    return parts


def view_q(user, view: str) -> Q:
    """The rows of a queue view for `user`, inside `dossiers_visible_to(user)` by construction (mine is
    combined with it; each part of unit is one of the visibility rule's own), so `unit` needs no
    visibility filter of its own.

    Unit is the union of `unit_parts` written without their overlap tests, and with the status test once,
    on its own at the top: only then does PostgreSQL walk the partial indexes over the pending rows."""
    if view == "mine":
        return Q(assignee_id=getattr(user, "pk", None), status__in=list(OPEN))
    agencies = sorted(directory.roles_at(user))
    if not agencies:
        return Q(pk__in=[])
    held = Q(current_agency_id__in=agencies) & ~Q(status=Status.RELEASING)
    cond = held | Q(status=Status.RELEASING, receiving_agency_id__in=agencies)
    receivable = receivable_ids(user)
    if receivable:
        cond |= Q(status=Status.RECEIVING, agency_id__in=receivable)
    return Q(status__in=list(PENDING)) & cond


def receivable_ids(user) -> list[int]:
    """Agencies the user may receive for, as ids (memoised on the user like the roles)."""
    cached = getattr(user, "_motcua_receivable", None)
    if cached is None:
        cached = sorted(directory.receivable_agencies(user).values_list("pk", flat=True))
        if getattr(user, "pk", None) is not None:
            user._motcua_receivable = cached
    return cached


COUNTS = (*BUCKETS, "to_receive", "to_return")


def bucket_case(clock: Clock) -> Case:
    """The bucket of each pending row, in SQL: the first matching branch wins, as in `bucket_of`."""
    return Case(
        When(status=Status.RECEIVING, then=Value("to_receive")),
        When(status=Status.RELEASING, then=Value("to_return")),
        When(_late(clock), then=Value("overdue")),
        When(~_measured() | _paused(), then=Value("in_time")),
        When(clock.due("lte", end_of_working_day), then=Value("due_today")),
        When(clock.due("lte", soon_horizon), then=Value("due_soon")),
        default=Value("in_time"),
    )


def counts(parts: list[tuple[QuerySet[Dossier], str | None]], clock: Clock) -> dict[str, int]:
    """Counts by bucket of a queue given as disjoint parts of its pending rows, each with its bucket when
    it has only one: one statement (UNION ALL of one grouped count per part), each part read through its
    own index (a part of one bucket from a narrow one: it reads no dates); the sums are taken here."""
    totals = dict.fromkeys(COUNTS, 0)
    case = bucket_case(clock)
    grouped = [
        qs.order_by()
        .annotate(bucket=case if bucket is None else Value(bucket))
        .values("bucket")
        .annotate(n=Count("*"))
        .values_list("bucket", "n")
        for qs, bucket in parts
    ]
    if grouped:
        rows = grouped[0].union(*grouped[1:], all=True) if len(grouped) > 1 else grouped[0]
        for bucket, n in rows:
            totals[bucket] += n
    totals["total"] = sum(totals.values())
    return totals


def queue_counts(user, visible: QuerySet[Dossier], clock: Clock) -> dict[str, dict[str, int]]:
    """The caller's two queues, counted by bucket: `mine` (within `visible`) and `unit`."""
    mine = [(visible.filter(view_q(user, "mine")), None)]
    unit = [(Dossier.objects.filter(part), bucket) for part, bucket in unit_parts(user)]
    return {"mine": counts(mine, clock), "unit": counts(unit, clock)}
