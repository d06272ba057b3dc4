"""Permission scoping, in one place: who holds which role at which agency, and what follows from it.

Roles are `StaffAssignment` rows (user, agency, role). The demo accounts (contract §3) map as:

========== ====================================================================================
username   what the directory says
========== ====================================================================================
admin      Django superuser plus ``sysadmin`` at the provincial centre: ``is_sysadmin`` is True,
           sees every agency; holds no processing role, so it does not receive or approve
tiepnhan   ``reception`` at Trung tâm Phục vụ hành chính công tỉnh Nghệ An (service_centre):
           ``can_receive_for`` any agency of Nghệ An (departments, commune centres), none elsewhere
chuyenvien ``specialist`` at Sở Tư pháp tỉnh Nghệ An: processes that department's dossiers only
lanhdao    ``leader`` at Sở Tư pháp tỉnh Nghệ An: approves and signs for that department only
congdan    no staff role; an ``Applicant`` row (citizen, 12-digit ID): ``applicant_of`` returns it
========== ====================================================================================

The functions accept any user object (including ``AnonymousUser``) and never raise for a missing role.
All role data for one user is read with ONE query and memoised on the user object, which lives for one
request, so permission checks in loops and in ``actions`` lists cost nothing after the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from motcua.directory.models import Agency, Applicant, Role, StaffAssignment

# Agency kinds whose reception officers receive for any agency of their province (Nghị định 118/2025:
# provincial and commune public-administration centres receive regardless of administrative boundaries).
RECEIVING_CENTRE_KINDS = frozenset({Agency.Kind.SERVICE_CENTRE, Agency.Kind.COMMUNE_COMMITTEE})

_CACHE_ATTR = "_motcua_scope"


@dataclass(frozen=True)
class _Scope:
    roles: dict[int, set[str]] = field(default_factory=dict)
    # provinces (AdminUnit ids) where the user is a reception officer of a service/commune centre
    reception_provinces: frozenset[int] = frozenset()
    sysadmin: bool = False


def _scope(user) -> _Scope:
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return _Scope()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    roles: dict[int, set[str]] = {}
    provinces: set[int] = set()
    rows = StaffAssignment.objects.filter(user_id=user.pk).values_list(
        "agency_id", "role", "agency__kind", "agency__province_id"
    )
    for agency_id, role, kind, province_id in rows:
        roles.setdefault(agency_id, set()).add(role)
        if role == Role.RECEPTION and kind in RECEIVING_CENTRE_KINDS and province_id is not None:
            provinces.add(province_id)
    sysadmin = bool(getattr(user, "is_superuser", False)) or any(Role.SYSADMIN in r for r in roles.values())
    scope = _Scope(roles=roles, reception_provinces=frozenset(provinces), sysadmin=sysadmin)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget(user) -> None:
    """Drop the memoised roles (after assigning a role to a user object that is still in use)."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _agency_id(agency: Agency | int | None) -> int | None:
    if agency is None:
        return None
    return agency if isinstance(agency, int) else agency.pk


def roles_at(user) -> dict[int, set[str]]:
    """agency_id -> set of roles (``Role`` values) the user holds there; ``{}`` for anonymous/citizens.

    Superusers are system administrators whether or not they hold a ``sysadmin`` assignment; see
    ``is_sysadmin``. A returned dict is the memoised one: do not mutate it.
    """
    return _scope(user).roles


def is_sysadmin(user) -> bool:
    """Superuser or ``sysadmin`` at any agency: may administer everything, sees every agency."""
    return _scope(user).sysadmin


def has_role(user, role: str, agency: Agency | int | None) -> bool:
    """Whether the user holds ``role`` at exactly this agency (no inheritance, no superuser bypass)."""
    agency_id = _agency_id(agency)
    return agency_id is not None and role in _scope(user).roles.get(agency_id, ())


def agencies_with_role(user, role: str) -> QuerySet[Agency]:
    """The agencies where the user holds ``role`` (empty queryset when none)."""
    ids = [a for a, roles in _scope(user).roles.items() if role in roles]
    return Agency.objects.filter(pk__in=ids)


def is_staff_member(user) -> bool:
    """Holds at least one processing role (any assignment), or is a system administrator."""
    scope = _scope(user)
    return scope.sysadmin or bool(scope.roles)


def can_receive_for(user, agency: Agency | int | None) -> bool:
    """Whether the user may receive (at a counter) a dossier addressed to ``agency``.

    A reception officer of a provincial or commune public-administration centre receives for every agency
    of the SAME province (``Agency.province``): there are no administrative boundaries inside a province
    (domain.md §2.2, Nghị định 118/2025), but never across provinces. A reception officer of an agency's
    own one-stop counter receives for that agency.
    """
    if agency is None:
        return False
    scope = _scope(user)
    if not scope.roles:
        return False
    if isinstance(agency, int):
        agency = Agency.objects.filter(pk=agency).only("pk", "province_id").first()
        if agency is None:
            return False
    if Role.RECEPTION in scope.roles.get(agency.pk, ()):
        return True
    return agency.province_id is not None and agency.province_id in scope.reception_provinces


def receivable_agencies(user) -> QuerySet[Agency]:
    """Every agency ``can_receive_for`` allows, as a queryset (for pickers and list filters)."""
    scope = _scope(user)
    own = [a for a, roles in scope.roles.items() if Role.RECEPTION in roles]
    if not own and not scope.reception_provinces:
        return Agency.objects.none()
    return Agency.objects.filter(Q(pk__in=own) | Q(province_id__in=scope.reception_provinces))


def visible_agencies(user) -> QuerySet[Agency]:
    """Agencies whose internal work (dossiers, queues, reports) the user may see.

    System administrators: all. Staff: the agencies where they hold any role, their child agencies, and
    for reception officers of a centre every agency of that province. Citizens and anonymous: none (the
    public directory itself is open to all and needs no scoping).
    """
    scope = _scope(user)
    if scope.sysadmin:
        return Agency.objects.all()
    if not scope.roles:
        return Agency.objects.none()
    ids = list(scope.roles)
    q = Q(pk__in=ids) | Q(parent_id__in=ids)
    if scope.reception_provinces:
        q |= Q(province_id__in=scope.reception_provinces)
    return Agency.objects.filter(q)


def applicant_of(user) -> Applicant | None:
    """The citizen/organisation record of this account, or None (staff, anonymous)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.applicant
    except Applicant.DoesNotExist:
        return None
