"""The record of notices: in the admin (Vietnamese, masked, "send again"), switched off channels, muted history,
and the e-mail configuration read from MOTCUA_EMAIL_URL."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from motcua.integrations.models import OutboxMessage
from motcua.integrations.worker import OutboxWorker
from motcua.notifications.models import Notification
from motcua.notifications.selectors import notifications_of
from motcua.notifications.services import muted
from motcua.settings import email_from_url
from tests.dossiers.conftest import local

LIST = "/admin/notifications/notification/"
Status = Notification.Status


@pytest.fixture
def admin_client(db, client):
    client.force_login(get_user_model().objects.create_superuser("root", password=None))
    return client


def test_admin_lists_notices_masked_in_vietnamese_and_sends_dead_ones_again(
    admin_client,
    counter,
    flaky,
    run_worker,
    sms_outbox,
):
    flaky.permanent = True
    d = counter(at=local(2025, 8, 15, 15))
    run_worker()
    dead = notifications_of(d).get(channel="sms")
    assert dead.status == Status.DEAD

    page = admin_client.get(f"{LIST}?status__exact=dead")

    text = page.content.decode()
    assert page.status_code == 200
    assert "Gửi lỗi, dừng thử lại" in text and "091****678" in text and d.code in text
    assert "0912345678" not in text and "Thông báo cho người nộp" in text
    assert admin_client.get(f"{LIST}add/").status_code == 403

    flaky.permanent = False
    answer = admin_client.post(LIST, {"action": "send_again", "_selected_action": [dead.pk]})

    assert answer.status_code == 302
    dead.refresh_from_db()
    assert dead.status == Status.FAILED
    assert OutboxMessage.objects.get(idempotency_key=dead.key).status == OutboxMessage.Status.PENDING
    run_worker()
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (Status.SENT, 2)


def test_no_channel_configured_writes_no_notice(settings, counter):
    settings.NOTIFY_EMAIL, settings.SMS_BACKEND = False, ""

    d = counter(at=local(2025, 8, 15, 15))

    assert not notifications_of(d).exists()
    assert not OutboxMessage.objects.filter(topic__startswith="notify.").exists()


def test_history_written_after_the_fact_tells_no_one(counter):
    with muted():
        d = counter(at=local(2025, 8, 15, 15))
    assert not notifications_of(d).exists()
    assert notifications_of(counter(at=local(2025, 8, 15, 16))).count() == 2  # unmuted again


def test_a_transport_without_a_site_address_keeps_notices_waiting(settings, counter, run_worker, mailoutbox):
    settings.SITE_URL = ""
    d = counter(at=local(2025, 8, 15, 15))

    assert run_worker().handled == 0

    assert mailoutbox == [] and {n.status for n in notifications_of(d)} == {Status.PENDING}
    assert set(
        OutboxMessage.objects.filter(topic__startswith="notify.").values_list("attempts", flat=True)
    ) == {0}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp+starttls://thongbao%40nghean.gov.vn:m%E1%BA%ADt@mail.nghean.gov.vn",
            {"HOST": "mail.nghean.gov.vn", "PORT": 587, "USER": "thongbao@nghean.gov.vn", "USE_TLS": True},
        ),
        ("smtps://u:p@mail.nghean.gov.vn", {"PORT": 465, "USE_SSL": True, "USE_TLS": False, "PASSWORD": "p"}),
        ("smtp://localhost:2525", {"HOST": "localhost", "PORT": 2525, "USE_TLS": False, "USE_SSL": False}),
        ("file:///var/lib/motcua/mail", {"FILE_PATH": "/var/lib/motcua/mail"}),
        ("console:", {"BACKEND": "django.core.mail.backends.console.EmailBackend"}),
        ("", {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}),
    ],
)
def test_email_url(url, expected):
    found = email_from_url(url, debug=False)

    assert {k: found[k] for k in expected} == expected


@pytest.mark.parametrize("url", ["smtp://mail.nghean.gov.vn", "imap://mail.nghean.gov.vn", "smtps://"])
def test_email_url_refuses_plain_smtp_to_another_machine_and_unknown_schemes(url):
    with pytest.raises(ImproperlyConfigured, match="MOTCUA_EMAIL_URL"):
        email_from_url(url, debug=False)


def test_a_misnamed_sms_backend_keeps_the_sms_waiting_and_says_why(settings, counter, mailoutbox):
    settings.SMS_BACKEND = "motcua.notifications.sms.NoSuchBackend"
    d = counter(at=local(2025, 8, 15, 15))
    said: list[str] = []

    OutboxWorker(say=said.append).run_once()

    assert [(n.channel, n.status) for n in notifications_of(d)] == [
        ("email", Status.SENT),
        ("sms", Status.PENDING),
    ]
    assert len(mailoutbox) == 1
    assert any(
        "MOTCUA_SMS_BACKEND='motcua.notifications.sms.NoSuchBackend' không nạp được" in s for s in said
    )
