"""GET /reports/online-payment: the online-payment share (766 indicators 3.5b, 3.6) per agency and period,
or per procedure of one agency (staff only; ADR 0034). Counts and sums only: no personal data."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Field, Query, Router, Schema

from motcua.access.auth import REQUIRED
from motcua.access.errors import errors

from . import reports

router = Router(tags=["reports"])


class ShareQuery(Schema):
    agency: str | None = Field(
        None, max_length=40, description="Mã định danh cơ quan có thẩm quyền; trống: mọi cơ quan được xem"
    )
    start: str | None = Field(
        None, alias="from", max_length=10, description="YYYY-MM-DD; mặc định: đầu tháng của 'to'"
    )
    end: str | None = Field(
        None, alias="to", max_length=10, description="YYYY-MM-DD (tính cả ngày này); mặc định: hôm nay"
    )
    by: str | None = Field(
        None, max_length=10, description="agency (mặc định) | procedure (theo thủ tục, cần 'agency')"
    )


class ShareOut(Schema):
    code: str = Field(..., description="mã định danh cơ quan, hoặc mã thủ tục (by=procedure)")
    name: str
    owed: int = Field(..., description="hồ sơ tiếp nhận trong kỳ có nghĩa vụ tài chính (mẫu số 3.6)")
    paid: int = Field(..., description="... đã nộp (mọi hình thức)")
    unpaid: int
    online: int = Field(..., description="... đã thanh toán trực tuyến (tử số 3.6)")
    national: int = Field(
        ..., description="... qua nền tảng thanh toán Cổng DVCQG (DuocThanhToanTrucTuyen 1)"
    )
    local: int = Field(..., description="... qua cổng thanh toán của bộ, ngành, địa phương (2)")
    counter: int = Field(..., description="... chỉ nộp tại bộ phận một cửa")
    ratio: float | None = Field(..., description="online / owed (4 chữ số thập phân); null khi owed = 0")
    percent: float | None = Field(..., description="tỷ lệ phần trăm, 2 chữ số thập phân")
    online_amount: int = Field(..., description="số tiền thu trực tuyến (đồng)")
    counter_amount: int = Field(..., description="số tiền thu tại quầy (đồng)")
    refunds: int = Field(..., description="khoản đã hoàn trả")
    refunded: int = Field(..., description="số tiền đã hoàn trả (đồng)")


class ShareReportOut(Schema):
    start: date = Field(..., alias="from")
    end: date = Field(..., alias="to")
    by: Literal["agency", "procedure"]
    agency: str | None = Field(..., description="the agency asked for")
    items: list[ShareOut]
    total: ShareOut
    procedures_with_fee: int | None = Field(
        ..., description="by=procedure: thủ tục có hồ sơ phải nộp phí trong kỳ"
    )
    procedures_with_online_payment: int | None = Field(
        ..., description="by=procedure: thủ tục có phát sinh thanh toán trực tuyến (chỉ số 3.5b)"
    )


def _share(s: reports.Share) -> dict:
    return {
        "code": s.code,
        "name": s.name,
        "owed": s.owed,
        "paid": s.paid,
        "unpaid": s.unpaid,
        "online": s.online,
        "national": s.national,
        "local": s.local,
        "counter": s.counter,
        "ratio": s.ratio,
        "percent": s.percent,
        "online_amount": s.online_amount,
        "counter_amount": s.counter_amount,
        "refunds": s.refunds,
        "refunded": s.refunded,
    }


@router.get(
    "/reports/online-payment",
    response={200: ShareReportOut, **errors(403, 404, 422)},
    auth=REQUIRED,
    by_alias=True,
    summary="Tỷ lệ hồ sơ thanh toán trực tuyến theo cơ quan hoặc thủ tục (chỉ số 766: 3.5b, 3.6)",
)
def online_payment_report(request, params: Query[ShareQuery]):
    """Per competent agency: dossiers received from `from` to `to` that had to pay, those paid, those paid
    online (ratio = indicator 3.6), money collected online and at the counter, refunds. `by=procedure`
    with `agency`: per procedure of that agency. 403 for non-staff, 404 `agency_not_found` for an agency
    the caller may not see, 422 `invalid_period`, `missing_field`, `invalid_field`."""
    start, end = reports.period(params.start, params.end)
    report = reports.online_share(request.auth, params.agency, start, end, by=params.by or "agency")
    per_procedure = report.by == "procedure"
    return {
        "from": start,
        "to": end,
        "by": report.by,
        "agency": report.agency.identifier if report.agency else None,
        "items": [_share(r) for r in report.rows],
        "total": _share(report.total),
        "procedures_with_fee": report.with_fee if per_procedure else None,
        "procedures_with_online_payment": report.with_online_payment if per_procedure else None,
    }
