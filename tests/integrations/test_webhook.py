"""The webhook as a receiver sees it: a stable message id to de-duplicate on, an HMAC signature it can check,
and personal data sent only over https."""

from __future__ import annotations

import hashlib
import hmac
import random
import time

import pytest

from motcua.integrations.models import OutboxMessage
from motcua.integrations.transports import Registry, WebhookTransport
from motcua.integrations.worker import OutboxWorker
from tests.integrations.conftest import SECRET, put

Status = OutboxMessage.Status
CODE = "000.00.00.H40-260302-0001"


def test_retry_after_a_timeout_carries_the_same_message_id_so_the_receiver_keeps_one_copy(
    db, worker, receiver, clock
):
    # The receiver stores the message, then answers after the worker gave up waiting: the worker must
    # send it again (it cannot know), and the receiver must be able to tell that it already has it.
    message = put("dossier.received", CODE, 3)
    receiver.answers.extend(["store-then-hang", 200])

    assert worker.run_once().retried == 1
    clock.now = OutboxMessage.objects.get(pk=message.pk).next_attempt_at
    assert worker.run_once().delivered == 1

    first, second = receiver.received
    for request in (first, second):
        assert request["headers"]["X-Motcua-Message-Id"] == f"{CODE}:3"
        assert request["headers"]["Idempotency-Key"] == f"{CODE}:3"
        assert request["body"]["message_id"] == f"{CODE}:3"
    assert first["raw"] == second["raw"]  # the very same bytes on every retry
    # The receiver kept one copy: it recognised the second by its id.
    assert list(receiver.stored) == [f"{CODE}:3"] and receiver.duplicates == 1


def _verify(header: str, raw: bytes, secret: str) -> int:
    """A receiver's check, written from the documentation (README, ADR 0005), not from the sender's code."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    return int(parts["t"])


def test_every_delivery_is_signed_with_hmac_over_the_exact_body(db, worker, receiver):
    put("dossier.received", CODE, 1, payload={"ChuHoSo": "Nguyễn Văn An"})

    before = int(time.time())
    assert worker.run_once().delivered == 1

    [request] = receiver.received
    header = request["headers"]["X-Motcua-Signature"]
    assert before - 1 <= _verify(header, request["raw"], SECRET) <= time.time() + 1
    with pytest.raises(AssertionError):  # a changed body, or another key, does not verify
        _verify(header, request["raw"].replace(b"An", b"Am"), SECRET)
    with pytest.raises(AssertionError):
        _verify(header, request["raw"], SECRET + "x")


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.gov.vn/motcua",
        "http://10.0.0.5/hook",
        "ftp://hooks.example.gov.vn/x",
        "file:///tmp/x",
    ],
)
def test_personal_data_is_not_sent_over_plain_http_outside_development(db, settings, clock, url):
    settings.OUTBOX_WEBHOOK_URL, settings.OUTBOX_WEBHOOK_SECRET = url, SECRET
    message = put("dossier.received", CODE, 1)
    said: list[str] = []

    assert OutboxWorker(clock=clock, say=said.append).run_once().handled == 0

    message.refresh_from_db()
    assert (message.status, message.attempts, message.next_attempt_at) == (Status.PENDING, 0, clock.now)
    assert len(said) == 1 and "https" in said[0] and "MOTCUA_OUTBOX_WEBHOOK_URL" in said[0]


@pytest.mark.parametrize(
    ("url", "debug", "usable"),
    [
        ("https://hooks.example.gov.vn/motcua", False, True),
        ("http://127.0.0.1:8080/hook", False, True),
        ("http://localhost/hook", False, True),
        ("http://[::1]/hook", False, True),
        ("http://hooks.example.gov.vn/motcua", True, True),  # MOTCUA_DEBUG=1
        ("http://hooks.example.gov.vn/motcua", False, False),
        ("file:///etc/passwd", True, False),
        ("https:///no-host", False, False),
    ],
)
def test_plain_http_only_for_this_machine_or_in_debug(settings, url, debug, usable):
    settings.DEBUG, settings.OUTBOX_WEBHOOK_SECRET = debug, SECRET
    assert (WebhookTransport(url=url).unavailable_reason() is None) is usable


def test_without_a_secret_nothing_is_sent_outside_debug(db, webhook, settings, clock):
    settings.OUTBOX_WEBHOOK_SECRET = ""
    message = put("dossier.received", CODE, 1)
    registry = Registry()
    registry.register("", WebhookTransport(timeout=0.3))
    said: list[str] = []

    assert OutboxWorker(registry=registry, clock=clock, say=said.append).run_once().handled == 0
    message.refresh_from_db()
    assert message.status == Status.PENDING and message.attempts == 0 and webhook.received == []
    assert len(said) == 1 and "MOTCUA_OUTBOX_WEBHOOK_SECRET" in said[0]

    # In development it is sent, unsigned (there is nothing to sign with).
    settings.DEBUG = True
    worker = OutboxWorker(registry=registry, clock=clock, rng=random.Random(1))
    assert worker.run_once().delivered == 1
    assert "X-Motcua-Signature" not in webhook.received[0]["headers"]
