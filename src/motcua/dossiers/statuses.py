"""The ten national statuses, who acts on a dossier, and how its timeliness is judged (domain.md §2.1-§2.3).

Pure rules with no database access: `models` take their choices from here, and `machine` (the action
table) builds on them.

Roles are *actor kinds* relative to one dossier (``permissions.actor_kinds``):

* ``applicant``: the citizen/organisation account that submitted the dossier;
* ``reception``: a one-stop reception officer who may receive for the dossier's competent agency
  (any centre of the same province, Nghị định 118/2025: no administrative boundaries);
* ``specialist`` / ``leader``: staff holding that role at the agency that currently holds the dossier.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from django.db import models
from django.utils.translation import gettext_noop as N_  # labels stay Vietnamese; marked for translation

from motcua.core.formatting import LOCAL_TZ


class Status(models.IntegerChoices):
    """TrangThaiHoSo of the national portal (domain.md §2.1)."""

    RECEIVING = 1, N_("Mới đăng ký")
    NEW = 2, N_("Được tiếp nhận")
    DENIED = 3, N_("Không được tiếp nhận")
    PROCESSING = 4, N_("Đang xử lý")
    WAITING = 5, N_("Yêu cầu bổ sung giấy tờ")
    PAYING = 6, N_("Yêu cầu thực hiện nghĩa vụ tài chính")
    CANCELLED = 7, N_("Công dân yêu cầu rút hồ sơ")
    UNRESOLVED = 8, N_("Dừng xử lý")
    RELEASING = 9, N_("Đã xử lý xong")
    DONE = 10, N_("Đã trả kết quả")


# The national portal's English tokens (DVCQG), used in the API as `status_token`.
TOKENS: dict[int, str] = {
    1: "receiving",
    2: "new",
    3: "denied",
    4: "processing",
    5: "waiting",
    6: "paying",
    7: "cancelled",
    8: "unresolved",
    9: "releasing",
    10: "done",
}
STATUSES = frozenset(TOKENS)
TERMINAL = frozenset({Status.DENIED, Status.CANCELLED, Status.UNRESOLVED, Status.DONE})
# Processing is over (the clock has stopped) in these; 9 still waits for the hand-over of the result.
FINISHED = frozenset({Status.DENIED, Status.CANCELLED, Status.UNRESOLVED, Status.RELEASING, Status.DONE})
# Received and still running against a due date.
OPEN = frozenset({Status.NEW, Status.PROCESSING, Status.WAITING, Status.PAYING})
# Someone still has to act (the work queue): to receive, running, or a result to hand over.
PENDING = frozenset(OPEN | {Status.RECEIVING, Status.RELEASING})
# Statuses in which a supplement request pauses the legal clock (processing has started).
CLOCK_STATUSES = frozenset({Status.NEW, Status.PROCESSING})

APPLICANT, RECEPTION, SPECIALIST, LEADER = "applicant", "reception", "specialist", "leader"
ACTOR_KINDS = (APPLICANT, RECEPTION, SPECIALIST, LEADER)
# The payment gateway's verified confirmation (payments.services): never a user's kind, so no account can
# take its rows, through the API or otherwise.
PLATFORM = "platform"

# Targets that are not a fixed status.
SAME = 0  # the status does not change (apology, hand-over inside processing)
RESUME = -1  # back to the status the dossier was paused from (supplement received)
SETTLED = -2  # back to processing once nothing remains to pay, else the status stays (payment received)


# ------------------------------------------------------------------------------------------- timeliness
EARLY, ON_TIME, LATE, IN_TIME, OVERDUE = "early", "on_time", "late", "in_time", "overdue"
TIMELINESS = (EARLY, ON_TIME, LATE, IN_TIME, OVERDUE)


class DossierLike(Protocol):
    status: int
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    supplement_count: int
    paused_at: datetime | None
    paused_from_status: int | None


def _local_date(dt: datetime):
    return dt.astimezone(LOCAL_TZ).date() if dt.tzinfo else dt.date()


def judge(done: datetime, due: datetime) -> str:
    """Work finished at `done` against its deadline `due`: late after the due instant, early on a calendar
    day before the due day, on time on the due day (domain.md §2.3). Dossiers and workflow steps alike."""
    if done > due:
        return LATE
    return EARLY if _local_date(done) < _local_date(due) else ON_TIME


def timeliness(d: DossierLike, now: datetime) -> str | None:
    """Early/on time/late for finished dossiers, in time/overdue for running ones (domain.md §2.3).

    None when there is no due date to measure against (not yet received, refused at reception,
    withdrawn before reception, or a procedure without a time limit).

    * More than one supplement request during processing: late (finished) or overdue (running),
      whatever the dates (Decision 766).
    * Finished (9/10, or 8/7 after reception): `late` after the due instant; otherwise `early` on a
      calendar day before the due day, `on_time` on the due day.
    * Running: while waiting for a supplement the clock is paused, so the dossier is judged at the
      request time; otherwise at `now`.
    """
    if d.due_at is None or d.received_at is None:
        return None
    finished = d.status in FINISHED
    if d.supplement_count > 1:
        return LATE if finished else OVERDUE
    if finished:
        end = d.finished_at
        if end is None:  # defensive: a finished status always has its end time
            return None
        return judge(end, d.due_at)
    at = now
    if d.status == Status.WAITING and d.paused_at is not None and d.paused_from_status in CLOCK_STATUSES:
        at = d.paused_at
    return IN_TIME if at <= d.due_at else OVERDUE
