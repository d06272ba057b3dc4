"""The admin is the system administrator's alone: everyone else is sent to the sign-in page or told, in
Vietnamese, where to work instead (access/admin_site.py, docs/adr/0014)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from motcua.directory.models import Role, StaffAssignment
from tests.clients import signed_in
from tests.portal.test_pages import visible

pytestmark = pytest.mark.django_db


def test_the_system_administrator_gets_the_vietnamese_admin_with_the_centre_name(people):
    r = signed_in(people["admin"]).get("/admin/")
    assert r.status_code == 200
    html, text = r.content.decode(), visible(r)
    assert "Django" not in html
    assert "<title>Danh mục quản trị | Quản trị hệ thống motcua</title>" in html
    assert "Quản trị hệ thống motcua – Trung tâm Phục vụ hành chính công tỉnh Nghệ An" in text
    assert "Hồ sơ và quy trình xử lý" in text and "Đăng xuất" in text


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/admin/", "/dang-nhap/?next=%2Fadmin%2F"),
        (
            "/admin/dossiers/dossier/?status__exact=4",
            "/dang-nhap/?next=%2Fadmin%2Fdossiers%2Fdossier%2F%3Fstatus__exact%3D4",
        ),
        ("/admin/login/", "/dang-nhap/?next=%2Fadmin%2F"),
        ("/admin/login/?next=/admin/auth/user/", "/dang-nhap/?next=%2Fadmin%2Fauth%2Fuser%2F"),
        # Never a way off the site.
        ("/admin/login/?next=https://evil.example/", "/dang-nhap/?next=%2Fadmin%2F"),
        ("/admin/login/?next=//evil.example/", "/dang-nhap/?next=%2Fadmin%2F"),
    ],
)
def test_signed_out_visitors_go_straight_to_the_one_sign_in_page(client, path, target):
    r = client.get(path)
    assert r.status_code == 302 and r["Location"] == target


def test_the_sign_in_page_brings_the_administrator_back_to_the_admin(people):
    client = Client()
    r = client.get("/admin/auth/user/", follow=True)
    assert r.redirect_chain == [("/dang-nhap/?next=%2Fadmin%2Fauth%2Fuser%2F", 302)]
    r = client.post(r.redirect_chain[-1][0], {"username": "admin", "password": "demo"})
    assert r.status_code == 302 and r["Location"] == "/admin/auth/user/"
    assert client.get("/admin/auth/user/").status_code == 200
    # Already signed in: the admin's login URL goes straight on.
    assert client.get("/admin/login/?next=/admin/dossiers/")["Location"] == "/admin/dossiers/"


@pytest.mark.parametrize("username", ["tiepnhan", "chuyenvien", "lanhdao"])
@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/dossiers/dossier/", "/admin/login/", "/admin/password_change/"]
)
def test_officers_are_refused_in_vietnamese_and_pointed_to_their_workspace(people, username, path):
    r = signed_in(people[username]).get(path)
    assert r.status_code == 403
    html, text = r.content.decode(), visible(r)
    assert "Django" not in html and "not authorized" not in html and "authenticated as" not in html
    assert "Không có quyền vào trang quản trị" in text
    assert "Trang quản trị chỉ dành cho quản trị hệ thống" in text
    assert 'href="/can-bo/"' in html and "Đến trang làm việc của cán bộ" in text
    assert 'href="/dang-xuat/"' in html
    # Nothing of the admin leaks: no list of models, no admin user links.
    assert "Hồ sơ và quy trình xử lý" not in text and "/admin/password_change/" not in html


def test_a_citizen_is_refused_and_sent_home_not_to_the_workspace(people):
    r = signed_in(people["congdan"]).get("/admin/")
    assert r.status_code == 403
    assert 'href="/can-bo/"' not in r.content.decode() and "Về trang chủ" in visible(r)


def test_the_admin_flag_alone_does_not_open_the_admin(people, agencies):
    """is_staff set on an officer by mistake: still no way in without the system administrator role."""
    officer = people["chuyenvien"]
    get_user_model().objects.filter(pk=officer.pk).update(is_staff=True)
    officer.refresh_from_db()
    assert signed_in(officer).get("/admin/").status_code == 403
    # With the role in the directory (and the flag) the account administers, superuser or not.
    StaffAssignment.objects.create(user=officer, agency=agencies["centre"], role=Role.SYSADMIN)
    officer.refresh_from_db()
    assert signed_in(officer).get("/admin/").status_code == 200


def test_a_system_administrator_without_the_admin_flag_is_refused(people, agencies):
    user = get_user_model().objects.create_user("quantri2", password="demo")
    StaffAssignment.objects.create(user=user, agency=agencies["centre"], role=Role.SYSADMIN)
    r = signed_in(user).get("/admin/")
    assert r.status_code == 403 and "Không có quyền vào trang quản trị" in visible(r)
