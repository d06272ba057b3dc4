"""Staff-only catalogue reports: GET /catalog/completeness (parts a–g, indicators 1.1-1.3, with a filter for
what came from the national database) and GET /procedures/{code}/national-diff (what differs from the
national record, ADR 0024)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field as F
from ninja import Query, Router, Schema

from motcua.access.auth import REQUIRED
from motcua.access.errors import errors
from motcua.core.errors import NotFound, PermissionDenied

from . import quality
from .io import catalog_records
from .models import Procedure
from .national import national_diff, national_sources

router = Router(tags=["catalogue"])

MAX_PAGE = 200


class PartOut(Schema):
    letter: str
    label: str


class TimelinessOut(Schema):
    indicator: str
    status: Literal["on_time", "late", "not_applicable", "pending"]
    deadline: date | None
    decision_date: date | None
    working_days: int
    effective_on: date | None = None
    published_on: date | None = None


class RowOut(Schema):
    code: str
    name: str
    source: Literal["local", "list_export", "portal"] = F(
        description="local: typed here; list_export / portal: imported from the national database"
    )
    publication_state: str
    published: bool
    complete: bool
    missing: list[PartOut]
    recommended_missing: list[PartOut]
    announcement: TimelinessOut
    publication: TimelinessOut


class IndicatorOut(Schema):
    indicator: str
    name: str
    numerator: int
    denominator: int
    ratio: float
    score: float
    max_score: int


class SummaryOut(Schema):
    procedures: int
    indicators: list[IndicatorOut]
    score: float
    max_score: int
    pending_publication: int


class ReportOut(Schema):
    items: list[RowOut]
    count: int
    summary: SummaryOut


class ReportQuery(Schema):
    level: Literal["province", "ministry"] = F("province", description="cấp của cơ quan công bố")
    incomplete: bool = F(False, description="chỉ các thủ tục thiếu bộ phận a–g")
    national: bool = F(False, description="chỉ các thủ tục nhập từ CSDLQG về TTHC")
    limit: int = F(50, ge=1, le=MAX_PAGE)
    offset: int = F(0, ge=0, le=10**9)


@router.get(
    "/catalog/completeness",
    response={200: ReportOut, **errors(403)},
    auth=REQUIRED,
    summary="Báo cáo đầy đủ, đúng hạn của danh mục thủ tục (chỉ số 766: 1.1, 1.2, 1.3)",
)
def completeness(request, params: Query[ReportQuery]):
    _staff_only(request)
    sources = national_sources()
    records = (
        catalog_records() if not params.national else catalog_records(sorted(sources)) if sources else []
    )
    rows = quality.completeness_report(records, agency_level=params.level, sources=sources)
    summary = quality.summarise(rows)
    if params.incomplete:
        rows = [r for r in rows if not r["complete"]]
    return {
        "items": rows[params.offset : params.offset + params.limit],
        "count": len(rows),
        "summary": summary,
    }


def _staff_only(request) -> None:
    from motcua.directory.selectors import is_staff_member

    if not (is_staff_member(request.user) or request.user.is_staff):
        raise PermissionDenied("Chỉ cán bộ, công chức mới xem được báo cáo này (staff only).")


class DifferenceOut(Schema):
    field: str = F(description="khóa của bản ghi thủ tục, ví dụ processing_time, components")
    label: str
    local: Any = F(description="giá trị đang dùng tại địa phương")
    national: Any = F(description="giá trị theo CSDLQG về TTHC lần nhập gần nhất")
    conflict: bool = F(description="cả địa phương và CSDLQG cùng sửa trường này")
    marked: bool = F(description="địa phương đánh dấu luôn giữ giá trị của mình")


class UnmatchedOut(Schema):
    name: str
    reason: str


class NationalDiffOut(Schema):
    code: str
    source: Literal["list_export", "portal"]
    imported_at: datetime
    issuing_body: str
    local_fields: list[str]
    unmatched_agencies: list[UnmatchedOut]
    differences: list[DifferenceOut]


@router.get(
    "/procedures/{code}/national-diff",
    response={200: NationalDiffOut, **errors(403, 404)},
    auth=REQUIRED,
    summary="Những gì thủ tục tại địa phương khác bản ghi CSDLQG về TTHC (trường, giá trị địa phương, quốc gia)",
)
def get_national_diff(request, code: str):
    _staff_only(request)
    if not Procedure.objects.filter(code=code).exists():
        raise NotFound(f"Không có thủ tục mã {code} (unknown procedure code).", code="procedure_not_found")
    return national_diff(code)
