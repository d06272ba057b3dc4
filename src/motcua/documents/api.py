"""Printed forms in the API (contract §4): a dossier's form 01-05 as PDF (or its content as JSON), and
the log book of a receiving unit (Form 06) as PDF or XLSX. Thin: `responses` does the work.

Electronic results (contract §4, ADR 0019): a dossier's results and their signed PDFs (the dossier's
visibility), public verification of a result code (the stored file, or an uploaded copy), revocation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile

from motcua.access.auth import REQUIRED
from motcua.access.errors import ErrorOut
from motcua.core import inputs
from motcua.core.formatting import LOCAL_TZ

from . import issuing, responses, results

router = Router(tags=["forms"], auth=REQUIRED)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
BINARY = {"schema": {"type": "string", "format": "binary"}}


class DossierFormOut(Schema):
    form: str
    title: str
    format: str = Field(..., description="'data': the form's content as JSON (`?format=json`)")
    pdf_available: bool = Field(..., description="the same form as PDF: the default answer without `format`")
    data: dict[str, Any]


class FormQuery(Schema):
    format: str | None = Field(
        None, max_length=10, description="pdf (mặc định) | json (nội dung dạng dữ liệu)"
    )


class LogbookQuery(Schema):
    agency: str | None = Field(None, max_length=40, description="Mã định danh đơn vị tiếp nhận (bắt buộc)")
    start: str | None = Field(
        None, alias="from", max_length=10, description="YYYY-MM-DD; mặc định: ngày đầu tháng của 'to'"
    )
    end: str | None = Field(None, alias="to", max_length=10, description="YYYY-MM-DD; mặc định: hôm nay")
    format: str | None = Field(None, max_length=10, description="pdf (mặc định) | xlsx")


@router.get(
    "/dossiers/{code}/forms/{number}",
    response={200: DossierFormOut, **ERRORS},
    url_name="form",
    summary="Mẫu phiếu 01-05 của hồ sơ (PDF; ?format=json: nội dung)",
    openapi_extra={
        "responses": {200: {"description": "PDF (A5) hoặc nội dung JSON", "content": {responses.PDF: BINARY}}}
    },
)
def dossier_form(request, code: str, number: str, params: Query[FormQuery]):
    """Official form 01-05 of the dossier (Thông tư 01/2018/TT-VPCP) as an inline PDF, A5 portrait,
    with its QR code; `?format=json` gives its content as data. 404 `dossier_not_found` (not visible),
    `unknown_form`, `form_not_applicable` (for instance Form 03 of a dossier that was not refused)."""
    data = responses.form_content(request.auth, code, number)
    fmt = inputs.choice(params.format, "format", choices=("pdf", "json"), default="pdf")
    if fmt == "pdf":
        return responses.form_pdf(data)
    return {
        "form": data["form"],
        "title": data["title"],
        "format": "data",
        "pdf_available": True,
        "data": data,
    }


@router.get(
    "/forms/06",
    response={200: None, **ERRORS},
    url_name="logbook",
    summary="Sổ theo dõi hồ sơ (Mẫu 06) của đơn vị tiếp nhận (PDF hoặc XLSX)",
    openapi_extra={
        "responses": {
            200: {
                "description": "PDF (A4 ngang) hoặc bảng tính XLSX",
                "content": {responses.PDF: BINARY, responses.XLSX: BINARY},
            }
        }
    },
)
def logbook(request, params: Query[LogbookQuery]):
    """The log book of the dossiers a receiving unit received from `from` to `to` (at most 366 days), for
    its reception officers and centre heads: 403 `logbook_forbidden` for others, 404 `agency_not_found`,
    422 `invalid_period` or `logbook_too_large` (more than 500 lines as PDF, 20 000 as XLSX)."""
    return responses.logbook_response(request.auth, params.agency, params.start, params.end, params.format)


# ------------------------------------------------------------------------------ electronic results
class ElectronicResultOut(Schema):
    code: str = Field(..., description="{mã hồ sơ}-KQ{n}")
    name: str
    issuing_agency: str = Field(..., description="Mã định danh cơ quan ban hành")
    signed_by: str
    signed_at: datetime
    url: str = Field(..., description="Tệp PDF đã ký số (cùng quyền xem hồ sơ)")
    verify_url: str = Field(..., description="Trang kiểm tra công khai")
    size: int
    sha256: str
    revoked: bool
    revoked_at: datetime | None
    revoked_reason: str


class ElectronicResultList(Schema):
    items: list[ElectronicResultOut]
    count: int


class ResultVerifyOut(Schema):
    code: str
    name: str
    issuing_agency: str
    valid: bool = Field(..., description="Chữ ký số hợp lệ, tệp nguyên vẹn, chứng thư được tin cậy")
    reason: str = Field(..., description="Vì sao không hợp lệ ('' khi hợp lệ)")
    status: str = Field(..., description="valid | invalid | revoked")
    signed_by: str
    signed_at: datetime
    revoked: bool
    revoked_at: datetime | None
    revoked_reason: str
    same_as_issued: bool | None = Field(None, description="Bản tải lên trùng bản đã ban hành (chỉ khi POST)")


class ResultRevokeIn(Schema):
    reason: str | None = Field(None, description="Lý do thu hồi (bắt buộc)")


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(LOCAL_TZ) if value else None


def result_json(r) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "issuing_agency": r.issuing_agency.identifier,
        "signed_by": r.signed_by,
        "signed_at": _local(r.signed_at),
        "url": reverse("api:result_file", kwargs={"code": r.dossier.code, "result_code": r.code}),
        "verify_url": issuing.public_url(r.code),
        "size": r.size,
        "sha256": r.sha256,
        "revoked": r.revoked,
        "revoked_at": _local(r.revoked_at),
        "revoked_reason": r.revoked_reason,
    }


def verdict_json(v: results.Verdict) -> dict[str, Any]:
    return {
        "code": v.code,
        "name": v.name,
        "issuing_agency": v.issuing_agency,
        "valid": v.valid,
        "reason": v.reason,
        "status": v.status,
        "signed_by": v.signed_by,
        "signed_at": _local(v.signed_at),
        "revoked": v.revoked,
        "revoked_at": _local(v.revoked_at),
        "revoked_reason": v.revoked_reason,
        "same_as_issued": v.same_as_issued,
    }


def _throttled(request, exc: results.Throttled) -> HttpResponse:
    from motcua.api.router import error

    response = error(request, 429, exc.code, exc.message)
    response["Retry-After"] = str(exc.retry_after)
    return response


RESULT_ERRORS = {**ERRORS, 409: ErrorOut}
PUBLIC_ERRORS = {404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


@router.get(
    "/dossiers/{code}/results",
    response={200: ElectronicResultList, **ERRORS},
    tags=["results"],
    summary="Kết quả điện tử của hồ sơ",
)
def list_results(request, code: str):
    """The dossier's electronic results (`{code}-KQ{n}`), revoked ones included; 404 `dossier_not_found`
    when the caller may not see the dossier."""
    items = [result_json(r) for r in results.dossier_results(request.auth, code)]
    return {"items": items, "count": len(items)}


@router.get(
    "/dossiers/{code}/results/{result_code}/file",
    response={200: None, **RESULT_ERRORS},
    url_name="result_file",
    tags=["results"],
    summary="Tệp PDF đã ký số của một kết quả",
    openapi_extra={"responses": {200: {"description": "PDF/A-3b ký số", "content": {responses.PDF: BINARY}}}},
)
def result_file(request, code: str, result_code: str):
    """The signed PDF, checked against the SHA-256 recorded at issuance on the way out (409
    `file_corrupted` when it no longer matches; 404 `file_missing` when it is gone)."""
    r, data = results.result_file(request.auth, code, result_code)
    return responses._file(data, responses.PDF, f"{r.code}.pdf", inline=False)


@router.get(
    "/results/{code}/verify",
    auth=None,
    response={200: ResultVerifyOut, **PUBLIC_ERRORS},
    tags=["results"],
    summary="Kiểm tra kết quả điện tử (không cần đăng nhập)",
)
def verify_result(request, code: str):
    """Whether the stored result is intact (SHA-256) and validly signed by an agency whose certificate
    chains to a trusted root, and whether it was revoked. Unknown codes: 404 `result_not_found`, counted
    per client (429 beyond the public lookup's limits)."""
    try:
        return verdict_json(results.verify_stored(request, code))
    except results.Throttled as exc:
        return _throttled(request, exc)


@router.post(
    "/results/{code}/verify",
    auth=None,
    response={200: ResultVerifyOut, **PUBLIC_ERRORS},
    tags=["results"],
    summary="Kiểm tra một bản kết quả điện tử đang giữ (tải lên PDF)",
)
def verify_copy(request, code: str, file: File[UploadedFile] = None):
    """multipart/form-data `file`: whether THAT copy is the result as issued (same bytes) and validly
    signed; a changed byte gives `valid: false` with the reason."""
    try:
        return verdict_json(results.verify_copy(request, code, file))
    except results.Throttled as exc:
        return _throttled(request, exc)


@router.post(
    "/results/{code}/revoke",
    response={200: ElectronicResultOut, **RESULT_ERRORS},
    tags=["results"],
    summary="Thu hồi kết quả điện tử (lãnh đạo cơ quan ban hành)",
)
def revoke_result(request, code: str, body: ResultRevokeIn):
    """`{"reason": "..."}`. Only a leader of the issuing agency or a system administrator (403
    `revoke_forbidden` for other staff who see the dossier, 404 `result_not_found` for anyone else); 409
    `result_revoked` when already revoked. The result stays retrievable; verification says revoked."""
    r = results.revoke(request.auth, code, body.reason)
    return result_json(r)
