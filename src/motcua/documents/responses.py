"""The printed forms as HTTP responses: what the API and the staff pages both return.

Each function takes the signed-in user and the raw inputs, so the rules (who may see what, which forms
apply, the period of a log book) stay in `dossiers` and answer the same way on every path.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from motcua.core import inputs
from motcua.directory.models import Agency
from motcua.dossiers import forms_data, selectors

from . import render, signing

# Lines one log book may hold (ADR 0011): WeasyPrint lays a long table out at 10-50 ms a line, so a PDF
# stops at 500 lines (about 28 A4 pages); a spreadsheet line costs about 1 ms, and 20 000 of them (a busy
# centre's month) stay within a request's time and memory.
MAX_PDF_LINES = 500
MAX_XLSX_LINES = 20_000
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LOGBOOK_FORMATS = ("pdf", "xlsx")


def form_content(user, code: str, number: Any) -> dict[str, Any]:
    """Form `number` of the dossier `code` as data: 404 dossier_not_found (not visible), unknown_form,
    form_not_applicable."""
    d = selectors.dossier_for_forms(user, code)
    return forms_data.form_data(d, number)


def _file(content: bytes, content_type: str, filename: str, *, inline: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["X-Content-Type-Options"] = "nosniff"
    # Personal data: no shared cache keeps it.
    response["Cache-Control"] = "private, no-store"
    return response


def form_pdf(data: dict[str, Any]) -> HttpResponse:
    """A form's content (`form_content`) printed: an inline PDF named `{code}-mau{number}.pdf`, signed by
    the unit that issues it."""
    return _file(
        _signed(render.form_pdf(data), data), PDF, f"{data['code']}-mau{data['form']}.pdf", inline=True
    )


def _signed(pdf: bytes, data: dict[str, Any]) -> bytes:
    """The form with the issuing unit's PAdES signature when the unit has signing credentials.

    A form is also printed and stamped at the counter, so a unit without a certificate yet still prints
    it (unlike an electronic result, whose legal value is its signature: documents.issuing)."""
    identifier = (data.get("issuer") or {}).get("identifier")
    agency = Agency.objects.filter(identifier=identifier).first() if identifier else None
    signer = signing.get()
    if agency is None or not signer.has_credentials(agency):
        return pdf
    return signer.sign(pdf, agency, reason=data["title"], location=data.get("place") or agency.name).pdf


def form_pdf_response(user, code: str, number: Any) -> HttpResponse:
    """Official form 01-05 of a dossier as an inline PDF."""
    return form_pdf(form_content(user, code, number))


def logbook_response(user, agency: Any, start: Any, end: Any, fmt: Any = "pdf") -> HttpResponse:
    """Form 06 of a receiving unit over a period (at most a year), as PDF (inline) or XLSX."""
    fmt = inputs.choice(fmt, "format", choices=LOGBOOK_FORMATS, default="pdf")
    limit = MAX_PDF_LINES if fmt == "pdf" else MAX_XLSX_LINES
    book = forms_data.logbook(user, agency, start, end, max_rows=limit)
    name = f"{book['agency']}-mau06-{_iso(book['start'])}-{_iso(book['end'])}.{fmt}"
    if fmt == "pdf":
        return _file(render.logbook_pdf(book), PDF, name, inline=True)
    return _file(render.logbook_xlsx(book), XLSX, name, inline=False)


def _iso(shown: str) -> str:
    """'15/08/2025' -> '20250815' for file names."""
    d, m, y = shown.split("/")
    return f"{y}{m}{d}"
