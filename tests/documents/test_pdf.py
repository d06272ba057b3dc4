"""The printed forms read back as a person (pdftotext) and a phone (the QR code) would: real PDFs from
WeasyPrint, read with Debian's poppler-utils and zxing-cpp."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from motcua.documents import qr, render, responses
from motcua.dossiers import forms_data, selectors
from tests.documents.conftest import local, pdf_info, pdf_text, run

pytestmark = pytest.mark.django_db

A5 = "419.528 x 595.276 pts"  # 148 x 210 mm
A4_LANDSCAPE = "841.89 x 595.276 pts"  # 297 x 210 mm


def printed(people, code: str, number: str) -> bytes:
    d = selectors.dossier_for_forms(people["tiepnhan"], code)
    return render.form_pdf(forms_data.form_data(d, number))


def flat(text: str) -> str:
    """The text with its layout spaces and line breaks as single spaces (table cells wrap)."""
    return re.sub(r"\s+", " ", text)


def read_qr(pdf: bytes, tmp_path: Path) -> tuple[str, tuple[int, int, int, int], tuple[int, int]]:
    """The one QR code on page 1 printed at 200 dpi: its text, its box (left, top, right, bottom) in pixels
    and the page's size in pixels."""
    (tmp_path / "page.pdf").write_bytes(pdf)
    run(
        "pdftoppm",
        "-r",
        "200",
        "-png",
        "-f",
        "1",
        "-l",
        "1",
        str(tmp_path / "page.pdf"),
        str(tmp_path / "page"),
    )
    [png] = tmp_path.glob("page*.png")
    image = Image.open(png)
    [found] = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    p = found.position
    xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
    return found.text, (min(xs), min(ys), max(xs), max(ys)), image.size


def assert_top_left(box: tuple[int, int, int, int], size: tuple[int, int]) -> None:
    left, top, right, bottom = box
    width, height = size
    assert right < width / 2 and bottom < height / 2, "in the top-left quarter of the page"
    assert left < width / 4 and top < height / 8, "in the corner, not merely the quarter"


EXPECTED = {
    "01": [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Nguyễn Thị Hoa",
        "Vinh, Nghệ An",
        "0912345678",
        "hoa@example.vn",
        "Đăng ký khai sinh có yếu tố nước ngoài",
        "Giấy chứng sinh 2",  # a component and its copies
        "Số lượng hồ sơ: 01 bộ",
        "3 ngày làm việc",
        "Thời gian nhận hồ sơ: 15:00 15/08/2025",
        "Thời gian trả kết quả giải quyết hồ sơ: 15:00 20/08/2025",
        "Lệ phí 20.000 ₫",
        "Quyển số: 2025, Số thứ tự: 1",
        "NGƯỜI NỘP HỒ SƠ",
        "Trần Thị Lan",  # the receiving officer, family name first
        "Nghệ An, ngày 15 tháng 08 năm 2025",
    ],
    "02": [
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Giấy chứng sinh Bản sao chưa được chứng thực",
        "Tờ khai đăng ký khai sinh Hồ sơ chưa đầy đủ",
        "Lê Văn Hùng",
        "SỞ TƯ PHÁP TỈNH NGHỆ AN",  # the department asked, during processing
        "ngày 18 tháng 08 năm 2025",
    ],
    "04": [
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "Kính gửi: Nguyễn Thị Hoa",
        "hẹn trả kết quả lúc 16:00 21/08/2025",  # the date replaced: after the supplement pause
        "Cần xác minh thông tin với Sở Y tế",
        "phiền hà, tốn kém chi phí, công sức",
        "10:00 25/08/2025",
        "Phạm Minh Đức",
    ],
    "05": [
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        "Sở Tư pháp tỉnh Nghệ An",
        "trước hạn",
        "đúng hạn",
        "Lê Văn Hùng",
        "Phạm Minh Đức",
    ],
}


@pytest.mark.parametrize("number", ["01", "02", "04", "05"])
def test_a_form_prints_on_a5_with_its_content_diacritics_and_qr_code(lifecycle, named, number, tmp_path):
    pdf = printed(named, lifecycle.code, number)
    assert pdf.startswith(b"%PDF")
    assert pdf_info(pdf, tmp_path)["Page size"] == A5
    # Forms 01-04 read as laid out; Form 05's hand-overs are table cells that wrap: read in order.
    text = pdf_text(pdf, tmp_path, layout=number != "05")
    assert lifecycle.code in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert f"Số: {lifecycle.code}/" in flat(text)
    for expected in EXPECTED[number]:
        assert expected in flat(text), expected
    payload, box, size = read_qr(pdf, tmp_path)
    assert qr.parse(payload) == {
        "MaHoSo": lifecycle.code,
        "MaTTHC": "1.001193",
        "SoGiayToChuHoSo": "038190001234",
        "TenGiayTo": forms_data.FORM_TITLES[number],
    }
    assert_top_left(box, size)


def test_form_05_names_each_hand_over_with_its_time_and_result(lifecycle, named, tmp_path):
    pdf = printed(named, lifecycle.code, "05")
    assert "Cơ quan (bộ phận) giải quyết hồ sơ: Sở Tư pháp tỉnh Nghệ An" in flat(pdf_text(pdf, tmp_path))
    text = flat(pdf_text(pdf, tmp_path, layout=False))
    for at in (
        "15:30 15/08/2025",
        "09:00 18/08/2025",
        "10:00 19/08/2025",
        "10:00 22/08/2025",
        "09:00 25/08/2025",
    ):
        assert at in text, at
    assert "9 giờ làm việc" in text, "the paused time is named, and not counted"
    assert "000.00.15.H40" not in text, "agencies by name, not by identifier"


