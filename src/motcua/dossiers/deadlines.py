"""Deadlines of a dossier: its calendar, its legal processing time and its due date (domain.md §2.2)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

CHANNEL_NAMES = {1: "counter", 2: "online", 3: "postal"}


def calendar_of(dossier):
    """The working calendar of the dossier's competent agency (its deadlines run on it)."""
    from motcua.directory.calendars import calendar_for

    return calendar_for(dossier.agency)


def processing_time(version, channel: int) -> tuple[Decimal, str] | None:
    """(amount, unit) of the procedure version for this channel: the channel's own time when it has one."""
    record = version.record
    for c in record.get("channels") or []:
        if c.get("channel") == CHANNEL_NAMES.get(channel) and c.get("processing_time") not in (None, ""):
            return Decimal(str(c["processing_time"])), c.get("time_unit") or "working_days"
    if record.get("processing_time") in (None, ""):
        return None
    return Decimal(str(record["processing_time"])), record.get("time_unit") or "working_days"


def compute_due(dossier, received_at: datetime) -> datetime | None:
    """The due date of a dossier received at `received_at`; None for a procedure without a time limit."""
    return due_for(dossier.procedure_version, dossier.channel, dossier.agency, received_at)


def due_for(version, channel: int, agency, received_at: datetime) -> datetime | None:
    """The due date of a dossier of this procedure version, channel and competent agency received at
    `received_at` (also what the counter shows before receiving)."""
    from motcua.directory.calendars import calendar_for

    limit = processing_time(version, channel)
    if limit is None or limit[0] <= 0:
        return None
    return calendar_for(agency).add(received_at, limit[0], limit[1])


def in_working_time(cal, t: datetime) -> bool:
    """Whether `t` lies inside (or on the edge of) a working window of a working day."""
    second = timedelta(seconds=1)
    return cal.is_working_day(t) and (
        cal.working_hours_between(t - second, t) > 0 or cal.working_hours_between(t, t + second) > 0
    )
