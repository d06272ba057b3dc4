"""Tra cứu hồ sơ: a dossier's status by its code and four digits only its applicant knows."""

from __future__ import annotations

import pytest

from motcua.dossiers import services
from tests.dossiers.conftest import local, procedure, submission  # noqa: F401 (fixture)
from tests.portal.test_pages import visible

pytestmark = pytest.mark.django_db

LOOKUP_QUERIES = 3  # dossier with its agencies and procedure, events with their agencies, centre


@pytest.fixture
def dossier(people, procedure):  # noqa: F811
    d = services.submit_dossier(people["tiepnhan"], submission(channel=1), at=local(2025, 8, 15, 15))
    return services.perform(people["tiepnhan"], d.code, "forward", at=local(2025, 8, 15, 16))


def test_code_and_last_four_digits_show_status_dates_and_history_without_personal_data(client, dossier):
    r = client.get("/tra-cuu-ho-so/", {"ma": dossier.code, "so": "1234"})  # ID 038190001234
    assert r.status_code == 200
    text = visible(r)
    assert dossier.code in text and "Đang xử lý" in text and "Sở Tư pháp" in text
    assert "Ngày hẹn trả kết quả" in text and "20/08/2025" in text  # dd/mm/yyyy
    assert "Tiếp nhận tại quầy" in text and "Chuyển cơ quan giải quyết" in text
    for personal in ("Nguyễn Thị Hoa", "038190001234", "0912345678", "hoa@example.vn"):
        assert personal not in r.content.decode()
    # The phone's last four digits work as well.
    assert client.get("/tra-cuu-ho-so/", {"ma": dossier.code, "so": "5678"}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"ma": "000.00.00.H40-250815-0001", "so": "0000"},  # right code, wrong digits
        {"ma": "000.00.00.H40-250815-9999", "so": "1234"},  # unknown code
        {"ma": "000.00.00.H40-250815-0001", "so": "12a4"},
        {"ma": "000.00.00.H40-250815-0001", "so": "１２３４"},  # full-width digits
        {"ma": "\x00", "so": "1234"},
        {"ma": "x" * 500, "so": "1234"},
        {"ma": "", "so": "1234"},
    ],
)
def test_a_miss_never_says_which_part_was_wrong(client, dossier, params):
    r = client.get("/tra-cuu-ho-so/", params)
    assert r.status_code == 404
    assert "Không tìm thấy hồ sơ với mã và 4 số cuối đã nhập" in visible(r)
    assert "Quá trình xử lý" not in visible(r)


def test_the_empty_form_and_the_menu_link(client, db):
    r = client.get("/tra-cuu-ho-so/")
    assert (
        r.status_code == 200
        and 'name="ma"' in r.content.decode()
        and 'inputmode="numeric"' in r.content.decode()
    )
    assert 'href="/tra-cuu-ho-so/"' in client.get("/").content.decode()


def test_english_labels(client, dossier):
    client.cookies["django_language"] = "en"
    text = visible(client.get("/tra-cuu-ho-so/", {"ma": dossier.code, "so": "1234"}))
    assert "Look up a dossier" in text and "Processing" in text and "Due date" in text


def test_lookup_query_count(client, dossier, django_assert_num_queries):
    with django_assert_num_queries(LOOKUP_QUERIES):
        client.get("/tra-cuu-ho-so/", {"ma": dossier.code, "so": "1234"})


def test_the_page_says_what_the_applicant_must_do_now(client, dossier, people):
    d = services.perform(
        people["chuyenvien"],
        dossier.code,
        "request_supplement",
        **{"reason": "Bản sao chưa chứng thực", "items": ["Giấy chứng sinh (bản sao chứng thực)"]},
        at=local(2025, 8, 18, 9),
    )
    text = visible(client.get("/tra-cuu-ho-so/", {"ma": d.code, "so": "1234"}))
    assert (
        "Cần bổ sung hồ sơ: Bản sao chưa chứng thực" in text
        and "Giấy chứng sinh (bản sao chứng thực)" in text
    )
    d = services.perform(people["tiepnhan"], d.code, "supplement", at=local(2025, 8, 18, 10))
    d = services.perform(
        people["chuyenvien"], d.code, "request_payment", **{"amount": 1500000}, at=local(2025, 8, 18, 11)
    )
    text = visible(client.get("/tra-cuu-ho-so/", {"ma": d.code, "so": "1234"}))
    assert "Cần nộp phí, lệ phí: 1.520.000 ₫" in text  # the counter charge of 20.000 ₫ is still unpaid too
