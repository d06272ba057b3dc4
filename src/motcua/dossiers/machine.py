"""The dossier lifecycle, declared once as data (domain.md §2.1-§2.3, ADR 0004).

Everything that decides *whether* an action may happen lives here as rows of ``TRANSITIONS``: the statuses
it starts from, the status it leads to, the roles that may take it, the inputs it needs and the guard
that must hold. ``services.perform`` executes a row, ``selectors.available_actions`` lists the rows that
``perform`` would accept, and the tests walk the table. Nothing else may change a dossier's status.

Roles in the table are *actor kinds* relative to one dossier (``permissions.actor_kinds``):

* ``applicant``: the citizen/organisation account that submitted the dossier;
* ``reception``: a one-stop reception officer who may receive for the dossier's competent agency
  (any centre of the same province, Nghị định 118/2025: no administrative boundaries);
* ``specialist`` / ``leader``: staff holding that role at the agency that currently holds the dossier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

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
# Statuses in which a supplement request pauses the legal clock (processing has started).
CLOCK_STATUSES = frozenset({Status.NEW, Status.PROCESSING})

APPLICANT, RECEPTION, SPECIALIST, LEADER = "applicant", "reception", "specialist", "leader"
ACTOR_KINDS = (APPLICANT, RECEPTION, SPECIALIST, LEADER)

# Targets that are not a fixed status.
SAME = 0  # the status does not change (apology, hand-over inside processing)
RESUME = -1  # back to the status the dossier was paused from (supplement received)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # Vietnamese button text
    sources: frozenset[int]
    target: int  # a Status, SAME or RESUME
    roles: frozenset[str]
    requires: tuple[str, ...] = ()  # payload fields that must be present and non-empty
    guard: str | None = None  # name of a check in permissions.GUARDS
    form: str | None = None  # official form issued by this action (TT 01/2018)
    note: str = ""

    def target_from(self, status: int, paused_from: int | None) -> int:
        if self.target == SAME:
            return status
        if self.target == RESUME:
            if paused_from is None:
                raise ValueError("no status to resume")
            return paused_from
        return self.target


def _t(name: str, label: str, sources: set[int], target: int, roles: set[str], **kw: Any) -> Transition:
    return Transition(name, label, frozenset(sources), target, frozenset(roles), **kw)


S = Status
# The creation rows: not reachable through `perform`, only through `services.submit_dossier`.
CREATION: tuple[Transition, ...] = (
    _t(
        "submit",
        N_("Nộp hồ sơ"),
        set(),
        S.RECEIVING,
        {APPLICANT, RECEPTION},
        note="online (channel 2) or postal (channel 3): waits for the one-stop check",
    ),
    _t(
        "receive",
        N_("Tiếp nhận tại quầy"),
        set(),
        S.NEW,
        {RECEPTION},
        form="01",
        note="counter reception (channel 1): received at once, receipt and due date (Form 01)",
    ),
)

TRANSITIONS: tuple[Transition, ...] = (
    _t("accept", N_("Tiếp nhận"), {S.RECEIVING}, S.NEW, {RECEPTION}, form="01"),
    _t(
        "refuse",
        N_("Từ chối tiếp nhận"),
        {S.RECEIVING},
        S.DENIED,
        {RECEPTION},
        requires=("reason",),
        form="03",
    ),
    # Guidance at reception (Form 02, "hướng dẫn một lần"): no clock runs yet; at most once.
    _t(
        "request_supplement",
        N_("Hướng dẫn bổ sung hồ sơ"),
        {S.RECEIVING},
        S.WAITING,
        {RECEPTION},
        requires=("reason", "items"),
        guard="guidance_once",
        form="02",
    ),
    # During processing (Form 02 through the one-stop): pauses the clock. A second request is allowed
    # (the handling agency may need it) but makes the dossier late under Decision 766.
    _t(
        "request_supplement",
        N_("Yêu cầu bổ sung hồ sơ"),
        {S.NEW, S.PROCESSING},
        S.WAITING,
        {SPECIALIST, LEADER, RECEPTION},
        requires=("reason", "items"),
        form="02",
    ),
    _t("supplement", N_("Bổ sung hồ sơ"), {S.WAITING}, RESUME, {APPLICANT, RECEPTION}),
    _t("forward", N_("Chuyển cơ quan giải quyết"), {S.NEW}, S.PROCESSING, {RECEPTION}),
    _t("forward", N_("Chuyển xử lý"), {S.PROCESSING}, SAME, {SPECIALIST, LEADER}),
    _t(
        "request_payment",
        N_("Yêu cầu thực hiện nghĩa vụ tài chính"),
        {S.PROCESSING},
        S.PAYING,
        {SPECIALIST, LEADER},
        requires=("amount",),
    ),
    _t("pay", N_("Xác nhận nộp phí, lệ phí"), {S.PAYING}, S.PROCESSING, {APPLICANT, RECEPTION}),
    _t(
        "apologize",
        N_("Xin lỗi và hẹn lại ngày trả"),
        {S.NEW, S.PROCESSING, S.WAITING, S.PAYING},
        SAME,
        {SPECIALIST, LEADER},
        requires=("reason", "new_due_at"),
        guard="apology",
        form="04",
    ),
    _t("stop", N_("Dừng xử lý"), {S.PROCESSING}, S.UNRESOLVED, {LEADER}, requires=("reason",)),
    _t("complete", N_("Phê duyệt, hoàn thành"), {S.PROCESSING}, S.RELEASING, {LEADER}, requires=("result",)),
    _t("return_result", N_("Trả kết quả"), {S.RELEASING}, S.DONE, {RECEPTION}),
    _t(
        "withdraw",
        N_("Rút hồ sơ"),
        {S.RECEIVING, S.NEW, S.PROCESSING, S.WAITING, S.PAYING},
        S.CANCELLED,
        {APPLICANT, RECEPTION},
        requires=("reason",),
    ),
)

ACTION_NAMES: tuple[str, ...] = tuple(dict.fromkeys(t.name for t in TRANSITIONS))
BY_NAME: dict[str, tuple[Transition, ...]] = {
    name: tuple(t for t in TRANSITIONS if t.name == name) for name in ACTION_NAMES
}
LABELS: dict[str, str] = {t.name: t.label for t in (*CREATION, *TRANSITIONS)}


def label_of(action: str, from_status: int | None) -> str:
    """The button text of the row an event executed: 'forward' from 2 is the hand-over to the competent
    agency, from 4 a hand-over inside processing; creation rows have no source status."""
    for t in TRANSITIONS:
        if t.name == action and from_status in t.sources:
            return t.label
    return LABELS.get(action, action)


ALL_INPUTS = ("note", "reason", "items", "to", "amount", "new_due_at", "result", "files")


def possible_targets(status: int, paused_from: int | None = None) -> set[int]:
    """Every status one action can lead to from `status` (for the tests and the docs)."""
    out = set()
    for t in TRANSITIONS:
        if status in t.sources:
            if t.target == RESUME and paused_from is None:
                out |= CLOCK_STATUSES | {Status.RECEIVING}
            else:
                out.add(t.target_from(status, paused_from))
    return out


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
