"""Outbox in the admin: dead letters, the messages they block and why, and the retry action."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from motcua.integrations.models import OutboxMessage
from tests.integrations.conftest import put

Status = OutboxMessage.Status
LIST = "/admin/integrations/outboxmessage/"
KEY = "000.00.00.H40-260302-0007"


@pytest.fixture
def admin_client(db, client):
    client.force_login(get_user_model().objects.create_superuser("root", password=None))  # no hashing: fast
    return client


def kill(message: OutboxMessage, error: str) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(status=Status.DEAD, attempts=8, last_error=error)


def test_admin_lists_dead_messages_and_retries_them(admin_client):
    dead = put("dossier.received", "A", 1)
    kill(dead, "HTTP 400: bad")

    page = admin_client.get(f"{LIST}?status__exact=dead")
    assert page.status_code == 200 and "HTTP 400: bad" in page.content.decode()

    response = admin_client.post(
        LIST, {"action": "retry_selected", "_selected_action": [dead.pk]}, follow=True
    )
    assert response.status_code == 200
    dead.refresh_from_db()
    assert dead.status == Status.PENDING and dead.attempts == 0


def test_admin_shows_which_keys_are_blocked_and_why_and_retry_unblocks_them(admin_client):
    first, second, third = (put("dossier.received", KEY, n) for n in (1, 2, 3))
    kill(first, "HTTP 422: thiếu trường MaTTHC")
    independent = put("dossier.received", "000.00.00.H40-260302-0008", 1)

    page = admin_client.get(LIST)
    text = page.content.decode()
    # The filter counts both kinds of trouble, and a warning names the blocked key.
    assert "Gửi lỗi, dừng thử lại (1)" in text and "Bị chặn sau bản tin lỗi cùng khóa (2)" in text
    [warning] = [str(m) for m in page.context["messages"]]
    assert "Hàng lỗi: 1 bản tin; bị chặn phía sau: 2 bản tin" in warning and KEY in warning

    blocked = admin_client.get(f"{LIST}?trouble=blocked")
    rows = list(blocked.context["cl"].result_list)
    assert sorted(m.pk for m in rows) == [second.pk, third.pk]
    # Each blocked row names the dead message it waits behind, and that message's error.
    assert f"#{first.pk}: HTTP 422: thiếu trường MaTTHC" in blocked.content.decode()
    assert [m.pk for m in admin_client.get(f"{LIST}?trouble=dead").context["cl"].result_list] == [first.pk]

    # Retrying a blocked message retries the dead one in front of it.
    admin_client.post(LIST, {"action": "retry_selected", "_selected_action": [third.pk]})
    first.refresh_from_db()
    assert (first.status, first.attempts) == (Status.PENDING, 0)
    assert list(admin_client.get(f"{LIST}?trouble=blocked").context["cl"].result_list) == []
    independent.refresh_from_db()
    assert independent.status == Status.PENDING
