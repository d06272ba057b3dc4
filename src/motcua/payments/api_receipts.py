"""Payments and their electronic receipts in the API (ADR 0031): a dossier's payments, and the signed
receipt PDF of one of them. Both follow the dossier's visibility. Thin: `receipts` does the work."""

from __future__ import annotations

from ninja import Router

from motcua.access.auth import REQUIRED
from motcua.access.errors import ErrorOut
from motcua.core import storage

from . import receipts
from .schemas import PaymentList, payment_json

router = Router(tags=["payments"], auth=REQUIRED)
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/dossiers/{code}/payments",
    response={200: PaymentList, **ERRORS},
    summary="Các khoản phí, lệ phí đã nộp của hồ sơ và biên lai",
)
def dossier_payments(request, code: str):
    """The dossier's payments in the order they were made, each with its receipt's symbols, number and
    download URL, and its refund if any; 404 `dossier_not_found` when the caller may not see the dossier."""
    _, rows = receipts.dossier_payments(request.auth, code)
    items = [payment_json(p) for p in rows]
    return {"items": items, "count": len(items)}


@router.get(
    "/payments/{payment_id}/receipt",
    response={200: None, **ERRORS, 409: ErrorOut},
    url_name="payment_receipt",
    summary="Biên lai điện tử thu phí, lệ phí (PDF ký số)",
    openapi_extra={"responses": {200: {"description": "PDF/A-3b ký số", "content": {receipts.PDF: BINARY}}}},
)
def payment_receipt(request, payment_id: int):
    """The receipt signed by the collecting agency: made on the first download, the same bytes afterwards
    (checked against their SHA-256: 409 `file_corrupted`). 404 `payment_not_found` when the caller may
    not see the dossier; 409 `receipt_not_numbered` for a payment taken without a receipt series, 409
    `no_signing_credentials` while the collecting agency has no certificate."""
    p = receipts.issue(receipts.payment_of(request.auth, payment_id))
    return storage.serve(
        p.receipt_file, p.receipt_sha256, filename=receipts.filename(p), content_type=receipts.PDF
    )
