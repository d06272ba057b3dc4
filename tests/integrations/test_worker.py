"""Outbox worker against a real HTTP server on 127.0.0.1: delivery, back-off, dead letters, per-key order."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from motcua.integrations.models import OutboxMessage
from motcua.integrations.outbox import enqueue
from motcua.integrations.transports import Registry, WebhookTransport
from motcua.integrations.worker import OutboxWorker, backoff, retry_now

Status = OutboxMessage.Status
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội


class Receiver:
    """What the webhook server answers next (FIFO, then `default`) and what it received."""

    def __init__(self) -> None:
        self.answers: deque = deque()
        self.default: int | str = 200
        self.received: list[dict] = []
        self.url = ""


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answer = receiver.answers.popleft() if receiver.answers else receiver.default
            receiver.received.append(
                {"headers": dict(self.headers), "body": json.loads(body), "answer": answer}
            )
            if answer == "slow":
                time.sleep(1.0)
                answer = 200
            self.send_response(answer)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(f"answer {answer}".encode())

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def receiver():
    rec = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(rec))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield rec
    server.shutdown()
    server.server_close()


class Clock:
    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def worker(receiver, clock, settings):
    settings.OUTBOX_WEBHOOK_URL = receiver.url
    registry = Registry()
    registry.register("", WebhookTransport(timeout=0.3))
    return OutboxWorker(registry=registry, clock=clock, rng=random.Random(7), max_attempts=3)


def put(topic: str, key: str, n: int, at: datetime = T0) -> OutboxMessage:
    with transaction.atomic():
        return enqueue(topic, key, {"n": n, "tên": "Hồ sơ"}, idempotency_key=f"{key}:{n}", at=at)


def test_delivers_json_with_idempotency_header(db, worker, receiver):
    message = put("dossier.received", "000.00.00.H40-260302-0001", 1)

    stats = worker.run_once()

    message.refresh_from_db()
    assert (stats.delivered, message.status, message.attempts) == (1, Status.DELIVERED, 1)
    assert message.delivered_at == T0 and message.last_error == ""
    [request] = receiver.received
    assert request["headers"]["Idempotency-Key"] == "000.00.00.H40-260302-0001:1"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["body"]["topic"] == "dossier.received"
    assert request["body"]["key"] == "000.00.00.H40-260302-0001"
    assert request["body"]["payload"] == {"n": 1, "tên": "Hồ sơ"}
    # Nothing left to do: a second pass sends nothing.
    assert worker.run_once().handled == 0
    assert len(receiver.received) == 1


def test_server_error_is_retried_with_backoff(db, worker, receiver, clock):
    message = put("dossier.received", "K1", 1)
    receiver.answers.extend([500])

    assert worker.run_once().retried == 1
    message.refresh_from_db()
    assert message.status == Status.PENDING and message.attempts == 1
    assert "HTTP 500" in message.last_error
    # First retry waits 15-30 s (30 s with equal jitter).
    assert T0 + timedelta(seconds=15) <= message.next_attempt_at <= T0 + timedelta(seconds=30)

    clock.advance(seconds=10)
    assert worker.run_once().handled == 0  # not due yet: nothing sent
    assert len(receiver.received) == 1

    clock.now = message.next_attempt_at
    assert worker.run_once().delivered == 1
    message.refresh_from_db()
    assert message.status == Status.DELIVERED and message.attempts == 2
    assert [r["headers"]["Idempotency-Key"] for r in receiver.received] == ["K1:1", "K1:1"]


def test_backoff_doubles_and_is_capped():
    rng = random.Random(1)
    for attempts, nominal in [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (20, 3600)]:
        delay = backoff(attempts, rng).total_seconds()
        assert nominal / 2 <= delay <= nominal


def test_dead_after_max_attempts(db, worker, receiver, clock):
    message = put("dossier.received", "K1", 1)
    receiver.default = 503

    for _ in range(5):
        worker.run_once()
        clock.advance(hours=2)

    message.refresh_from_db()
    assert message.status == Status.DEAD and message.attempts == 3
    assert len(receiver.received) == 3
    assert "HTTP 503" in message.last_error


@pytest.mark.parametrize("code", [400, 404, 422])
def test_client_error_is_dead_at_once(db, worker, receiver, code):
    message = put("dossier.received", "K1", 1)
    receiver.default = code

    assert worker.run_once().dead == 1
    message.refresh_from_db()
    assert message.status == Status.DEAD and message.attempts == 1
    assert f"HTTP {code}" in message.last_error and f"answer {code}" in message.last_error


@pytest.mark.parametrize("code", [408, 429])
def test_timeout_and_rate_limit_answers_are_retried(db, worker, receiver, code):
    message = put("dossier.received", "K1", 1)
    receiver.default = code

    assert worker.run_once().retried == 1
    message.refresh_from_db()
    assert message.status == Status.PENDING


def test_slow_receiver_times_out_and_is_retried(db, worker, receiver):
    message = put("dossier.received", "K1", 1)
    receiver.answers.append("slow")

    assert worker.run_once().retried == 1
    message.refresh_from_db()
    assert message.status == Status.PENDING and "timed out" in message.last_error.lower()


def test_connection_refused_is_retried(db, clock, settings):
    settings.OUTBOX_WEBHOOK_URL = "http://127.0.0.1:9/nobody-listens"
    message = put("dossier.received", "K1", 1)

    assert OutboxWorker(clock=clock, rng=random.Random(1)).run_once().retried == 1
    message.refresh_from_db()
    assert message.status == Status.PENDING and message.last_error


def test_order_is_kept_per_key(db, worker, receiver, clock):
    a1, a2 = put("dossier.received", "A", 1), put("dossier.accepted", "A", 2)
    b1 = put("dossier.received", "B", 1)
    receiver.answers.append(500)  # A:1 fails once

    stats = worker.run_once()

    # A:2 waits behind A:1; B is independent.
    assert (stats.delivered, stats.retried) == (1, 1)
    assert [r["headers"]["Idempotency-Key"] for r in receiver.received] == ["A:1", "B:1"]
    a2.refresh_from_db()
    assert a2.status == Status.PENDING and a2.attempts == 0

    clock.advance(minutes=5)
    assert worker.run_once().delivered == 2
    assert [r["headers"]["Idempotency-Key"] for r in receiver.received] == ["A:1", "B:1", "A:1", "A:2"]
    for m in (a1, a2, b1):
        m.refresh_from_db()
        assert m.status == Status.DELIVERED


def test_dead_message_blocks_its_key_until_retried(db, worker, receiver, clock):
    a1, a2 = put("dossier.received", "A", 1), put("dossier.accepted", "A", 2)
    receiver.answers.append(400)

    worker.run_once()
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert a1.status == Status.DEAD and a2.status == Status.PENDING
    clock.advance(hours=3)
    assert worker.run_once().handled == 0

    assert retry_now(OutboxMessage.objects.filter(pk=a1.pk), at=clock.now) == 1
    assert worker.run_once().delivered == 2
    assert [r["headers"]["Idempotency-Key"] for r in receiver.received] == ["A:1", "A:1", "A:2"]


def test_a_claimed_message_is_not_claimed_by_a_second_worker(db, worker, clock):
    put("dossier.received", "A", 1)
    put("dossier.accepted", "A", 2)
    put("dossier.received", "B", 1)
    other = OutboxWorker(registry=worker.registry, clock=clock)

    first = worker.claim()
    second = other.claim()

    assert [m.idempotency_key for m in first] == ["A:1", "B:1"]
    assert second == []  # A:1 and B:1 are leased, A:2 waits behind A:1
    # A lease that runs out makes the message due again (the worker died mid-delivery).
    clock.advance(minutes=3)
    assert [m.idempotency_key for m in other.claim()] == ["A:1", "B:1"]


def test_without_webhook_url_messages_stay_pending_and_it_says_so_once(db, clock, settings):
    settings.OUTBOX_WEBHOOK_URL = ""
    said: list[str] = []
    message = put("dossier.received", "A", 1)
    worker = OutboxWorker(clock=clock, say=said.append)

    assert worker.run_once().handled == 0
    assert worker.run_once().handled == 0

    message.refresh_from_db()
    assert message.status == Status.PENDING and message.attempts == 0 and message.next_attempt_at == T0
    assert len(said) == 1 and "MOTCUA_OUTBOX_WEBHOOK_URL" in said[0]


def test_registry_uses_the_longest_prefix():
    registry = Registry()
    general, special = WebhookTransport(url="http://a"), WebhookTransport(url="http://b")
    registry.register("", general)
    registry.register("dossier.", special)
    assert registry.resolve("dossier.received") is special
    assert registry.resolve("feedback.new") is general


def test_command_once(db, receiver, settings, capsys):
    settings.OUTBOX_WEBHOOK_URL = receiver.url
    put("dossier.received", "A", 1, at=timezone.now() - timedelta(seconds=1))

    call_command("outbox_worker", "--once")

    assert "Đã gửi 1" in capsys.readouterr().out
    assert OutboxMessage.objects.get().status == Status.DELIVERED


@pytest.mark.parametrize("args", [["--batch", "0"], ["--sleep", "-1"]])
def test_command_rejects_bad_options_with_status_2(db, args):
    with pytest.raises(CommandError) as excinfo:
        call_command("outbox_worker", "--once", *args)
    assert excinfo.value.returncode == 2


def test_admin_lists_dead_messages_and_retries_them(db, client):
    admin = get_user_model().objects.create_superuser("root", password=None)  # no hashing: fast
    client.force_login(admin)
    dead = put("dossier.received", "A", 1)
    OutboxMessage.objects.filter(pk=dead.pk).update(
        status=Status.DEAD, attempts=8, last_error="HTTP 400: bad"
    )

    page = client.get("/admin/integrations/outboxmessage/?status__exact=dead")
    assert page.status_code == 200 and "HTTP 400: bad" in page.content.decode()

    response = client.post(
        "/admin/integrations/outboxmessage/",
        {"action": "retry_selected", "_selected_action": [dead.pk]},
        follow=True,
    )
    assert response.status_code == 200
    dead.refresh_from_db()
    assert dead.status == Status.PENDING and dead.attempts == 0
