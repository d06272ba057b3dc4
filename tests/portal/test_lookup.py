"""Tra cứu hồ sơ: a dossier's status by its code and four digits only its applicant knows.

The form is posted (the digits never travel in a URL); misses are throttled per client and per dossier code.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.db import connection

from motcua.access.models import ThrottleCounter
from motcua.dossiers import services
from tests.dossiers.conftest import local, procedure, submission  # noqa: F401 (fixture)
from tests.portal.test_pages import visible

pytestmark = pytest.mark.django_db

# dossier with its agencies and procedure, events with their agencies, centre, and the throttle's counters
LOOKUP_QUERIES = 4
URL = "/tra-cuu-ho-so/"


def look(client, code, last4, **extra):
    return client.post(URL, {"ma": code, "so": last4}, **extra)


@pytest.fixture
def dossier(people, procedure):  # noqa: F811
    d = services.submit_dossier(people["tiepnhan"], submission(channel=1), at=local(2025, 8, 15, 15))
    return services.perform(people["tiepnhan"], d.code, "forward", at=local(2025, 8, 15, 16))


def test_code_and_last_four_digits_show_status_dates_and_history_without_personal_data(client, dossier):
    r = look(client, dossier.code, "1234")  # ID 038190001234
    assert r.status_code == 200
    text = visible(r)
    assert dossier.code in text and "Đang xử lý" in text and "Sở Tư pháp" in text
    assert "Ngày hẹn trả kết quả" in text and "20/08/2025" in text  # dd/mm/yyyy
    assert "Tiếp nhận tại quầy" in text and "Chuyển cơ quan giải quyết" in text
    for personal in ("Nguyễn Thị Hoa", "038190001234", "0912345678", "hoa@example.vn"):
        assert personal not in r.content.decode()
    # The phone's last four digits work as well.
    assert look(client, dossier.code, "5678").status_code == 200


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
    r = client.post(URL, params)
    assert r.status_code == 404
    assert "Không tìm thấy hồ sơ với mã và 4 số cuối đã nhập" in visible(r)
    assert "Quá trình xử lý" not in visible(r)


@pytest.mark.parametrize(
    "body",
    [
        "ma=%ED%A0%80&so=%ED%BF%BF",  # lone surrogates as UTF-8 bytes (not valid UTF-8)
        "ma=%F0%9F%98%80%00&so=12%0034",  # emoji, NULs
        "ma=%FF%FE&so=%C0%AF",  # bytes that are no UTF-8 at all
        "ma=" + "%E1%BA%A1" * 20000 + "&so=" + "9" * 20000,  # 60 kB of "ạ" and digits
        "ma=a&ma=b&so[]=1&so=%0D%0A1234",  # repeated and odd names, CR LF
    ],
)
def test_odd_form_input_gets_a_normal_page_not_a_server_error(client, dossier, body):
    r = client.post(URL, body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 404
    assert "Không tìm thấy hồ sơ" in visible(r)
    r = client.get(URL + "?ma=" + body.split("&")[0][3:])  # the same as a link's ?ma=
    assert r.status_code == 200 and 'name="ma"' in r.content.decode()


def test_the_empty_form_and_the_menu_link(client, db):
    r = client.get(URL)
    page = r.content.decode()
    assert r.status_code == 200 and 'name="ma"' in page and 'inputmode="numeric"' in page
    assert re.search(r'<form class="lookup-form" action="/tra-cuu-ho-so/" method="post">', page)
    assert 'href="/tra-cuu-ho-so/"' in client.get("/").content.decode()
    assert client.post(URL, {}).status_code == 200  # nothing typed: the form again, nothing counted
    assert not ThrottleCounter.objects.exists()


def test_the_last_four_digits_never_travel_in_a_url(client, dossier):
    # A link (a QR code on the receipt, say) may fill the code in; digits in a URL are dropped, not used.
    r = client.get(URL, {"ma": dossier.code, "so": "1234"})
    assert r.status_code == 302 and r["Location"] == f"{URL}?ma={quote(dossier.code)}"
    r = client.get(r["Location"])
    page = r.content.decode()
    assert r.status_code == 200 and f'value="{dossier.code}"' in page
    assert "1234" not in page and "Quá trình xử lý" not in visible(r)
    assert client.get(URL, {"so": "1234"})["Location"] == URL
    assert not ThrottleCounter.objects.exists()
    assert client.put(URL, {"ma": dossier.code, "so": "1234"}).status_code == 405


def test_english_labels(client, dossier):
    client.cookies["django_language"] = "en"
    text = visible(look(client, dossier.code, "1234"))
    assert "Look up a dossier" in text and "Processing" in text and "Due date" in text


def test_lookup_query_count(client, dossier, django_assert_num_queries):
    with django_assert_num_queries(LOOKUP_QUERIES):
        look(client, dossier.code, "1234")


def test_the_page_says_what_the_applicant_must_do_now(client, dossier, people):
    d = services.perform(
        people["chuyenvien"],
        dossier.code,
        "request_supplement",
        **{"reason": "Bản sao chưa chứng thực", "items": ["Giấy chứng sinh (bản sao chứng thực)"]},
        at=local(2025, 8, 18, 9),
    )
    text = visible(look(client, d.code, "1234"))
    # The papers asked for under the heading, the officer's reason as the reason (not in their place).
    assert "Cần bổ sung các giấy tờ sau: Giấy chứng sinh (bản sao chứng thực)" in text
    assert "Lý do: Bản sao chưa chứng thực" in text
    assert "Cần bổ sung hồ sơ: Bản sao chưa chứng thực" not in text
    d = services.perform(people["tiepnhan"], d.code, "supplement", at=local(2025, 8, 18, 10))
    d = services.perform(
        people["chuyenvien"], d.code, "request_payment", **{"amount": 1500000}, at=local(2025, 8, 18, 11)
    )
    text = visible(look(client, d.code, "1234"))
    assert "Cần nộp phí, lệ phí: 1.520.000 ₫" in text  # the counter charge of 20.000 ₫ is still unpaid too


def test_each_paper_asked_for_is_listed_with_its_own_reason_also_in_the_history(client, dossier, people):
    d = services.perform(
        people["chuyenvien"],
        dossier.code,
        "request_supplement",
        reason="Thiếu giấy tờ",
        items=["Tờ khai", {"name": "Giấy chứng sinh", "reason": "Bản chụp mờ"}],
        note="Nội bộ: đã gọi điện",
        at=local(2025, 8, 18, 9),
    )
    r = look(client, d.code, "1234")
    text = visible(r)
    assert "Cần bổ sung các giấy tờ sau: Tờ khai Giấy chứng sinh: Bản chụp mờ Lý do: Thiếu giấy tờ" in text
    # The history row of the request names the papers too; an officer's note never shows.
    assert "Yêu cầu bổ sung giấy tờ Tờ khai Giấy chứng sinh: Bản chụp mờ" in text
    assert "Nội bộ" not in text


@pytest.mark.parametrize(
    "typed",
    [
        " {code} ",
        "{lower}",
        "  {lower}  ",
        "{spaced}",
        "{en_dash}",
        "\t{code}\n",
    ],
)
def test_the_code_is_case_insensitive_and_tolerates_spaces(client, dossier, typed):
    a, day, n = dossier.code.rsplit("-", 2)
    code = typed.format(
        code=dossier.code,
        lower=dossier.code.lower(),
        spaced=f" {a.lower()} - {day} -  {n} ",
        en_dash=f"{a}\u2013{day} \u2013 {n}",
    )
    r = look(client, code, "1234")
    assert r.status_code == 200 and "Quá trình xử lý" in visible(r)
    assert f'value="{dossier.code}"' in r.content.decode()  # the form shows it as stored


def test_a_code_spelt_many_ways_is_one_code_for_the_throttle(client, dossier, limits):
    spellings = [dossier.code.lower(), f" {dossier.code} ", dossier.code.replace("-", " - ")]
    for n, code in enumerate(spellings):
        assert look(client, code, "0000", REMOTE_ADDR=f"203.0.113.{n}").status_code == 404
    assert_too_many(look(client, dossier.code, "1234", REMOTE_ADDR="198.51.100.7"))


# A stored bad character -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "items_json",
    [
        '["Gi\\udfffy khai sinh"]',  # a lone surrogate: SQLite keeps the JSON escape, UTF-8 cannot encode it
        '["A\\ud83d", "\\ude00B"]',  # halves of a pair, split over two items
        '["Tab\\tok", "bell\\u0007 esc\\u001b del\\u007f c1\\u0085"]',  # control characters
        '["nul\\u0000"]',
        '"\\udfff not a list"',  # items stored as a string
        '[1, null, {"x": "y"}]',  # not text at all
    ],
)
def test_a_stored_lone_surrogate_or_control_character_never_breaks_the_status_page(
    client, dossier, people, items_json
):
    d = services.perform(
        people["chuyenvien"],
        dossier.code,
        "request_supplement",
        reason="Bản sao",
        items=["Giấy"],
        at=local(2025, 8, 18, 9),
    )
    if connection.vendor == "postgresql" and ("\\ud" in items_json or "\\u0000" in items_json):
        pytest.skip("jsonb refuses lone surrogates and NUL: such a row cannot exist on PostgreSQL")
    # Written the way an older build or a hand repair could have (events are append-only in the ORM).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dossiers_dossierevent SET data = %s WHERE action = 'request_supplement'",
            ['{"items": ' + items_json + "}"],
        )
    r = look(client, d.code, "1234")
    assert r.status_code == 200
    text = visible(r)
    assert "Lý do: Bản sao" in text
    assert not re.search("[\x00-\x08\x7f-\x9f\ud800-\udfff]", text)
    if items_json.startswith('["Gi'):
        assert "Gi\ufffdy khai sinh" in text  # replaced where it stood, the rest kept


# Throttling ------------------------------------------------------------------------------------------


@pytest.fixture
def limits(settings):
    settings.LOOKUP_LIMITS_CLIENT = [(4, 60), (6, 3600)]
    settings.LOOKUP_LIMITS_DOSSIER = [(3, 3600), (10, 86400)]
    return settings


def assert_too_many(r):
    assert r.status_code == 429
    text = visible(r)
    assert "Tạm dừng tra cứu" in text and "Vui lòng thử lại từ" in text
    assert re.search(r"Vui lòng thử lại từ \d\d:\d\d \d\d/\d\d/\d{4} \(khoảng \d+ (phút|giờ) nữa\)", text)
    assert 1 <= int(r["Retry-After"]) <= 86400
    assert "Quá trình xử lý" not in text


def test_misses_on_one_dossier_code_are_limited_whoever_tries(client, dossier, limits):
    # Three misses from three addresses: the code is then closed to everyone, even with the right digits.
    for n, digits in enumerate(["0000", "0001", "0002"]):
        assert look(client, dossier.code, digits, REMOTE_ADDR=f"203.0.113.{n}").status_code == 404
    assert_too_many(look(client, dossier.code, "1234", REMOTE_ADDR="198.51.100.7"))
    # An unknown code is throttled exactly like a real one (a 429 must not reveal which codes exist).
    other = dossier.code[:-4] + "9999"
    for n in range(3):
        assert look(client, other, "0000", REMOTE_ADDR=f"192.0.2.{n}").status_code == 404
    assert_too_many(look(client, other, "0000", REMOTE_ADDR="192.0.2.200"))


def test_misses_from_one_client_are_limited_whatever_the_code(client, dossier, limits):
    for n in range(4):
        code = dossier.code[:-4] + f"{9000 + n}"
        assert look(client, code, "1234", REMOTE_ADDR="203.0.113.9").status_code == 404
    assert_too_many(look(client, dossier.code, "1234", REMOTE_ADDR="203.0.113.9"))
    # Another client is not affected, and the dossier's own code was never missed.
    assert look(client, dossier.code, "1234", REMOTE_ADDR="203.0.113.10").status_code == 200


def test_a_successful_lookup_is_not_counted(client, dossier, limits):
    for _ in range(12):  # twice the client's hourly budget of misses
        assert look(client, dossier.code, "1234").status_code == 200
    assert not ThrottleCounter.objects.exists()
    assert look(client, dossier.code, "0000").status_code == 404  # the first miss still only counts one
    assert set(ThrottleCounter.objects.values_list("hits", flat=True)) == {1}


def test_the_429_page_in_english(client, dossier, limits):
    for n in range(3):
        look(client, dossier.code, "0000", REMOTE_ADDR=f"203.0.113.{n}")
    client.cookies["django_language"] = "en"
    r = look(client, dossier.code, "1234")
    assert r.status_code == 429 and "Please try again from" in visible(r)


def test_throttle_counters_hold_no_code_address_or_digits(client, dossier, limits):
    look(client, dossier.code, "9876", REMOTE_ADDR="203.0.113.77")
    keys = list(ThrottleCounter.objects.values_list("key", flat=True))
    assert len(keys) == 4  # client per minute and per hour, code per hour and per day
    for key in keys:
        for raw in (dossier.code, "9876", "203.0.113.77", "203", "H40"):
            assert raw not in key
            assert quote(raw) not in key
