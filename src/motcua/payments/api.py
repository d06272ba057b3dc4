"""Payments in the API (contract §8): a dossier's payment state and VietQR, starting an online attempt, the
gateway's confirmation callback, refunds and the officer's closing of a flagged notice. Thin: services and
selectors do the work."""

from __future__ import annotations

import json
from datetime import datetime

from django.http import JsonResponse
from ninja import Field, Router, Schema, Status

from motcua.access.auth import REQUIRED
from motcua.access.errors import ErrorOut
from motcua.access.throttle import client_ip
from motcua.core import inputs

from . import gateways, selectors, services
from .schemas import PaymentOut, payment_json

router = Router(tags=["payments"], auth=REQUIRED)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class RequestOut(Schema):
    id: int
    kind: str
    reason: str
    amount: int
    state: str
    requested_at: datetime
    settled_at: datetime | None
    payment: PaymentOut | None


class AttemptOut(Schema):
    reference: str
    request: int
    amount: int
    state: str
    gateway: str
    started_at: datetime
    finished_at: datetime | None
    transaction_id: str


class VietQROut(Schema):
    payload: str = Field(..., description="NAPAS VietQR (EMVCo) payload, CRC-16/CCITT-FALSE in tag 63")
    bank_bin: str
    bank_name: str
    account_number: str
    account_name: str
    amount: int
    purpose: str
    png_url: str


class DossierPaymentOut(Schema):
    code: str
    amount_due: int = Field(..., description="what the dossier still owes (đồng)")
    fee_total: int
    fee_paid: int
    paid_online: int = Field(
        ..., description="DuocThanhToanTrucTuyen: 0, 1 national platform, 2 local gateway"
    )
    online_available: bool = Field(..., description="whether the caller can pay online now")
    requests: list[RequestOut]
    attempts: list[AttemptOut]
    vietqr: VietQROut | None


class StartOut(Schema):
    reference: str = Field(..., description="MaThamChieu of the new attempt")
    amount: int
    redirect_url: str = Field(..., description="the gateway's payment page (UrlThanhToan)")


class RefundIn(Schema):
    amount: inputs.Integer(1, 10**13) | None = Field(None, description="đồng; default: the whole payment")
    reason: inputs.RequiredText(500, multiline=True)
    reference: inputs.Text(100) = Field("", description="số chứng từ hoàn trả")


class RefundMadeOut(Schema):
    id: int
    payment: int
    amount: int
    reason: str
    reference: str
    at: datetime


class ResolveIn(Schema):
    resolution: inputs.RequiredText(500, multiline=True)


@router.get(
    "/dossiers/{code}/payment",
    response={200: DossierPaymentOut, **ERRORS},
    summary="Phí, lệ phí của hồ sơ: số còn phải nộp, các lượt thanh toán, VietQR",
)
def payment(request, code: str):
    p = selectors.payment_of(request.auth, code)
    for r in p["requests"]:
        r["payment"] = payment_json(r["payment"]) if r["payment"] is not None else None
    return p


@router.post(
    "/dossiers/{code}/payment",
    response={201: StartOut, 429: ErrorOut, 503: ErrorOut, **ERRORS},
    summary="Bắt đầu thanh toán trực tuyến (người nộp hồ sơ)",
)
def start_payment(request, code: str):
    """No body needed. The attempt pays the oldest open request; the answer's `redirect_url` is the payment
    platform's page. 409 `nothing_to_pay`/`not_payable`, 403 `not_the_payer` (staff collect at the counter),
    503 `payment_not_configured`/`payment_unavailable`, 429 beyond the payer's limits."""
    ua = request.headers.get("User-Agent", "")
    device = "mobile" if any(w in ua for w in ("Mobile", "Android", "iPhone")) else "desktop"
    a = services.start(request.auth, code, ip=client_ip(request) or "", device=device, request=request)
    return Status(201, {"reference": a.reference, "amount": a.amount, "redirect_url": a.redirect_url})


@router.post(
    "/payments/callback",
    auth=None,
    response={200: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Xác nhận thanh toán từ nền tảng thanh toán (contract §8)",
)
def callback(request):
    """The platform's signed confirmation. `{"MaLoi": "00"}` when accepted (or accepted before); otherwise a
    4xx with `code`, `message` and the platform's `MaLoi`, and nothing changes. Every call is logged."""
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        body = None
    got = services.receive(body, remote_addr=client_ip(request))
    answer = gateways.get().answer(got.accepted, got.outcome)
    if got.accepted:
        return JsonResponse({**answer, "code": "ok", "message": got.message})
    status = CALLBACK_STATUS.get(got.outcome, 409)
    return JsonResponse({"code": f"payment_{got.outcome}", "message": got.message, **answer}, status=status)


# The HTTP status of a refused confirmation, by outcome (docs/errors.md: payment_<outcome>).
CALLBACK_STATUS = {
    "malformed": 400,
    "bad_signature": 403,
    "wrong_partner": 403,
    "unknown": 404,
    "wrong_amount": 409,
    "conflict": 409,
    "already_paid": 409,
    "refunded": 409,
}


@router.post(
    "/payments/{payment_id}/refund",
    response={201: RefundMadeOut, **ERRORS},
    summary="Hoàn trả phí, lệ phí (hồ sơ bị từ chối, rút hoặc dừng xử lý)",
)
def refund(request, payment_id: int, body: RefundIn):
    r = services.refund(
        request.auth,
        payment_id,
        amount=body.amount,
        reason=body.reason,
        reference=body.reference,
    )
    return Status(
        201,
        {
            "id": r.pk,
            "payment": r.payment_id,
            "amount": r.amount,
            "reason": r.reason,
            "reference": r.reference,
            "at": r.at,
        },
    )


@router.post(
    "/payments/notices/{notice_id}/resolve",
    response={200: dict, **ERRORS},
    summary="Đánh dấu đã xử lý một thông báo thanh toán cần xem",
)
def resolve(request, notice_id: int, body: ResolveIn):
    n = services.resolve(request.auth, notice_id, resolution=body.resolution)
    return {"id": n.pk, "resolved_at": n.resolved_at, "resolution": n.resolution}
