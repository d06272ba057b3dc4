"""HTML to PDF with WeasyPrint (templates `forms/formNN.html`, one print stylesheet `forms/print.css`),
and the log book as XLSX with openpyxl (ADR 0011).

The HTML never reaches a browser: it is an intermediate of the PDF, so it may carry no script and
needs no CSP. WeasyPrint fetches nothing: the stylesheet is parsed once from the package, the QR code
is inline SVG, fonts come from fontconfig (Debian's fonts-noto-core: Noto Serif has every Vietnamese
letter), and any URL in a document is refused.
"""

from __future__ import annotations

import functools
import re
from io import BytesIO
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from motcua.dossiers import forms_data

from . import qr

TEMPLATES = Path(__file__).resolve().parent / "templates" / "forms"


def _no_fetch(url: str, *args: Any, **kwargs: Any):
    raise ValueError(f"printed forms load nothing from outside: {url[:80]!r}")


@functools.cache
def _stylesheet():
    from weasyprint import CSS  # imported on first use: it loads Pango and fonts (~0.3 s)

    return CSS(string=(TEMPLATES / "print.css").read_text(encoding="utf-8"), url_fetcher=_no_fetch)


def html(template: str, context: dict[str, Any]) -> str:
    # Official papers are Vietnamese whatever the reader's language (labels from the catalogue too).
    with translation.override("vi"):
        return render_to_string(f"forms/{template}", context)


def pdf(template: str, context: dict[str, Any], *, variant: str | None = None) -> bytes:
    from weasyprint import HTML

    document = HTML(string=html(template, context), url_fetcher=_no_fetch, base_url=str(TEMPLATES))
    return document.write_pdf(stylesheets=[_stylesheet()], pdf_variant=variant)


def form_pdf(data: dict[str, Any]) -> bytes:
    """One of forms 01-05, from `forms_data.form_data`: A5 portrait."""
    return pdf(f"form{data['form']}.html", {"f": data, "qr": qr.svg(qr.dossier_payload(data))})


# Results are archived for years: PDF/A-3b (fonts embedded, sRGB output intent, XMP). Measured (ADR 0019):
# the same time as a plain PDF, ~3 kB more, and pyHanko's incremental signature keeps it PDF 1.7.
RESULT_VARIANT = "pdf/a-3b"
_SAFE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")  # a procedure code names a template file


def result_pdf(data: dict[str, Any]) -> bytes:
    """An electronic result (issuing.result_data), unsigned: the procedure's own template
    `forms/results/<procedure code>.html` when there is one, else `forms/result.html`."""
    from django.template.loader import select_template

    code = data["procedure"]["code"]
    names = [f"forms/results/{code}.html"] if _SAFE_CODE.match(code) else []
    names.append("forms/result.html")
    template = select_template(names).template.name.removeprefix("forms/")
    return pdf(template, {"f": data, "qr": qr.svg(qr.result_payload(data))}, variant=RESULT_VARIANT)


def logbook_pdf(book: dict[str, Any]) -> bytes:
    """Form 06, from `forms_data.logbook`: A4 landscape, the header rows repeated on every page."""
    columns = book["columns"]
    keys = [key for key, _ in columns]
    first, last = keys.index(forms_data.LOGBOOK_DATES[0]), keys.index(forms_data.LOGBOOK_DATES[-1])
    head = {
        "before": columns[:first],
        "dates": columns[first : last + 1],
        "after": columns[last + 1 :],
        "date_keys": forms_data.LOGBOOK_DATES,
        "width": len(columns),
    }
    lines = [(row["volume"], [(key, row[key]) for key in keys]) for row in book["rows"]]
    context = {"f": book, "head": head, "lines": lines, "qr": qr.svg(qr.logbook_payload(book))}
    return pdf("form06.html", context)


def logbook_xlsx(book: dict[str, Any]) -> bytes:
    """Form 06 as a spreadsheet: the title lines, then one header row with the book's columns and one row
    per line (openpyxl's write-only mode streams the rows)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"Sổ {book['start'].replace('/', '-')}"[:31])
    widths = (7, 28, 40, 9, 24, 32, 30, 17, 17, 17, 17, 17, 24)
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A5"

    def cell(value: Any, **style: Any) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        for name, v in style.items():
            setattr(c, name, v)
        return c

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    issuer = book["issuer"]
    ws.append([cell(f"{issuer['parent']}".upper(), font=bold)] if issuer["parent"] else [])
    ws.append([cell(issuer["name"].upper(), font=bold)])
    ws.append([cell(f"{book['title'].upper()} (từ ngày {book['start']} đến ngày {book['end']})", font=bold)])
    ws.append([cell(label, font=bold, alignment=wrap) for _, label in book["columns"]])
    volume = None
    for row in book["rows"]:
        if row["volume"] != volume:  # the line numbers start again with each year's volume
            volume = row["volume"]
            ws.append([cell(f"Quyển số {volume}", font=bold)])
        ws.append([row[key] for key, _ in book["columns"]])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
