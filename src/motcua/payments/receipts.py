"""Electronic receipts (biên lai điện tử thu phí, lệ phí; ADR 0031): the PDF of a payment, signed by the
collecting agency, stored once and then served as stored.

The receipt's number was given in the payment's transaction (`ledger`, the agency's series); the PDF is made
on its first download, dated the day of payment, and never again: a receipt does not change once issued, so
every later download gives the same bytes, checked against the SHA-256 recorded with them. A refund does not
touch it (the refund is shown beside it). Two first downloads at once may both render; only the first to
record its file wins, the other's file is deleted and it serves the winner's.

Who may read a receipt: whoever may see its dossier (the applicant's account, the staff of the agencies
involved); anyone else gets 404 `payment_not_found`, as for an id that does not exist.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from uuid import uuid4

from django.core.files.base import ContentFile

from motcua.core import storage
from motcua.core.errors import Conflict, NotFound
from motcua.core.money_words import in_figures, in_words
from motcua.documents import qr, render, signing
from motcua.dossiers import forms_data, permissions
from motcua.dossiers import selectors as dossiers
from motcua.dossiers.models import Dossier, DossierFee
from motcua.dossiers.services.events import actor_name

from .models import Payment

TITLE = "Biên lai thu phí, lệ phí"
REASON = "Lập biên lai thu phí, lệ phí"
PDF = "application/pdf"
# What the header and the signature read of the collecting agency.
AGENCY_RELATED = tuple(f"agency__{p}" for p in forms_data.AGENCY_PARTS)
_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")


def not_found(payment_id: object) -> NotFound:
    return NotFound(f"Không có khoản nộp số {str(payment_id)[:20]}.", code="payment_not_found")


def not_numbered() -> Conflict:
    return Conflict(
        "Khoản nộp này không có số biên lai: khi thu, cơ quan thu chưa đăng ký ký hiệu biên lai điện tử. "
        "Đề nghị cơ quan thu lập biên lai theo cách khác.",
        code="receipt_not_numbered",
    )


def no_credentials(agency) -> Conflict:
    return Conflict(
        f"{agency.name} chưa có chứng thư số để ký biên lai điện tử: chưa thể cấp biên lai. "
        "Đề nghị quản trị hệ thống cài đặt chứng thư số của cơ quan rồi tải lại.",
        code="no_signing_credentials",
    )


# ------------------------------------------------------------------------------------------------- reads
def payment_of(user, payment_id: int) -> Payment:
    """The payment if the user may see its dossier; 404 payment_not_found otherwise."""
    p = Payment.objects.select_related("dossier").filter(pk=payment_id).first()
    if p is None or not permissions.can_see(user, p.dossier):
        raise not_found(payment_id)
    return p


def dossier_payments(user, code: str) -> tuple[Dossier, list[Payment]]:
    """The payments of a dossier the user may see (404 dossier_not_found otherwise), with their refunds."""
    d = dossiers.dossier_detail_light(user, code)
    rows = list(Payment.objects.filter(dossier_id=d.pk).select_related("refund").order_by("paid_at", "id"))
    return d, rows


def has_refund(p: Payment) -> bool:
    try:
        return p.refund is not None
    except Payment.refund.RelatedObjectDoesNotExist:
        return False


def number_text(p: Payment) -> str | None:
    """The receipt number as printed: 7 digits (Nghị định 123/2020 Art. 32)."""
    return f"{p.receipt_number:07d}" if p.receipt_number is not None else None


def filename(p: Payment) -> str:
    series = _UNSAFE.sub("-", p.receipt_series).strip("-") or "BL"
    return f"bien-lai-{series}-{number_text(p)}.pdf"


# ---------------------------------------------------------------------------------------------- content
def method_text(p: Payment) -> str:
    if p.method == Payment.Method.CASH:
        return "Tiền mặt"
    if p.method == Payment.Method.TRANSFER:
        return f"Chuyển khoản (mã giao dịch: {p.reference})" if p.reference else "Chuyển khoản"
    channel = _gateway_label(p)
    text = f"Trực tuyến qua {channel}" if channel else "Trực tuyến"
    return f"{text} (mã giao dịch: {p.reference})" if p.reference else text


def _gateway_label(p: Payment) -> str:
    if p.attempt is None:
        return ""
    from .gateways import get as gateway  # a plugin registry: imported on first use

    try:
        return gateway(p.attempt.gateway).label
    except (ImportError, KeyError):  # a gateway no longer installed: its name still says which
        return p.attempt.gateway


def collector(p: Payment) -> dict[str, str]:
    """Who collected: the officer at the counter (family name first), or the payment platform online."""
    if p.method == Payment.Method.ONLINE:
        return {"role": "ĐƠN VỊ THU HỘ", "name": _gateway_label(p) or "Thanh toán trực tuyến"}
    return {"role": "NGƯỜI THU TIỀN", "name": actor_name(p.collected_by) if p.collected_by else ""}


def receipt_data(p: Payment) -> dict[str, Any]:
    """What the receipt shows (and its QR code encodes), from a payment loaded by `_for_render`."""
    d, agency = p.dossier, p.agency
    account = getattr(agency, "receiving_account", None)
    lines = [
        {"name": f.name, "kind": f.get_kind_display(), "amount": in_figures(f.amount)}
        for f in DossierFee.objects.filter(request_id=p.request_id).order_by("id")
    ]
    if not lines:  # a request without fee lines (none today): the request's own reason
        lines = [{"name": p.request.reason, "kind": "", "amount": in_figures(p.amount)}]
    return {
        "form": "bl",
        "title": TITLE,
        "number": "",  # the receipt's symbols and number have their own lines
        "code": d.code,
        "receipt": {"form": p.receipt_form, "series": p.receipt_series, "number": number_text(p)},
        "issuer": {**forms_data.issuer(agency), "tax_code": account.tax_code if account else ""},
        "place": forms_data.place_name(agency),
        "date": forms_data.dated(p.paid_at),
        "procedure": {"code": d.procedure.code, "name": d.procedure.name},
        "payer": {"name": p.payer_name, "address": d.applicant_address},
        "lines": lines,
        "total": {"amount": p.amount, "figures": in_figures(p.amount), "words": in_words(p.amount)},
        "method": method_text(p),
        "collector": collector(p),
    }


def receipt_payload(data: dict[str, Any]) -> str:
    """The QR code: what identifies the receipt in the agency's series and what it says was paid."""
    return qr.payload(
        MaHoSo=data["code"],
        TenGiayTo=data["title"],
        KyHieuMau=data["receipt"]["form"],
        KyHieu=data["receipt"]["series"],
        SoBienLai=data["receipt"]["number"],
        MaSoThue=data["issuer"]["tax_code"],
        SoTien=data["total"]["amount"],
        NgayLap=data["date"]["text"],
    )


