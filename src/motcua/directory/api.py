"""Public directory API: agencies (with their electronic identifier codes) and administrative units."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, get_args

from ninja import Field, Query, Router, Schema

from motcua.access.auth import OptionalAuth
from motcua.access.errors import errors
from motcua.access.paging import Page

from . import selectors
from .models import AdminUnit, Agency

router = Router(tags=["directory"], auth=OptionalAuth())


# Literals, not the models' TextChoices: two enums both called "Level" would collide in the OpenAPI components.
AgencyLevel = Literal["ministry", "province", "commune"]
AgencyKind = Literal[
    "service_centre", "department", "commune_committee", "central_branch", "ministry", "province_committee"
]
UnitLevel = Literal["province", "district", "commune"]
assert set(get_args(AgencyLevel)) == set(Agency.Level.values)
assert set(get_args(AgencyKind)) == set(Agency.Kind.values)
assert set(get_args(UnitLevel)) == set(AdminUnit.Level.values)


class AgencyFilters(Page):
    level: AgencyLevel | None = Field(None, description="Cấp: ministry, province, commune")
    kind: AgencyKind | None = Field(None, description="Loại cơ quan")
    province: str | None = Field(None, max_length=10, description="Mã tỉnh (đơn vị hành chính), ví dụ 40")
    q: str | None = Field(
        None,
        max_length=selectors.MAX_QUERY_LENGTH,
        description="Tìm theo tên, không phân biệt dấu: 'so tu phap'",
    )


class AdminUnitFilters(Page):
    level: UnitLevel | None = Field(None, description="Cấp: province, district (cũ), commune")
    parent: str | None = Field(None, max_length=10, description="Mã đơn vị cha (tỉnh), ví dụ 40")
    q: str | None = Field(None, max_length=selectors.MAX_QUERY_LENGTH, description="Tìm theo tên, không dấu")
    at: date | None = Field(None, description="Đơn vị có hiệu lực vào ngày này (mặc định: hôm nay)")


class AtFilter(Schema):
    at: date | None = Field(None, description="Đơn vị mang mã này có hiệu lực vào ngày này")


class AdminUnitRef(Schema):
    code: str
    name: str
    level: str


class AdminUnitOut(Schema):
    code: str
    name: str
    level: str
    level_label: str
    division_type: str
    codename: str
    parent: AdminUnitRef | None
    valid_from: date
    valid_to: date | None

    @staticmethod
    def resolve_level_label(obj: AdminUnit) -> str:
        return str(obj.get_level_display())


class AgencyRef(Schema):
    identifier: str
    name: str


class AgencyOut(Schema):
    identifier: str
    name: str
    short_name: str
    level: str
    level_label: str
    kind: str
    kind_label: str
    parent: AgencyRef | None
    province: AdminUnitRef | None
    admin_unit: AdminUnitRef | None
    address: str
    phone: str
    email: str
    working_windows: Any = Field(description='Giờ làm việc, ví dụ [["07:00", "11:30"], ["13:30", "17:00"]]')
    working_hours_note: str
    is_active: bool

    @staticmethod
    def resolve_level_label(obj: Agency) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_kind_label(obj: Agency) -> str:
        return str(obj.get_kind_display())


class IdentifierOut(Schema):
    identifier: str
    valid_from: date
    valid_to: date | None


class CounterOut(Schema):
    number: int
    name: str
    is_active: bool


class AgencyDetailOut(AgencyOut):
    identifiers: list[IdentifierOut] = Field(description="Lịch sử mã định danh (mã cũ trước sáp nhập 2025)")
    counters: list[CounterOut] = Field(description="Quầy tiếp nhận một cửa")

    @staticmethod
    def resolve_identifiers(obj: Agency) -> list:
        return list(obj.identifiers.all())

    @staticmethod
    def resolve_counters(obj: Agency) -> list:
        return list(obj.counters.all())


class AgencyList(Schema):
    items: list[AgencyOut]
    count: int


class AdminUnitList(Schema):
    items: list[AdminUnitOut]
    count: int


def _page(qs, page: Page) -> dict:
    start = (page.page - 1) * page.page_size
    return {"items": list(qs[start : start + page.page_size]), "count": qs.count()}


@router.get("/agencies", response={200: AgencyList, **errors(422)}, summary="Danh sách cơ quan")
def list_agencies(request, filters: Query[AgencyFilters]):
    qs = selectors.list_agencies(
        level=filters.level, kind=filters.kind, province=filters.province, q=filters.q
    )
    return _page(qs, filters)


@router.get(
    "/agencies/{identifier}",
    response={200: AgencyDetailOut, **errors(404, 422)},
    summary="Một cơ quan (theo mã định danh hiện tại hoặc mã cũ)",
)
def get_agency(request, identifier: str):
    return selectors.agency_detail(identifier)


@router.get(
    "/admin-units", response={200: AdminUnitList, **errors(422)}, summary="Danh sách đơn vị hành chính"
)
def list_admin_units(request, filters: Query[AdminUnitFilters]):
    qs = selectors.list_admin_units(level=filters.level, parent=filters.parent, q=filters.q, at=filters.at)
    return _page(qs, filters)


@router.get(
    "/admin-units/{code}",
    response={200: AdminUnitOut, **errors(404, 422)},
    summary="Một đơn vị hành chính (kể cả mã cũ trước 01/07/2025)",
)
def get_admin_unit(request, code: str, filters: Query[AtFilter]):
    return selectors.admin_unit_detail(code, at=filters.at)
