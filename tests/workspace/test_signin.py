"""One sign-in page for staff and citizens (contract §6), landing per role, sign-out, throttling."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.portal.test_pages import visible

pytestmark = pytest.mark.django_db

PASSWORD = "demo"


@pytest.fixture
def accounts(people):
    staff = {"reception": people["tiepnhan"], "specialist": people["chuyenvien"], "leader": people["lanhdao"]}
    return staff, people["congdan"]


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post("/dang-nhap/", {"username": username, "password": password, **extra})


def test_the_page_is_vietnamese_with_username_and_password_fields():
    r = Client().get("/dang-nhap/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert "Đăng nhập" in visible(r) and "Django" not in html
    # Without an identity provider configured there is no VNeID button leading nowhere.
    assert "/dang-nhap/vneid/" not in html


def test_each_role_lands_on_its_own_page(accounts):
    staff, citizen = accounts
    expected = {"reception": "/can-bo/tiep-nhan/", "specialist": "/can-bo/", "leader": "/can-bo/"}
    for role, landing in expected.items():
        r = sign_in(Client(), staff[role].username)
        assert r.status_code == 302 and r["Location"] == landing, role
    assert sign_in(Client(), citizen.username)["Location"] == "/ca-nhan/"
    assert sign_in(Client(), "admin")["Location"] == "/admin/"


def test_a_wrong_password_says_so_in_vietnamese_and_keeps_the_user_out(accounts):
    staff, _ = accounts
    client = Client()
    r = sign_in(client, staff["specialist"].username, "sai-mat-khau")
    assert r.status_code == 400
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in visible(r)
    assert client.get("/can-bo/")["Location"].startswith("/dang-nhap/?next=")


def test_next_is_followed_only_inside_the_site(accounts):
    staff, _ = accounts
    r = sign_in(Client(), staff["specialist"].username, next="/can-bo/?q=abc")
    assert r["Location"] == "/can-bo/?q=abc"
    r = sign_in(Client(), staff["specialist"].username, next="https://evil.example/")
    assert r["Location"] == "/can-bo/"


def test_sign_out_is_a_post_and_ends_the_session(accounts):
    staff, _ = accounts
    client = Client()
    sign_in(client, staff["leader"].username)
    assert client.get("/can-bo/").status_code == 200
    assert client.get("/dang-xuat/").status_code == 200  # asks, does not sign out
    assert client.get("/can-bo/").status_code == 200
    r = client.post("/dang-xuat/")
    assert r.status_code == 200 and "Bạn đã đăng xuất" in visible(r)
    assert client.get("/can-bo/").status_code == 302


def test_a_citizen_does_not_see_the_workspace(accounts):
    _, citizen = accounts
    client = Client()
    sign_in(client, citizen.username)
    assert client.get("/can-bo/").status_code == 404


def test_the_admin_login_is_this_page(accounts):
    r = Client().get("/admin/login/?next=/admin/directory/")
    assert r.status_code == 302 and r["Location"] == "/dang-nhap/?next=%2Fadmin%2Fdirectory%2F"


def test_repeated_failures_are_throttled(accounts, settings):
    staff, _ = accounts
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, staff["reception"].username, "sai")
    r = sign_in(client, staff["reception"].username)  # even the right password now waits
    assert r.status_code == 429 and "Tạm khóa đăng nhập" in visible(r)
