"""Failed sign-ins are throttled per username and per client for every sign-in through Django's backends."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate, get_user_model
from django.db.models import F
from django.test import Client, RequestFactory

from tests.portal.test_pages import visible

pytestmark = pytest.mark.django_db

LOGIN = "/dang-nhap/"


@pytest.fixture
def staff(db):
    make = get_user_model().objects.create_user
    return {name: make(username=name, password="dung-mat-khau", is_staff=True) for name in ("an", "binh")}


def sign_in(client, username, password, address="203.0.113.5"):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


def assert_locked(r):
    assert r.status_code == 429
    text = visible(r)
    assert "Tạm khóa đăng nhập" in text and "kể cả khi nhập đúng mật khẩu" in text
    assert re.search(r"Vui lòng thử lại từ \d\d:\d\d \d\d/\d\d/\d{4} \(khoảng 1[45] phút nữa\)", text)
    assert 14 * 60 <= int(r["Retry-After"]) <= 15 * 60


def pass_the_cool_off():
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))


def test_wrong_passwords_lock_the_username_even_for_the_right_password_until_the_cool_off(client, staff):
    for _ in range(4):
        r = sign_in(client, "an", "sai")
        assert r.status_code == 400 and "Tên đăng nhập hoặc mật khẩu không đúng" in visible(r)
    assert_locked(sign_in(client, "an", "sai"))  # the fifth
    assert_locked(sign_in(client, "an", "dung-mat-khau"))  # refused though right
    assert_locked(sign_in(Client(), "an", "dung-mat-khau", address="198.51.100.1"))  # from anywhere
    assert "_auth_user_id" not in client.session
    pass_the_cool_off()
    r = sign_in(client, "an", "dung-mat-khau")
    assert r.status_code == 302 and r["Location"] == "/admin/"


def test_other_users_on_the_same_client_are_not_locked(client, staff):
    for _ in range(5):
        sign_in(client, "an", "sai")
    assert_locked(sign_in(client, "an", "dung-mat-khau"))
    assert sign_in(Client(), "binh", "dung-mat-khau").status_code == 302


def test_a_client_trying_many_usernames_is_locked(client, staff):
    # 20 failures per client by default: spread over usernames, each below its own limit of 5.
    for n in range(20):
        r = sign_in(client, f"khong-co-{n % 7}", "sai")
    assert_locked(r)
    assert_locked(sign_in(client, "binh", "dung-mat-khau"))
    assert sign_in(Client(), "binh", "dung-mat-khau", address="198.51.100.2").status_code == 302


def test_a_successful_sign_in_clears_that_username_only(client, staff):
    for _ in range(4):
        sign_in(client, "an", "sai")
        sign_in(client, "binh", "sai")
    assert sign_in(client, "an", "dung-mat-khau").status_code == 302
    assert not AccessAttempt.objects.filter(username="an").exists()
    # binh's failures stay: signing in to one account does not buy guesses against another.
    assert_locked(sign_in(Client(), "binh", "sai"))


def test_the_throttle_holds_for_any_authenticate_call_not_only_the_admin_form(staff):
    request = RequestFactory().post("/dang-nhap/", REMOTE_ADDR="203.0.113.8")
    for _ in range(5):
        assert authenticate(request, username="an", password="sai") is None
    assert authenticate(request, username="an", password="dung-mat-khau") is None
    other = RequestFactory().post("/dang-nhap/", REMOTE_ADDR="203.0.113.9")
    assert authenticate(other, username="binh", password="dung-mat-khau") == staff["binh"]


def test_the_administrator_sees_and_unlocks_a_locked_username(client, staff, people):
    for _ in range(5):
        sign_in(client, "an", "sai")
    admin = Client()
    admin.force_login(people["admin"])
    page = admin.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "an" in visible(page) and "203.0.113.5" in visible(page)
    attempt = AccessAttempt.objects.get(username="an")
    r = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert r.status_code == 302 and not AccessAttempt.objects.exists()
    assert sign_in(client, "an", "dung-mat-khau").status_code == 302


def test_failed_sign_ins_keep_no_password_and_log_no_username_or_address(client, staff, caplog):
    with caplog.at_level("INFO"):
        for _ in range(5):
            sign_in(client, "an", "bi-mat-123")
    attempt = AccessAttempt.objects.get()
    assert "bi-mat-123" not in attempt.post_data and "username=an" not in attempt.post_data
    assert caplog.messages and any("Locking out" in m for m in caplog.messages)
    for message in caplog.messages:
        assert "bi-mat-123" not in message and "203.0.113.5" not in message and '"an"' not in message


def test_the_trusted_proxy_header_is_honoured_only_when_configured(client, settings, staff):
    forwarded = {"HTTP_X_FORWARDED_FOR": "198.51.100.66, 192.0.2.10"}
    for _ in range(2):
        client.post(LOGIN, {"username": "an", "password": "sai"}, REMOTE_ADDR="10.0.0.1", **forwarded)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}
    AccessAttempt.objects.all().delete()
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    client.post(LOGIN, {"username": "an", "password": "sai"}, REMOTE_ADDR="10.0.0.1", **forwarded)
    # Our proxy appended the address it saw (the right-most); the left part came from the client.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.10"}
