"""Printing the official forms (ADR 0011): Form 01 as PDF, against the floor of WeasyPrint itself.

Measured in the same run, on the same data:

* floor: a one-line A5 PDF through the same engine and stylesheet (what any PDF costs here);
* Form 01: what `GET /dossiers/{code}/forms/01` does without HTTP: `selectors.dossier_for_forms`,
  `forms_data.form_data` and `render.form_pdf` (HTML template, QR code, layout, font subsetting);
* the same form's content only (the `?format=json` work), to show where the time goes;
* the log book (Form 06) of BENCH_FORMS_LINES lines as PDF and as XLSX.

Printed: p50/p95 and the ratios against the floor.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta

from benchmarks.bench_intake import BODY, build
from benchmarks.common import report, sample, setup_django

N = int(os.environ.get("BENCH_FORMS_N", "20"))
LINES = int(os.environ.get("BENCH_FORMS_LINES", "300"))


def main() -> int:
    label = setup_django()
    from motcua.core.formatting import LOCAL_TZ
    from motcua.documents import render
    from motcua.dossiers import forms_data, selectors, services

    _citizen, officer, centre = build()
    start = datetime(2025, 8, 1, 8, tzinfo=LOCAL_TZ)
    codes = [
        services.submit_dossier(officer, {**BODY, "channel": 1}, at=start + timedelta(minutes=10 * i)).code
        for i in range(LINES)
    ]

    from weasyprint import HTML

    def floor(_i: int) -> bytes:
        return HTML(string="<p>Giấy tiếp nhận</p>").write_pdf(stylesheets=[render._stylesheet()])

    def content(i: int) -> dict:
        return forms_data.form_data(selectors.dossier_for_forms(officer, codes[i % len(codes)]), "01")

    def form01(i: int) -> bytes:
        return render.form_pdf(content(i))

    end = (start + timedelta(minutes=10 * LINES)).date().isoformat()

    def book(_i: int) -> dict:
        return forms_data.logbook(officer, centre.identifier, "2025-08-01", end, max_rows=LINES)

    print(f"  {label}: Form 01 of a counter reception, {N} renders after warm-up; log book of {LINES} lines")
    floor_ms = report("floor: one-line A5 PDF (WeasyPrint)", sample(floor, N, warmup=3))
    data_ms = report("Form 01 content (?format=json)", sample(content, N, warmup=3))
    pdf_ms = report("Form 01 PDF (content + render)", sample(form01, N, warmup=3))
    pdf_book = report(
        f"Form 06 PDF, {LINES} lines", sample(lambda i: render.logbook_pdf(book(i)), 3, warmup=1)
    )
    xlsx_book = report(
        f"Form 06 XLSX, {LINES} lines", sample(lambda i: render.logbook_xlsx(book(i)), 5, warmup=1)
    )
    print(
        f"  Form 01 PDF / floor: {pdf_ms[0] / floor_ms[0]:.1f}x; content share: {data_ms[0] / pdf_ms[0]:.0%}"
    )
    print(f"  Form 06 per line: PDF {pdf_book[0] / LINES:.2f} ms, XLSX {xlsx_book[0] / LINES:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
