"""Who may take which action on which dossier now: the one check shared by `perform` and `available_actions`.

The order of the checks fixes the error a caller sees (ADR 0004):

1. the caller holds none of the action's roles anywhere -> 403 ``forbidden_action``;
2. holds one, but not for this dossier (other province, other agency, not their dossier) -> 403
   ``not_your_dossier``;
3. the dossier's status does not allow the action -> 409 ``invalid_transition``;
4. the status allows it, but not for the caller's role (e.g. a specialist forwarding a dossier still at
   the one-stop) -> 403 ``forbidden_action``;
5. a guard of the row fails (apology already given, ...) -> 409 with the guard's own code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from motcua.core.errors import Conflict, NotFound, PermissionDenied
from motcua.directory import selectors as directory
from motcua.directory.models import Role

from . import machine
from .machine import APPLICANT, LEADER, RECEPTION, SPECIALIST, Transition

_STAFF_ROLE = {RECEPTION: Role.RECEPTION, SPECIALIST: Role.SPECIALIST, LEADER: Role.LEADER}


def global_kinds(user) -> set[str]:
    """Actor kinds the user can ever be, whatever the dossier."""
    kinds = set()
    roles = directory.roles_at(user)
    for kind, role in _STAFF_ROLE.items():
        if any(role in r for r in roles.values()):
            kinds.add(kind)
    if getattr(user, "is_authenticated", False):
        kinds.add(APPLICANT)  # any signed-in account may own dossiers it submitted
    return kinds


def actor_kinds(user, dossier) -> set[str]:
    """Actor kinds the user is *for this dossier* (no queries beyond the memoised role lookup)."""
    kinds = set()
    if getattr(user, "pk", None) is not None and dossier.applicant_user_id == user.pk:
        kinds.add(APPLICANT)
    if directory.can_receive_for(user, dossier.agency):
        kinds.add(RECEPTION)
    for kind in (SPECIALIST, LEADER):
        if directory.has_role(user, _STAFF_ROLE[kind], dossier.current_agency_id):
            kinds.add(kind)
    return kinds


def calendar_of(dossier):
    from motcua.directory.calendars import calendar_for

    return calendar_for(dossier.agency)


def _guidance_once(dossier, now: datetime) -> None:
    if dossier.guidance_count > 0:
        raise Conflict(
            "Hồ sơ đã được hướng dẫn bổ sung một lần khi tiếp nhận; nếu vẫn chưa đủ, hãy từ chối "
            "tiếp nhận (Mẫu 03).",
            code="guidance_once",
        )


def _apology(dossier, now: datetime) -> None:
    if dossier.apology_count > 0:
        raise Conflict("Chỉ được xin lỗi và hẹn lại ngày trả kết quả một lần.", code="apology_once")
    if dossier.due_at is None:
        raise Conflict("Hồ sơ không có ngày hẹn trả.", code="no_due_date")
    # "At least one working day before the deadline" (61/2018 Art. 19, domain.md §2.2).
    if calendar_of(dossier).add(now, 1, "working_days") > dossier.due_at:
        raise Conflict(
            "Phải xin lỗi, hẹn lại chậm nhất trước ngày hẹn trả một ngày làm việc.", code="apology_too_late"
        )


GUARDS: dict[str, Callable[[object, datetime], None]] = {"guidance_once": _guidance_once, "apology": _apology}


def check(user, dossier, action: str, now: datetime, kinds: set[str] | None = None) -> Transition:
    """The table row `action` would execute for this user, dossier and time, or a DomainError.

    `kinds`: the user's `actor_kinds` for this dossier when the caller has them already."""
    rows = machine.BY_NAME.get(action)
    if rows is None:
        raise NotFound(f"Không có thao tác '{action}'.", code="unknown_action")
    wanted = set().union(*(r.roles for r in rows))
    if not wanted & global_kinds(user):
        raise PermissionDenied("Vai trò của bạn không được thực hiện thao tác này.", code="forbidden_action")
    kinds = actor_kinds(user, dossier) if kinds is None else kinds
    if not wanted & kinds:
        raise PermissionDenied("Hồ sơ này không thuộc phạm vi xử lý của bạn.", code="not_your_dossier")
    in_state = [r for r in rows if dossier.status in r.sources]
    if not in_state:
        raise Conflict(
            f"Không thể '{machine.LABELS[action]}' khi hồ sơ ở trạng thái "
            f"'{machine.Status(dossier.status).label}'.",
            code="invalid_transition",
        )
    mine = [r for r in in_state if r.roles & kinds]
    if not mine:
        raise PermissionDenied(
            "Ở trạng thái này, vai trò của bạn không được thực hiện thao tác này.", code="forbidden_action"
        )
    row = mine[0]
    if row.guard:
        GUARDS[row.guard](dossier, now)
    return row


def allowed(user, dossier, now: datetime) -> list[str]:
    """Action names `check` accepts (what a page shows as buttons)."""
    out = []
    kinds = None
    for name in machine.ACTION_NAMES:
        rows = [r for r in machine.BY_NAME[name] if dossier.status in r.sources]
        if not rows:
            continue
        if kinds is None:
            kinds = actor_kinds(user, dossier)
        row = next((r for r in rows if r.roles & kinds), None)
        if row is None:
            continue
        if row.guard:
            try:
                GUARDS[row.guard](dossier, now)
            except Conflict:
                continue
        out.append(name)
    return out
