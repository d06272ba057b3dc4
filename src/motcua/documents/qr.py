"""The QR code in the top-left corner of every printed form (Thông tư 01/2023/TT-VPCP; ISO/IEC 18004).

Its payload is a few `key=value` lines in UTF-8, keys being the national portal's field names (domain.md
§1.3), so that a phone shows something readable and a program splits it with one rule (ADR 0011):

    MaHoSo=000.00.00.H40-250815-0001
    MaTTHC=1.001193
    SoGiayToChuHoSo=038190001234
    TenGiayTo=Giấy tiếp nhận hồ sơ và hẹn trả kết quả

`MaHoSo` dossier code, `MaTTHC` procedure code, `SoGiayToChuHoSo` the applicant's identifier (personal ID
number, or an organisation's tax code), `TenGiayTo` the paper's name. The log book (Form 06) has no single
dossier: `MaDinhDanh` (the receiving unit), `TuNgay`, `DenNgay` and `TenGiayTo` instead.
"""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe

# The keys, in their order on the paper.
DOSSIER_KEYS = ("MaHoSo", "MaTTHC", "SoGiayToChuHoSo", "TenGiayTo")
LOGBOOK_KEYS = ("MaDinhDanh", "TuNgay", "DenNgay", "TenGiayTo")


def payload(**values: str) -> str:
    """`key=value` lines; a value never holds a line break (codes, numbers and fixed titles)."""
    return "\n".join(f"{key}={' '.join(str(value).split())}" for key, value in values.items())


def parse(text: str) -> dict[str, str]:
    """The inverse of `payload` (for readers and tests)."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def dossier_payload(data: dict) -> str:
    """The payload of a dossier's form, from `forms_data.form_data`."""
    return payload(
        MaHoSo=data["code"],
        MaTTHC=data["procedure"]["code"],
        SoGiayToChuHoSo=data["applicant"]["identifier"],
        TenGiayTo=data["title"],
    )


def result_payload(data: dict) -> str:
    """An electronic result's payload: the dossier's four keys, the result code and its public page."""
    return payload(
        MaHoSo=data["code"],
        MaTTHC=data["procedure"]["code"],
        SoGiayToChuHoSo=data["applicant"]["identifier"],
        TenGiayTo=data["title"],
        MaKetQua=data["result_code"],
        KiemTra=data["url"],
    )


def logbook_payload(book: dict) -> str:
    return payload(
        MaDinhDanh=book["agency"], TuNgay=book["start"], DenNgay=book["end"], TenGiayTo=book["title"]
    )


def svg(text: str) -> SafeString:
    """The code as inline SVG (sized by the print CSS), with its 4-module quiet zone. Medium error
    correction: a folded or stamped paper still reads."""
    code = segno.make(text, error="m", micro=False)
    # segno writes only its own path data: nothing from `text` reaches the markup.
    return mark_safe(code.svg_inline(border=4, omitsize=True, svgclass="qr", lineclass=None))
