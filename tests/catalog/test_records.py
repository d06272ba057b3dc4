"""check_record parses every value with the shared parsers (core.inputs): the API's rules hold for imports too."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

import pytest

from motcua.catalog.models import Procedure
from motcua.catalog.records import check_record
from motcua.catalog.services import apply_record
from motcua.core.errors import ValidationFailed
from motcua.core.formatting import LOCAL_TZ
from tests.catalog.test_io import bare_record, rich_record

BAD_CHARACTER = "chứa ký tự không hợp lệ (ký tự điều khiển hoặc mã hóa lỗi)"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Đăng ký\udfffkhai sinh", f"name: {BAD_CHARACTER}"),
        ("Đăng ký\x00khai sinh", f"name: {BAD_CHARACTER}"),
        ("Đăng ký\x1bkhai sinh", f"name: {BAD_CHARACTER}"),
        ("Đăng ký\tkhai sinh", f"name: {BAD_CHARACTER}"),  # one-line text takes no tab, as in the API
        ("   ", "name: bắt buộc (required)"),  # blank is missing, not an empty name
        ("x" * 501, "name: dài quá 500 ký tự"),
        (5, "name: phải là chuỗi ký tự"),
    ],
)
def test_catalogue_text_is_refused_as_the_api_refuses_it(name, problem):
    _, errors = check_record(bare_record(name=name))
    assert errors == [problem]


def test_bad_characters_are_refused_in_every_part_and_in_multi_line_text():
    record = rich_record(requirements="Điều kiện:\n- có mặt\x00")
    record["components"][1]["name"] = "Giấy chứng sinh\udfff"
    record["subjects"] = ["Công dân Việt Nam", "Người\x07nước ngoài"]
    _, errors = check_record(record)
    assert errors == [
        f"subjects[1]: {BAD_CHARACTER}",
        f"requirements: {BAD_CHARACTER}",
        f"components[1].name: {BAD_CHARACTER}",
    ]


def test_text_is_stored_nfc_and_line_breaks_of_multi_line_text_are_kept():
    decomposed = unicodedata.normalize("NFD", "Đăng ký  khai sinh")
    clean, errors = check_record(
        rich_record(
            name=decomposed, requirements=unicodedata.normalize("NFD", " Có mặt.\r\n\tXuất trình giấy tờ. ")
        )
    )
    assert errors == []
    assert clean["name"] == "Đăng ký khai sinh"
    assert clean["requirements"] == "Có mặt.\n\tXuất trình giấy tờ."


@pytest.mark.parametrize(
    ("announcement_date", "problem"),
    [
        ("2025-02-30", "announcement.date: phải là ngày dạng YYYY-MM-DD"),
        ("２０２５-07-01", "announcement.date: phải là ngày dạng YYYY-MM-DD"),  # full-width digits
        (20250701, "announcement.date: phải là ngày dạng YYYY-MM-DD"),
    ],
)
def test_dates_follow_the_shared_rule(announcement_date, problem):
    record = bare_record()
    record["announcement"]["date"] = announcement_date
    _, errors = check_record(record)
    assert errors == [problem]


def test_dates_moments_and_choices_are_parsed():
    record = rich_record(published_at="2025-07-03T09:15:00", kind="")
    record["announcement"]["date"] = " 2025-07-01 "
    clean, errors = check_record(record)
    assert errors == []
    assert clean["announcement"]["date"] == date(2025, 7, 1)
    assert clean["published_at"] == datetime(2025, 7, 3, 9, 15, tzinfo=LOCAL_TZ)  # no offset: Vietnam time
    assert clean["kind"] == "public"  # blank is the default


def test_bad_numbers_choices_and_moments_are_each_named():
    record = rich_record(kind="secret", published_at="hôm qua", online_level=None)
    record["components"][0] |= {"copies": "nhiều", "originals": 101}
    record["fees"][0]["amount"] = 2.5
    record["channels"][0]["processing_time"] = "nửa ngày"
    _, errors = check_record(record)
    assert errors == [
        "kind: phải là một trong: public, internal",
        "published_at: phải là thời điểm ISO 8601, ví dụ 2025-08-15T16:00:00+07:00",
        "channels[0].processing_time: phải là số (must be a number)",
        "components[0].originals: phải trong khoảng 0..100 (out of range)",
        "components[0].copies: phải là số nguyên (must be an integer)",
        "fees[0].amount: phải là số nguyên (must be an integer)",
    ]


@pytest.mark.parametrize(
    ("channel", "problem"),
    [
        ("", "channels[2].channel: bắt buộc (required)"),
        ("fax", "channels[2].channel: phải là một trong: counter, online, postal"),
    ],
)
def test_a_channel_needs_a_known_kind(channel, problem):
    record = rich_record()
    record["channels"][2]["channel"] = channel
    _, errors = check_record(record)
    assert errors == [problem]


@pytest.mark.django_db
def test_apply_record_refuses_a_nul_in_an_agency_before_asking_the_database():
    # PostgreSQL cannot even compare a NUL: the identifier must be refused before the agency lookup.
    with pytest.raises(ValidationFailed) as caught:
        apply_record(bare_record(agencies=["000.00.15.H40\x00"]))
    assert caught.value.details == [f"agencies[0]: {BAD_CHARACTER}"]
    assert not Procedure.objects.exists()
