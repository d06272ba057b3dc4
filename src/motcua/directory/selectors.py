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

import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone

from motcua.core.errors import NotFound, ValidationFailed
from motcua.core.text import fold
from motcua.directory.models import AdminUnit, Agency, AgencyIdentifier, Applicant, Role, StaffAssignment

# Agency kinds whose reception officers receive for any agency of their province (Nghị định 118/2025:
# provincial and commune public-administration centres receive regardless of administrative boundaries).
RECEIVING_CENTRE_KINDS = frozenset({Agency.Kind.SERVICE_CENTRE, Agency.Kind.COMMUNE_COMMITTEE})

_CACHE_ATTR = "_motcua_scope"


@dataclass(frozen=True)
class _Scope:
    roles: dict[int, set[str]] = field(default_factory=dict)
    # provinces (AdminUnit ids) where the user is a reception officer of a service/commune centre
    reception_provinces: frozenset[int] = frozenset()
    # the agencies where the user is a reception officer, by id (a counter's receiving point)
    reception_agencies: tuple[Agency, ...] = ()
    sysadmin: bool = False


def _scope(user) -> _Scope:
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return _Scope()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    roles: dict[int, set[str]] = {}
    provinces: set[int] = set()
    reception: dict[int, Agency] = {}
    for row in StaffAssignment.objects.filter(user_id=user.pk).select_related("agency"):
        agency = row.agency
        roles.setdefault(agency.pk, set()).add(row.role)
        if row.role == Role.RECEPTION:
            reception[agency.pk] = agency
            if agency.kind in RECEIVING_CENTRE_KINDS and agency.province_id is not None:
                provinces.add(agency.province_id)
    sysadmin = bool(getattr(user, "is_superuser", False)) or any(Role.SYSADMIN in r for r in roles.values())
    scope = _Scope(
        roles=roles,
        reception_provinces=frozenset(provinces),
        reception_agencies=tuple(reception[k] for k in sorted(reception)),
        sysadmin=sysadmin,
    )
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


def reception_points(user) -> tuple[Agency, ...]:
    """The agencies where the user is a reception officer, by id (memoised rows: do not change them)."""
    return _scope(user).reception_agencies


def service_centre() -> Agency | None:
    """The agency the site speaks for: the first (provincial first) public-administration service centre."""
    return (
        Agency.objects.filter(kind=Agency.Kind.SERVICE_CENTRE, is_active=True)
        .select_related("province")
        .order_by("-level", "identifier")  # 'province' sorts after 'commune': provincial centres first
        .first()
    )


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


# --- public directory reads (the /agencies and /admin-units API) --------------------------------------------

MAX_QUERY_LENGTH = 200
# Codes and identifiers are opaque, but printable ASCII only: a NUL byte or stray text is bad input, not a 500.
_CODE = re.compile(r"^[0-9A-Za-z._-]{1,40}$")


def _code(value: str | None, what: str, *, max_len: int = 10) -> str:
    value = (value or "").strip()
    if not value or len(value) > max_len or not _CODE.match(value):
        raise ValidationFailed(
            f"Mã {what} không hợp lệ: {value[:40]!r} (invalid {what} code).",
            code=f"invalid_{what.replace(' ', '_')}",
        )
    return value


def _words(q: str | None) -> list[str]:
    if q is None:
        return []
    if len(q) > MAX_QUERY_LENGTH:
        raise ValidationFailed(
            f"Từ khóa dài quá {MAX_QUERY_LENGTH} ký tự (query too long).", code="invalid_q"
        )
    return list(dict.fromkeys(w for w in fold(q).split(" ") if w))


def _choice(value: str | None, allowed: list[str], name: str) -> str | None:
    if value in (None, ""):
        return None
    if value not in allowed:
        raise ValidationFailed(
            f"Giá trị {name} không hợp lệ: {value[:40]!r}; chỉ nhận {', '.join(allowed)} (unknown {name}).",
            code=f"invalid_{name}",
        )
    return value


