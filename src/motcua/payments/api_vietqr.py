"""The VietQR of a dossier as an image (contract §8; ADR 0030). Thin: `vietqr.dossier_png` does the work."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Router

from motcua.access.auth import REQUIRED
from motcua.access.errors import ErrorOut

from . import vietqr

router = Router(tags=["payments"], auth=REQUIRED)
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
PNG = "image/png"


@router.get(
    "/dossiers/{code}/payment/vietqr.png",
    response={200: None, **ERRORS},
    url_name="dossier_vietqr_png",
    summary="Mã VietQR chuyển khoản số tiền hồ sơ còn phải nộp (PNG)",
    openapi_extra={
        "responses": {
            200: {
                "description": "Ảnh PNG của mã VietQR (NAPAS) đến tài khoản của cơ quan thu",
                "content": {PNG: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def dossier_vietqr_png(request, code: str):
    """What the dossier still owes (fee_total - fee_paid) as a VietQR to the collecting agency's account,
    for whoever may see the dossier. 404 `dossier_not_found` (not visible), `vietqr_nothing_owed`,
    `vietqr_no_account`."""
    response = HttpResponse(vietqr.dossier_png(request.auth, code), content_type=PNG)
    response["X-Content-Type-Options"] = "nosniff"
    # The amount falls as the dossier is paid: a browser may keep the image but asks again each time,
    # and no shared cache keeps it.
    response["Cache-Control"] = "private, no-cache"
    return response
