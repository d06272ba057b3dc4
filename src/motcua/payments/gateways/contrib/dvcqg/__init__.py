"""The national payment platform of the National Public Service Portal (contract §8): DuocThanhToanTrucTuyen 1.

`start` and `query` call the platform (`client.py`); `confirmation` verifies what it posts back. The result
codes motcua answers a confirmation with are in `ANSWERS` (the contract fixes only "00").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from motcua.payments import gateways
from motcua.payments.gateways import Confirmation, NoticeRefused, Order

from . import client, protocol

# What motcua answers a confirmation with, by its outcome (PaymentNotice.Outcome); anything else is "99".
ANSWERS = {
    "accepted": "00",
    "duplicate": "00",
    "failed": "00",  # a failed payment, recorded
    "malformed": "01",
    "bad_signature": "02",
    "unknown": "03",
    "wrong_partner": "04",
    "wrong_amount": "05",
    "conflict": "06",
    "already_paid": "07",
    "refunded": "08",
}
# Longest values taken from a confirmation (beyond: malformed).
_LIMITS = {"MaThamChieu": 50, "MaGiaoDich": 64, "MaNganHang": 20, "ThoiGianGD": 14, "MaLoi": 10}


@gateways.register
class NationalPlatform(gateways.Gateway):
    name = "dvcqg"
    label = "Nền tảng thanh toán trực tuyến của Cổng Dịch vụ công quốc gia"
    online_flag = 1

    def configured(self) -> bool:
        return bool(settings.PAYMENT_URL and settings.PAYMENT_PARTNER and settings.PAYMENT_SECRET)

    def start(self, order: Order) -> str:
        return client.init(order)

    def query(self, reference: str, at: datetime) -> Confirmation:
        return read(client.query(reference, at), settings.PAYMENT_SECRET, query=True)

    def confirmation(self, body: Any) -> Confirmation:
        return read(body, settings.PAYMENT_SECRET, query=False)

    def answer(self, accepted: bool, outcome: str) -> dict[str, Any]:
        return {"MaLoi": ANSWERS.get(outcome, "99") if accepted or outcome in ANSWERS else "99"}


def read(body: Any, secret: str, *, query: bool) -> Confirmation:
    """A confirmation (or a query's answer, signed the same way) checked field by field and by its MaXacThuc."""
    if not isinstance(body, dict):
        raise NoticeRefused("malformed", "Nội dung không phải một đối tượng JSON.")
    for name in protocol.CONFIRMATION_SIGNED:
        value = body.get(name)
        if value is not None and not isinstance(value, (str, int)) or isinstance(value, bool):
            raise NoticeRefused("malformed", f"Trường {name} sai kiểu.")
        if name in _LIMITS and len(str(value or "")) > _LIMITS[name]:
            raise NoticeRefused("malformed", f"Trường {name} quá dài.")
    if not body.get("MaThamChieu") or not body.get("MaLoi"):
        raise NoticeRefused("malformed", "Thiếu MaThamChieu hoặc MaLoi.")
    if not protocol.verify(protocol.CONFIRMATION_SIGNED, body, secret):
        raise NoticeRefused("bad_signature", "MaXacThuc không đúng.")
    code = str(body["MaLoi"])
    raw_amount = str(body.get("SoTien") or "").strip()
    if raw_amount and not raw_amount.isdigit():
        raise NoticeRefused("malformed", "SoTien phải là số nguyên đồng.")
    return Confirmation(
        reference=str(body["MaThamChieu"]),
        paid=code == protocol.PAID,
        pending=query and code in client.PENDING_CODES,
        result_code=code,
        partner=str(body.get("MaDoiTac") or ""),
        amount=int(raw_amount) if raw_amount else None,
        currency=str(body.get("MaTienTe") or ""),
        transaction_id=str(body.get("MaGiaoDich") or ""),
        bank_code=str(body.get("MaNganHang") or ""),
        at=str(body.get("ThoiGianGD") or ""),
        description=str(body.get("ThongTinGiaoDich") or ""),
        raw={k: v for k, v in body.items() if isinstance(k, str)},
    )
