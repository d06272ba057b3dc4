"""The directory's Django admin pages render, search accent-insensitively, and revoke tokens."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from motcua.access.auth import issue_token
from motcua.access.models import ApiToken
from motcua.directory.models import CalendarDay


@pytest.fixture
def admin_client_(people):
    client = Client()
    client.force_login(people["admin"])
    return client


@pytest.mark.parametrize(
    "model",
    [
        "directory/adminunit",
        "directory/agency",
        "directory/counter",
        "directory/staffassignment",
        "directory/applicant",
        "directory/calendarday",
        "access/apitoken",
    ],
)
def test_changelists_and_add_pages_render(admin_client_, model):
    assert admin_client_.get(f"/admin/{model}/").status_code == 200
    add = admin_client_.get(f"/admin/{model}/add/")
    assert add.status_code == (403 if model == "access/apitoken" else 200)


def test_agency_change_page_has_history_and_counters(admin_client_, agencies):
    page = admin_client_.get(f"/admin/directory/agency/{agencies['centre'].pk}/change/").content.decode()
    assert "lịch sử mã định danh" in page.lower() and "Quầy một cửa" in page


def test_agency_search_without_accents(admin_client_, agencies):
    page = admin_client_.get("/admin/directory/agency/", {"q": "so tu phap"}).content.decode()
    assert "Sở Tư pháp tỉnh Nghệ An" in page and "Sở Y tế" not in page


def test_user_admin_shows_role_inline(admin_client_, people):
    page = admin_client_.get(f"/admin/auth/user/{people['tiepnhan'].pk}/change/").content.decode()
    assert "Phân công cán bộ" in page or "phân công cán bộ" in page


def test_calendar_day_filters(admin_client_):
    from datetime import date

    CalendarDay.objects.create(date=date(2026, 9, 2), kind="holiday", name="Quốc khánh")
    page = admin_client_.get("/admin/directory/calendarday/", {"kind__exact": "holiday"}).content.decode()
    assert "Quốc khánh" in page


def test_revoke_action(admin_client_, people):
    issue_token(people["chuyenvien"])
    token = ApiToken.objects.get(user=people["chuyenvien"])
    r = admin_client_.post(
        "/admin/access/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert "Đã thu hồi 1 mã truy cập." in r.content.decode()
    token.refresh_from_db()
    assert token.revoked


def test_working_hours_are_edited_as_text_not_json(admin_client_, agencies):
    from motcua.directory.admin import WorkingWindowsField

    field = WorkingWindowsField()
    assert field.clean(" 07:00-11:30, 13:30–17:00 ") == [["07:00", "11:30"], ["13:30", "17:00"]]
    assert field.clean("") == []
    for wrong, says in (("13:30-11:30", "giờ bắt đầu phải trước giờ kết thúc"), ("7h-11h", "dạng HH:MM")):
        with pytest.raises(ValidationError) as error:
            field.clean(wrong)
        assert says in error.value.messages[0]
    centre = agencies["centre"]
    centre.working_windows = [["07:30", "11:30"], ["13:30", "17:00"]]
    centre.save()
    page = admin_client_.get(f"/admin/directory/agency/{centre.pk}/change/").content.decode()
    assert 'name="working_windows" value="07:30-11:30, 13:30-17:00"' in page
