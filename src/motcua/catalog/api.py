"""Public catalogue API: procedure search, the full procedure record and its versions, fields."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, Prefetch, Q
from ninja import Field as F
from ninja import Path, Query, Router, Schema

from motcua.access.auth import OptionalAuth
from motcua.access.errors import errors
from motcua.access.paging import Page
from motcua.core.errors import NotFound
from motcua.core.formatting import money

from . import selectors
from .models import Field, Procedure, ProcedureVersion
from .records import procedure_to_record

router = Router(tags=["catalog"], auth=OptionalAuth())

Level = Literal["ministry", "province", "district", "commune"]
OnlineLevel = Literal["full", "partial", "none"]
Kind = Literal["public", "internal"]
TimeUnitT = Literal["working_days", "days", "hours"]
ChannelT = Literal["counter", "online", "postal"]


class ProcedureFilters(Page):
    q: str | None = F(
        None,
        max_length=selectors.MAX_QUERY_LENGTH,
        description="Tìm theo tên hoặc mã, không phân biệt dấu: 'dang ky khai sinh', '1.004222'",
    )
    field: str | None = F(None, max_length=40, description="Mã lĩnh vực, ví dụ G09-HT01")
    level: Level | None = F(None, description="Cấp thực hiện")
    agency: str | None = F(
        None, max_length=40, description="Mã định danh cơ quan thực hiện, ví dụ 000.00.15.H40"
    )
    online_level: OnlineLevel | None = F(None, description="Mức độ dịch vụ công trực tuyến")
    kind: Kind | None = F(None, description="public: TTHC; internal: TTHC nội bộ")


class FieldRef(Schema):
    code: str
    name: str


class FeeSummary(Schema):
    free: bool = F(description="Không thu phí, lệ phí")
    min: int = F(description="Mức thấp nhất (đồng)")
    max: int = F(description="Mức cao nhất (đồng)")
    display: str = F(description="Ví dụ: 'Miễn phí', '8.000 ₫', '10.000 ₫ – 20.000 ₫'")


class ProcedureSummary(Schema):
    code: str
    name: str
    field: FieldRef
    kind: Kind
    levels: list[Level]
    online_level: OnlineLevel
    processing_time: int | float | None
    time_unit: TimeUnitT
    agencies: list[str] = F(description="Mã định danh các cơ quan thực hiện")
    fee: FeeSummary
    match: Literal["code", "name", "result", "synonym", "other", "corrected", "partial"] | None = F(
        None,
        description="Vì sao thủ tục được tìm thấy (chỉ khi có q): code, name (tên), result (kết quả thực "
        "hiện), synonym (tên gọi thường dùng), other (lĩnh vực, đối tượng...), corrected (sau khi sửa chính "
        "tả), partial (gần đúng với tên dài được dán vào)",
    )


class ProcedureList(Schema):
    items: list[ProcedureSummary]
    count: int
    suggestion: str | None = F(
        None, description="Từ khóa đã sửa chính tả khi có từ không có trong danh mục ('Có phải bạn muốn tìm')"
    )


class Announcement(Schema):
    number: str
    date: date | None
    kind: Literal["new", "amended", "abolished", ""]
    agency: str


class CaseOut(Schema):
    code: str
    name: str


class StepOut(Schema):
    title: str
    description: str


class ChannelOut(Schema):
    channel: ChannelT
    processing_time: int | float | None
    time_unit: TimeUnitT
    fee: int
    description: str


class ProcedureComponentOut(Schema):
    code: str
    name: str
    case: str | None
    originals: int
    copies: int
    required: bool
    form_code: str
    replaceable_by_data: bool
    digitise_required: bool


class ProcedureFormOut(Schema):
    code: str
    name: str
    url: str


class FeeReductionOut(Schema):
    name: str = F(..., description="Đối tượng được miễn, giảm")
    percent: int = F(..., description="Tỷ lệ miễn, giảm 1..100 (100 = miễn)")


class ProcedureFeeOut(Schema):
    kind: Literal["fee", "charge", "other"]
    amount: int
    channel: Literal["counter", "online", "postal", ""]
    case: str | None = F(None, description="Mã trường hợp; null = mọi trường hợp")
    description: str
    exemption: str
    reductions: list[FeeReductionOut] = []


class ResultOut(Schema):
    code: str
    name: str
    paper_required: bool


class LegalBasisOut(Schema):
    number: str
    title: str
    issued_on: date | None
    effective_on: date | None


class VersionRef(Schema):
    number: int
    effective_from: datetime
    effective_to: datetime | None


class ProcedureRecord(Schema):
    """The canonical record (records.procedure_to_record): every part of a procedure (domain.md §1.1)."""

    code: str
    local_code: str
    name: str
    field: FieldRef
    kind: Kind
    levels: list[Level]
    vertical_sector: bool
    agencies: list[str]
    processing_time: int | float | None
    time_unit: TimeUnitT
    time_note: str
    subjects: list[str]
    requirements: str
    online_level: OnlineLevel
    eligible_full_online: bool
    announcement: Announcement
    publication_state: Literal["draft", "published", "published_amended", "abolished"]
    published_at: datetime | None
    cases: list[CaseOut]
    steps: list[StepOut]
    channels: list[ChannelOut]
    components: list[ProcedureComponentOut]
    forms: list[ProcedureFormOut]
    fees: list[ProcedureFeeOut]
    results: list[ResultOut]
    legal_bases: list[LegalBasisOut]


class ProcedureDetail(ProcedureRecord):
    version: int = F(description="Số phiên bản hiện hành")
    versions: list[VersionRef] = F(description="Các phiên bản, cũ trước")


class VersionOut(VersionRef):
    # A stored snapshot keeps the shape it was written with, so it is not forced into today's schema.
    record: dict[str, Any] = F(
        description="Bản ghi thủ tục tại phiên bản này (cùng dạng với GET /procedures/{code})"
    )


class FieldOut(Schema):
    code: str
    name: str
    procedure_count: int = F(description="Số thủ tục đang công khai")


class FieldList(Schema):
    items: list[FieldOut]
    count: int


def fee_summary(p: Procedure) -> dict[str, Any]:
    """Lowest and highest amount over the fee rows and the per-channel fees (prefetched)."""
    amounts = [f.amount for f in p.fees.all()] + [c.fee for c in p.channels.all()]
    low, high = (min(amounts), max(amounts)) if amounts else (0, 0)
    if high == 0:
        display = "Miễn phí"
    elif low == high:
        display = money(high)
    else:
        display = f"{money(low)} – {money(high)}"
    return {"free": high == 0, "min": low, "max": high, "display": display}


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _summary(p: Procedure) -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "field": p.field,
        "kind": p.kind,
        "levels": p.levels,
        "online_level": p.online_level,
        "processing_time": _num(p.processing_time),
        "time_unit": p.time_unit,
        "agencies": [a.identifier for a in p.agencies.all()],
        "fee": fee_summary(p),
        "match": selectors.match_of(p.rank) if hasattr(p, "rank") else None,
    }


def _can_see_drafts(request) -> bool:
    user = getattr(request, "auth", None)
    return bool(getattr(user, "is_staff", False))


@router.get("/procedures", response={200: ProcedureList, **errors(422)}, summary="Tìm thủ tục hành chính")
def list_procedures(request, filters: Query[ProcedureFilters]):
    qs = selectors.search_procedures(
        filters.q or "",
        field=filters.field,
        level=filters.level,
        agency=filters.agency,
        online_level=filters.online_level,
        kind=filters.kind,
    )
    qs = qs.prefetch_related(
        Prefetch("agencies", queryset=_agencies().only("id", "identifier")), "fees", "channels"
    )
    items, count = selectors.page_of(qs, filters.page, filters.page_size)
    outcome = getattr(qs, "outcome", None)
    return {
        "items": [_summary(p) for p in items],
        "count": count,
        "suggestion": outcome.suggestion or None if outcome is not None else None,
    }


def _agencies():
    from motcua.directory.models import Agency

    return Agency.objects.all()


@router.get(
    "/procedures/{code}",
    response={200: ProcedureDetail, **errors(404, 422)},
    summary="Toàn bộ thông tin một thủ tục hành chính",
)
def get_procedure(request, code: str):
    p = selectors.procedure_detail(code, published_only=not _can_see_drafts(request))
    versions = (
        ProcedureVersion.objects.filter(procedure=p)
        .order_by("number")
        .values("number", "effective_from", "effective_to")
    )
    return {**procedure_to_record(p), "version": p.version, "versions": list(versions)}


@router.get(
    "/procedures/{code}/versions/{number}",
    response={200: VersionOut, **errors(404, 422)},
    summary="Một phiên bản đã lưu của thủ tục",
)
def get_procedure_version(request, code: str, number: int = Path(..., ge=1, le=2**31 - 1)):
    # A code that cannot exist (NUL, too long) is not looked up: PostgreSQL refuses NUL in a query.
    qs = ProcedureVersion.objects.filter(procedure__code=code, number=number)
    if not _can_see_drafts(request):
        qs = qs.exclude(procedure__publication_state=Procedure.PublicationState.DRAFT)
    version = qs.first() if 0 < len(code) <= 20 and code.isprintable() else None
    if version is None:
        raise NotFound(
            f"Thủ tục {code[:40]!r} không có phiên bản {number} (version not found).",
            code="version_not_found",
        )
    return version


@router.get("/fields", response={200: FieldList}, summary="Lĩnh vực và số thủ tục đang công khai")
def list_fields(request):
    published = Q(procedures__publication_state__in=selectors.PUBLISHED_STATES)
    items = list(
        Field.objects.annotate(procedure_count=Count("procedures", filter=published)).order_by("name")
    )
    return {"items": items, "count": len(items)}