def render_pdf(data: dict[str, Any]) -> bytes:
    """The unsigned receipt: PDF/A-3b like the results (kept as long as the accounts are)."""
    return render.pdf(
        "receipt.html", {"f": data, "qr": qr.svg(receipt_payload(data))}, variant=render.RESULT_VARIANT
    )


def _for_render(pk: int) -> Payment:
    return Payment.objects.select_related(
        "dossier__procedure",
        "request",
        "attempt",
        "collected_by",
        "agency__receiving_account",
        *AGENCY_RELATED,
    ).get(pk=pk)


# ------------------------------------------------------------------------------------------------ issue
def issue(p: Payment) -> Payment:
    """Render, sign and store the receipt of `p` unless it is stored already; `p` then names the file."""
    if p.receipt_file:
        return p
    if p.receipt_number is None:
        raise not_numbered()
    full = _for_render(p.pk)
    agency = full.agency
    signer = signing.get()
    if not signer.has_credentials(agency):
        raise no_credentials(agency)
    data = receipt_data(full)
    signed = signer.sign(render_pdf(data), agency, reason=REASON, location=data["place"] or agency.name)
    sha = hashlib.sha256(signed.pdf).hexdigest()
    name = storage.private_storage.save(
        f"receipts/{full.dossier.code}/{uuid4().hex}.pdf", ContentFile(signed.pdf)
    )
    # Compare-and-set: the first download to record its file wins; no lock is held while rendering.
    if Payment.objects.filter(pk=p.pk, receipt_file="").update(receipt_file=name, receipt_sha256=sha):
        p.receipt_file, p.receipt_sha256 = name, sha
    else:
        storage.private_storage.delete(name)
        p.refresh_from_db(fields=["receipt_file", "receipt_sha256"])
    return p


def stored_bytes(p: Payment) -> bytes:
    """The stored receipt, checked against its SHA-256 (409 file_corrupted, 404 file_missing)."""
    with storage.open_checked(p.receipt_file, p.receipt_sha256) as f:
        return f.read()
