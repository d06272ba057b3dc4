"""A real webhook receiver on 127.0.0.1 (http.server in a thread), a settable clock, a worker wired to both."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from motcua.integrations.models import OutboxMessage
from motcua.integrations.outbox import enqueue
from motcua.integrations.transports import Registry, WebhookTransport
from motcua.integrations.worker import OutboxWorker

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
SECRET = "kiểm-thử-khóa-ký-webhook-0123456789"


class Receiver:
    """What the webhook server answers next (FIFO, then `default`) and what it received.

    Answers: an HTTP status; "slow" (wait 1 s, then 200); "echo400" (400 quoting the body back, as careless
    receivers do); "store-then-hang" (keep the message, de-duplicated on its id, then answer too late)."""

    def __init__(self) -> None:
        self.answers: deque = deque()
        self.default: int | str = 200
        self.received: list[dict] = []
        self.stored: dict[str | None, bytes] = {}  # a receiver's own table, keyed by the message id
        self.duplicates = 0
        self.on_receive: Callable[[], None] | None = None
        self.url = ""

    def store(self, message_id: str | None, body: bytes) -> None:
        if message_id in self.stored:
            self.duplicates += 1
        else:
            self.stored[message_id] = body


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answer = receiver.answers.popleft() if receiver.answers else receiver.default
            receiver.received.append(
                {"headers": dict(self.headers), "raw": raw, "body": json.loads(raw), "answer": answer}
            )
            if receiver.on_receive is not None:
                receiver.on_receive()
            if answer in (200, "store-then-hang"):  # a receiver keeps what it accepts, once per message id
                receiver.store(self.headers.get("X-Motcua-Message-Id"), raw)
            text = f"answer {answer}".encode()
            if answer == "slow":
                time.sleep(1.0)
                answer = 200
            elif answer == "store-then-hang":
                time.sleep(0.8)  # past the worker's 0.3 s timeout
                answer = 200
            elif answer == "echo400":
                answer, text = 400, b"invalid: " + raw
            try:
                self.send_response(answer)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(text)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the worker stopped waiting (timeout): what this test is about

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
def webhook(receiver, settings):
    """Settings of a configured webhook: the local receiver, a signing secret."""
    settings.OUTBOX_WEBHOOK_URL = receiver.url
    settings.OUTBOX_WEBHOOK_SECRET = SECRET
    return receiver


@pytest.fixture
def worker(webhook, clock):
    registry = Registry()
    registry.register("", WebhookTransport(timeout=0.3))
    return OutboxWorker(registry=registry, clock=clock, rng=random.Random(7), max_attempts=3)


def put(topic: str, key: str, n: int, at: datetime = T0, payload: dict | None = None) -> OutboxMessage:
    with transaction.atomic():
        return enqueue(topic, key, payload or {"n": n, "tên": "Hồ sơ"}, idempotency_key=f"{key}:{n}", at=at)