def test_form_03_prints_the_refusal(refused, named, tmp_path):
    pdf = printed(named, refused.code, "03")
    assert pdf_info(pdf, tmp_path)["Page size"] == A5
    text = flat(pdf_text(pdf, tmp_path))
    for expected in (
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        refused.code,
        "Nguyễn Thị Hoa",
        "Hồ sơ không thuộc thẩm quyền",
        "Trần Thị Lan",
        "SỞ TƯ PHÁP TỈNH NGHỆ AN",  # an online dossier: received by the department itself
    ):
        assert expected in text, expected
    payload, box, size = read_qr(pdf, tmp_path)
    assert qr.parse(payload)["MaHoSo"] == refused.code
    assert_top_left(box, size)


def test_the_pdf_embeds_a_font_with_vietnamese_letters(lifecycle, named, tmp_path):
    path = tmp_path / "fonts.pdf"
    path.write_bytes(printed(named, lifecycle.code, "01"))
    fonts = run("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all(" yes yes yes " in f for f in fonts), "embedded, subset, with a Unicode map"
    assert any(f.split()[0].endswith("+Noto-Serif") for f in fonts), fonts
    # Letters only Vietnamese has (ơ, ư, ạ, ễ, đ) come out as themselves, not as boxes or decomposed marks.
    text = pdf_text(path.read_bytes(), tmp_path)
    assert "Nguyễn Thị Hoa" in text and "Độc lập" in text and "ư" in text and "\ufffd" not in text


def test_the_log_book_prints_on_a4_landscape_with_its_columns_and_qr_code(lifecycle, named, tmp_path):
    book = forms_data.logbook(named["tiepnhan"], "000.00.00.H40", "2025-08-01", "2025-08-31", max_rows=10)
    pdf = render.logbook_pdf(book)
    assert pdf_info(pdf, tmp_path)["Page size"].startswith(A4_LANDSCAPE)
    text = flat(pdf_text(pdf, tmp_path, layout=False))
    for expected in (
        "SỔ THEO DÕI HỒ SƠ",
        "Từ ngày 01/08/2025 đến ngày 31/08/2025",
        "Quyển số 2025",
        lifecycle.code,
        "Nguyễn Thị Hoa",
        "Sở Tư pháp tỉnh Nghệ An",
        "15:00 15/08/2025",  # received
        "15:30 15/08/2025",  # handed to the department
        "10:00 22/08/2025",  # result back from it
        "09:00 25/08/2025",  # returned
        "Trần Thị Lan",  # who printed it
    ):
        assert expected in text, expected
    payload, box, size = read_qr(pdf, tmp_path)
    assert qr.parse(payload) == {
        "MaDinhDanh": "000.00.00.H40",
        "TuNgay": "01/08/2025",
        "DenNgay": "31/08/2025",
        "TenGiayTo": "Sổ theo dõi hồ sơ",
    }
    assert_top_left(box, size)


def test_a_long_log_book_repeats_its_header_on_every_page(named, counter, tmp_path):
    for i in range(40):
        counter(at=local(2025, 8, 1 + i % 28, 9 + i % 7))
    book = forms_data.logbook(named["tiepnhan"], "000.00.00.H40", "2025-08-01", "2025-08-31", max_rows=100)
    pdf = render.logbook_pdf(book)
    pages = int(pdf_info(pdf, tmp_path)["Pages"])
    assert pages >= 2
    text = pdf_text(pdf, tmp_path)
    assert text.count("Mã hồ sơ") == pages, "the column headings on each page"
    assert [r["line"] for r in book["rows"]] == list(range(1, 41))


def test_the_log_book_as_a_spreadsheet_has_the_columns_of_form_06(lifecycle, named, tmp_path):
    from openpyxl import load_workbook

    book = forms_data.logbook(named["tiepnhan"], "000.00.00.H40", "2025-08-01", "2025-08-31", max_rows=10)
    path = tmp_path / "book.xlsx"
    path.write_bytes(render.logbook_xlsx(book))
    rows = [
        [c for c in row if c is not None] for row in load_workbook(path).active.iter_rows(values_only=True)
    ]
    assert rows[1] == ["TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH NGHỆ AN"]
    assert rows[3] == [
        "STT",
        "Mã hồ sơ",
        "Tên TTHC",
        "Số lượng hồ sơ (bộ)",
        "Tên cá nhân, tổ chức",
        "Địa chỉ, số điện thoại",
        "Cơ quan chủ trì giải quyết",
        "Nhận hồ sơ",
        "Hẹn trả kết quả",
        "Chuyển hồ sơ đến cơ quan giải quyết",
        "Nhận kết quả từ cơ quan giải quyết",
        "Trả kết quả cho cá nhân, tổ chức",
        "Ghi chú",
    ]
    assert rows[4] == ["Quyển số 2025"]
    assert rows[5][:7] == [
        1,
        lifecycle.code,
        "Đăng ký khai sinh có yếu tố nước ngoài",
        1,
        "Nguyễn Thị Hoa",
        "Vinh, Nghệ An, 0912345678",
        "Sở Tư pháp tỉnh Nghệ An",
    ]
    assert rows[5][7:12] == [
        "15:00 15/08/2025",
        "10:00 25/08/2025",
        "15:30 15/08/2025",
        "10:00 22/08/2025",
        "09:00 25/08/2025",
    ]


def test_a_form_is_named_after_its_dossier_and_number(lifecycle, named):
    response = responses.form_pdf_response(named["tiepnhan"], lifecycle.code, "1")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{lifecycle.code}-mau01.pdf"'
