"""Who may see a dossier and take which action on it now: the one check shared by `perform`,
`available_actions` and the file endpoints.

The order of the checks fixes the error a caller sees (ADR 0004):

1. the caller may not see the dossier -> 404 ``dossier_not_found``, exactly as for a code that does not
   exist (codes are sequential: a 403 would tell a stranger which ones do);
2. the caller is none of the action's roles for this dossier, in any status -> 403 ``forbidden_action``;
3. no row of the action starts from the dossier's status for the caller's roles -> 409
   ``invalid_transition`` (the dossier has moved on: a lost race is a conflict, not a refusal);
4. a guard of the row fails (apology already given, ...) -> 409 with the guard's own code.

The action's input is looked at only after these: a dossier that cannot take the action says so first.
"""

from __future__ import annotations

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


def can_see(user, dossier) -> bool:
    """The per-row form of `selectors.dossiers_visible_to` (same rule, for a dossier already loaded)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if dossier.applicant_user_id == user.pk or directory.is_sysadmin(user):
        return True
    agencies = directory.roles_at(user)
    if {dossier.agency_id, dossier.current_agency_id, dossier.receiving_agency_id} & set(agencies):
        return True
    return bool(agencies) and directory.can_receive_for(user, dossier.agency)


def not_found(code: str) -> NotFound:
    return NotFound(f"Không có hồ sơ mã '{code}'.", code="dossier_not_found")


def check(user, dossier, action: str, now: datetime, kinds: set[str] | None = None) -> Transition:
    """The table row `action` would execute for this user, dossier and time, or a DomainError.

    `kinds`: the user's `actor_kinds` for this dossier when the caller has them already."""
    if machine.BY_NAME.get(action) is None:
        raise NotFound(f"Không có thao tác '{action}'.", code="unknown_action")
    if not can_see(user, dossier):
        raise not_found(dossier.code)
    return row_for(dossier, action, now, actor_kinds(user, dossier) if kinds is None else kinds)


def row_for(dossier, action: str, now: datetime, kinds: set[str]) -> Transition:
    """`check` once the caller may see the dossier: the row for these actor kinds (403, 409 or the guard's
    error otherwise). A system party (the payment platform) starts here with its own kind."""
    rows = machine.BY_NAME.get(action)
    if rows is None:
        raise NotFound(f"Không có thao tác '{action}'.", code="unknown_action")
    if not any(r.roles & kinds for r in rows):
        raise PermissionDenied("Vai trò của bạn không được thực hiện thao tác này.", code="forbidden_action")
    mine = [r for r in rows if dossier.status in r.sources and r.roles & kinds]
    if not mine:
        raise Conflict(
            f"Không thể '{machine.LABELS[action]}' khi hồ sơ ở trạng thái "
            f"'{machine.Status(dossier.status).label}'.",
            code="invalid_transition",
        )
    row = mine[0]
    if row.guard:
        row.guard(dossier, now)
    return row


def check_version(dossier, expected: int | None) -> None:
    """409 when the caller acted on a version of the dossier that is no longer the current one."""
    if expected is not None and expected != dossier.version:
        raise Conflict("Hồ sơ vừa được người khác cập nhật; hãy tải lại.", code="stale_version")


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
                row.guard(dossier, now)
            except Conflict:
                continue
        out.append(name)
    return out


# Who keeps an agency's reception log book (Form 06): its one-stop officers and the centre's leaders.
LOGBOOK_ROLES = frozenset({Role.RECEPTION, Role.CENTRE_HEAD})


def may_read_logbook(user, agency) -> bool:
    """Whether the user may print the log book of dossiers `agency` received: a reception officer or a
    centre head of that agency, or a system administrator."""
    if directory.is_sysadmin(user):
        return True
    return bool(LOGBOOK_ROLES & directory.roles_at(user).get(agency.pk, set()))
