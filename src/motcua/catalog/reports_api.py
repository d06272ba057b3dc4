"""GET /catalog/completeness: the catalogue quality report (parts a–g, indicators 1.1-1.3), staff only."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Field as F
from ninja import Query, Router, Schema

from motcua.access.auth import REQUIRED
from motcua.access.errors import errors
from motcua.core.errors import PermissionDenied

from . import quality
from .io import catalog_records

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
    limit: int = F(50, ge=1, le=MAX_PAGE)
    offset: int = F(0, ge=0, le=10**9)


@router.get(
    "/catalog/completeness",
    response={200: ReportOut, **errors(403)},
    auth=REQUIRED,
    summary="Báo cáo đầy đủ, đúng hạn của danh mục thủ tục (chỉ số 766: 1.1, 1.2, 1.3)",
)
def completeness(request, params: Query[ReportQuery]):
    from motcua.directory.selectors import is_staff_member

    if not (is_staff_member(request.user) or request.user.is_staff):
        raise PermissionDenied("Chỉ cán bộ, công chức mới xem được báo cáo này (staff only).")
    rows = quality.completeness_report(catalog_records(), agency_level=params.level)
    summary = quality.summarise(rows)
    if params.incomplete:
        rows = [r for r in rows if not r["complete"]]
    return {
        "items": rows[params.offset : params.offset + params.limit],
        "count": len(rows),
        "summary": summary,
    }