# Lists read top-down (province before commune); names sort on their folded form so that SQLite and
# PostgreSQL, whose collations differ on Vietnamese letters, return the same order.
AGENCY_LEVEL_ORDER = ("ministry", "province", "commune")
UNIT_LEVEL_ORDER = ("province", "district", "commune")


def _rank(field: str, order: tuple[str, ...]) -> Case:
    return Case(*(When(**{field: v}, then=Value(i)) for i, v in enumerate(order)), default=Value(len(order)))


def admin_units_valid_on(at: date) -> QuerySet[AdminUnit]:
    """Units in force on ``at``: ``valid_from <= at`` and ``valid_to`` (the last day in force) empty or ``>= at``."""
    return AdminUnit.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=at), valid_from__lte=at)


def list_agencies(
    *,
    level: str | None = None,
    kind: str | None = None,
    province: str | None = None,
    q: str | None = None,
    active_only: bool = True,
) -> QuerySet[Agency]:
    """Agencies filtered by level, kind, province (admin-unit code) and accent-insensitive words of ``q``.

    Every word of ``q`` must occur in the folded name (or the identifier): 'so tu phap' finds 'Sở Tư pháp'.
    """
    qs = Agency.objects.select_related("province", "admin_unit", "parent")
    if active_only:
        qs = qs.filter(is_active=True)
    if level := _choice(level, list(Agency.Level.values), "level"):
        qs = qs.filter(level=level)
    if kind := _choice(kind, list(Agency.Kind.values), "kind"):
        qs = qs.filter(kind=kind)
    if province:
        qs = qs.filter(province__code=_code(province, "province"))
    for word in _words(q):
        qs = qs.filter(Q(name_folded__contains=word) | Q(identifier__iexact=word))
    return qs.order_by(_rank("level", AGENCY_LEVEL_ORDER), "name_folded", "identifier")


def agency_detail(identifier: str) -> Agency:
    """The agency with this identifier, or with this FORMER identifier (``AgencyIdentifier``)."""
    identifier = _code(identifier, "identifier", max_len=40)
    qs = Agency.objects.select_related("province", "admin_unit", "parent").prefetch_related(
        "identifiers", "counters"
    )
    # One query: the current holder of the identifier first, else the agency that carried it before.
    former = AgencyIdentifier.objects.filter(identifier=identifier).values("agency_id")
    agency = (
        qs.filter(Q(identifier=identifier) | Q(pk__in=former))
        .order_by(Case(When(identifier=identifier, then=Value(0)), default=Value(1)), "-pk")
        .first()
    )
    if agency is None:
        raise NotFound(
            f"Không có cơ quan mã định danh {identifier!r} (agency not found).", code="agency_not_found"
        )
    return agency


def list_admin_units(
    *,
    level: str | None = None,
    parent: str | None = None,
    q: str | None = None,
    at: date | None = None,
) -> QuerySet[AdminUnit]:
    """Administrative units: in force today unless ``at`` asks for another date (pre-merger codes then resolve)."""
    qs = admin_units_valid_on(at or timezone.localdate()).select_related("parent")
    if level := _choice(level, list(AdminUnit.Level.values), "level"):
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent__code=_code(parent, "parent"))
    for word in _words(q):
        qs = qs.filter(Q(name_folded__contains=word) | Q(code=word))
    return qs.order_by(_rank("level", UNIT_LEVEL_ORDER), "code")


def admin_unit_detail(code: str, *, at: date | None = None) -> AdminUnit:
    """The unit with this code in force on ``at``; without ``at`` the current one, else the latest historic one.

    Codes are reused across the 2025 reorganisation only with a new ``valid_from``, so an old code always
    resolves to the row that carried it.
    """
    code = _code(code, "code")
    base = AdminUnit.objects.select_related("parent").filter(code=code)
    qs = base.filter(pk__in=admin_units_valid_on(at).values("pk")) if at else base
    # Current rows (no end) first, then the most recent.
    unit = qs.order_by(F("valid_to").desc(nulls_first=True), "-valid_from").first()
    if unit is None:
        raise NotFound(
            f"Không có đơn vị hành chính mã {code!r} (admin unit not found).", code="admin_unit_not_found"
        )
    return unit
