"""Payment JSON shared by the payments API and the receipts API (one shape for a payment everywhere)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from motcua.core.formatting import LOCAL_TZ

from . import receipts
from .models import Payment


class RefundOut(Schema):
    amount: int
    at: datetime
    reason: str
    reference: str


class PaymentOut(Schema):
    id: int
    amount: int = Field(..., description="đồng")
    method: str = Field(..., description="cash | transfer | online")
    method_label: str
    reference: str = Field(..., description="Mã giao dịch, số chứng từ")
    paid_at: datetime
    receipt_form: str = Field(..., description="Ký hiệu mẫu biên lai")
    receipt_series: str = Field(..., description="Ký hiệu biên lai")
    receipt_number: str | None = Field(
        ..., description="Số biên lai (7 chữ số); null: khoản nộp không có biên lai"
    )
    receipt_url: str | None = Field(..., description="Biên lai điện tử (PDF ký số)")
    refund: RefundOut | None = Field(..., description="Hoàn trả (biên lai đã lập giữ nguyên)")


class PaymentList(Schema):
    items: list[PaymentOut]
    count: int


def payment_json(p: Payment) -> dict[str, Any]:
    refund = p.refund if receipts.has_refund(p) else None
    numbered = p.receipt_number is not None
    return {
        "id": p.pk,
        "amount": p.amount,
        "method": p.method,
        "method_label": p.get_method_display(),
        "reference": p.reference,
        "paid_at": p.paid_at.astimezone(LOCAL_TZ),
        "receipt_form": p.receipt_form if numbered else "",
        "receipt_series": p.receipt_series if numbered else "",
        "receipt_number": receipts.number_text(p),
        "receipt_url": reverse("api:payment_receipt", kwargs={"payment_id": p.pk}) if numbered else None,
        "refund": None
        if refund is None
        else {
            "amount": refund.amount,
            "at": refund.at.astimezone(LOCAL_TZ),
            "reason": refund.reason,
            "reference": refund.reference,
        },
    }
