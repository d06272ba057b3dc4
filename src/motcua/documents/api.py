"""Printed forms in the API (contract §4): a dossier's form 01-05 as PDF (or its content as JSON), and
the log book of a receiving unit (Form 06) as PDF or XLSX. Thin: `responses` does the work."""

from __future__ import annotations

from typing import Any

from ninja import Field, Query, Router, Schema

from motcua.access.auth import REQUIRED
from motcua.access.errors import ErrorOut
from motcua.core import inputs

from . import responses

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
