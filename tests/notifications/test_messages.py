"""The words of the notices: templates, dates, the lookup link, and SMS within two GSM-7 segments."""

from __future__ import annotations

import pytest
from django.urls import resolve

from motcua.notifications import messages
from motcua.portal import views

CODE = "000.00.00.H40-250815-0001"


def notice(**extra) -> dict:
    base = {
        "kind": "refusal",
        "language": "vi",
        "code": CODE,
        "procedure": "Đăng ký khai sinh có yếu tố nước ngoài",
        "name": "Nguyễn Thị Hoa",
        "citizen": True,
        "on_behalf_of": "",
        "at": "2025-08-15T15:00:00+07:00",
        "received_at": None,
        "due_at": None,
        "old_due_at": None,
        "reason": "Hồ sơ không thuộc thẩm quyền",
        "note": "",
        "items": [],
        "result": "",
        "guidance": False,
        "office": "",
    }
    return base | extra


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://dichvucong.nghean.gov.vn"


def test_the_link_is_the_public_status_page_with_the_code_alone():
    link = messages.lookup_link(CODE)

    assert link == f"https://dichvucong.nghean.gov.vn/tra-cuu-ho-so/?ma={CODE}"
    assert resolve("/tra-cuu-ho-so/").func is views.dossier_lookup


def test_an_organisation_is_not_addressed_as_a_person():
    email = messages.email(notice(name="Công ty TNHH Sông Lam", citizen=False))

    assert email.text.startswith("Kính gửi Công ty TNHH Sông Lam,\n")
    assert "Hồ sơ của Quý cơ quan, tổ chức không được tiếp nhận." in email.text


def test_the_html_part_escapes_what_staff_typed():
    email = messages.email(notice(reason='<script>alert("x")</script> & <b>'))

    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    assert 'Lý do: <script>alert("x")</script> & <b>' in email.text  # plain text stays as typed


def test_dates_are_in_vietnam_time():
    # 23:30 UTC is 06:30 the next day in Hà Nội.
    email = messages.email(
        notice(kind="apology", due_at="2025-08-21T23:30:00+00:00", old_due_at="2025-08-20T08:00:00+00:00")
    )

    assert "Ngày hẹn trả mới: 06:30 22/08/2025" in email.text
    assert "Ngày hẹn trả trước đây: 15:00 20/08/2025" in email.text


def test_a_language_without_templates_falls_back_to_vietnamese():
    assert messages.email(notice(language="en")).subject == f"Hồ sơ {CODE} không được tiếp nhận"


def test_sms_is_ascii_folded_vietnamese():
    text = messages.sms(notice())

    assert text == (
        f"Ho so {CODE} (Dang ky khai sinh co yeu to nuoc ngoai) khong duoc tiep nhan. "
        f"Ly do: Ho so khong thuoc tham quyen. Tra cuu: https://dichvucong.nghean.gov.vn/tra-cuu-ho-so/?ma={CODE}"
    )


def test_a_long_sms_is_shortened_to_two_segments_keeping_code_and_link():
    long_reason = "Thành phần hồ sơ chưa đầy đủ theo quy định; " * 120  # up to 5000 characters may be typed
    long_name = (
        "Thủ tục cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền " * 3
    )

    text = messages.sms(notice(reason=long_reason, procedure=long_name))

    assert messages.sms_length(text) <= messages.SMS_MAX == 306
    assert CODE in text and text.endswith(f"Tra cuu: {messages.lookup_link(CODE)}")
    assert "Ly do: Thanh phan ho so" in text and "..." in text  # shortened, not dropped, when it fits


def test_gsm_extension_characters_count_twice_and_backquotes_go():
    assert messages.sms_length("a{b}c") == 7
    assert messages.gsm("Lý do: `mã`\n  sai   dòng") == "Ly do: 'ma' sai dong"


@pytest.mark.parametrize("kind", ["receipt", "supplement", "apology", "refusal", "stop", "result"])
def test_every_kind_renders_both_channels(kind):
    n = notice(
        kind=kind,
        received_at="2025-08-15T15:00:00+07:00",
        due_at="2025-08-20T15:00:00+07:00",
        old_due_at="2025-08-19T15:00:00+07:00",
        items=["Giấy xác nhận cư trú"],
        result="Giấy khai sinh",
        office="Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
    )

    email, text = messages.email(n), messages.sms(n)

    assert CODE in email.subject and "{" not in email.text and "\n\n\n" not in email.text
    assert email.text.startswith("Kính gửi Ông/Bà Nguyễn Thị Hoa,")
    assert text.isascii() and CODE in text and messages.sms_length(text) <= 306
