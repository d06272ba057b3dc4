"""Outbox worker against a real HTTP server on 127.0.0.1: delivery, back-off, dead letters, per-key order."""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.utils import timezone

from motcua.integrations.models import OutboxMessage
from motcua.integrations.transports import Registry, WebhookTransport
from motcua.integrations.worker import OutboxWorker, backoff, retry_now
from tests.integrations.conftest import SECRET, T0, Clock, put

Status = OutboxMessage.Status


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


@pytest.mark.parametrize("code", [400, 401, 403, 404, 410, 422])
def test_client_error_is_dead_at_once(db, worker, receiver, code):
    message = put("dossier.received", "K1", 1)
    receiver.default = code

    assert worker.run_once().dead == 1
    message.refresh_from_db()
    assert message.status == Status.DEAD and message.attempts == 1
    assert f"HTTP {code}" in message.last_error and f"answer {code}" in message.last_error


@pytest.mark.parametrize("code", [408, 409, 425, 429])
def test_answers_that_may_succeed_later_are_retried(db, worker, receiver, code):
    # Timeout, conflict (the receiver still storing the same message id), too early, rate limit.
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
    settings.OUTBOX_WEBHOOK_SECRET = SECRET
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


class Parked:
    """A transport that cannot run (its configuration is missing)."""

    name = "parked"
    timeout = 1

    def unavailable_reason(self):
        return "chưa cấu hình"

    def deliver(self, message):  # pragma: no cover - never called
        raise AssertionError("an unavailable transport was asked to deliver")


def test_messages_of_an_unavailable_transport_do_not_starve_the_others(db, webhook, clock):
    registry = Registry()
    registry.register("", WebhookTransport(timeout=0.3))
    registry.register("notify.sms", Parked())
    registry.register("notify.sms.urgent", WebhookTransport(timeout=0.3))  # a longer prefix that can run
    parked = [put("notify.sms", f"sms:{n}", n) for n in range(6)]  # older than the rest, a full batch
    put("dossier.status", "A", 1)
    put("notify.sms.urgent", "B", 1)
    said: list[str] = []
    worker = OutboxWorker(registry=registry, clock=clock, batch=5, say=said.append)

    assert worker.run_once().delivered == 2

    assert sorted(r["body"]["key"] for r in webhook.received) == ["A", "B"]
    assert all(
        m.status == Status.PENDING and m.attempts == 0
        for m in OutboxMessage.objects.filter(pk__in=[m.pk for m in parked])
    )
    assert said == ["Kênh gửi parked: chưa cấu hình."]


def test_registry_uses_the_longest_prefix():
    registry = Registry()
    general, special = WebhookTransport(url="http://a"), WebhookTransport(url="http://b")
    registry.register("", general)
    registry.register("dossier.", special)
    assert registry.resolve("dossier.received") is special
    assert registry.resolve("feedback.new") is general


def test_command_once(db, webhook, capsys):
    put("dossier.received", "A", 1, at=timezone.now() - timedelta(seconds=1))

    call_command("outbox_worker", "--once")

    assert "Đã gửi 1" in capsys.readouterr().out
    assert OutboxMessage.objects.get().status == Status.DELIVERED


@pytest.mark.parametrize("args", [["--batch", "0"], ["--sleep", "-1"]])
def test_command_rejects_bad_options_with_status_2(db, args):
    with pytest.raises(CommandError) as excinfo:
        call_command("outbox_worker", "--once", *args)
    assert excinfo.value.returncode == 2


# -- leases: two workers, a slow receiver ---------------------------------------------------------------------


class SlowTransport:
    """Every send takes 50 s of the shared clock, like a receiver answering near its timeout."""

    name = "slow"

    def __init__(self, clock, sent: list, during=None):
        self.clock, self.sent, self.during = clock, sent, during

    def unavailable_reason(self):
        return None

    def deliver(self, message):
        self.sent.append(message.idempotency_key)
        self.clock.advance(seconds=50)
        if self.during is not None:
            self.during(len(self.sent))


def test_a_slow_batch_does_not_let_a_second_worker_send_the_same_message(db, clock):
    for n in range(1, 6):
        put("dossier.received", f"K{n}", 1)
    sent: list[str] = []
    fast, slow = Registry(), Registry()
    fast.register("", SlowTransport(Clock(), sent))  # its own clock: sends take no time
    second = OutboxWorker(registry=fast, clock=clock)

    def meanwhile(count):
        # While the first worker is on its third message, 150 s after claiming five with a 2-minute lease,
        # a second worker comes round and takes whatever is due.
        if count == 3:
            second.run_once()

    slow.register("", SlowTransport(clock, sent, during=meanwhile))
    first = OutboxWorker(registry=slow, clock=clock)

    stats = first.run_once()

    assert Counter(sent) == {f"K{n}:1": 1 for n in range(1, 6)}  # each message sent exactly once
    assert (stats.delivered, stats.lost_lease) == (3, 2)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.DELIVERED}


# -- prompt shutdown ------------------------------------------------------------------------------------------


def test_stop_between_messages_finishes_the_one_in_flight_and_gives_back_the_rest(
    db, worker, receiver, clock
):
    for n in range(1, 6):
        put("dossier.received", f"K{n}", 1)
    stop = threading.Event()
    receiver.on_receive = stop.set  # asked to stop while the first message is in flight

    stats = worker.run_once(stop)

    assert stats.delivered == 1 and len(receiver.received) == 1
    rest = OutboxMessage.objects.filter(status=Status.PENDING)
    assert rest.count() == 4
    # Their leases are given back: another worker can take them at once, and no attempt was spent.
    assert {(m.attempts, m.next_attempt_at) for m in rest} == {(0, clock.now)}
    assert len(OutboxWorker(registry=worker.registry, clock=clock).claim()) == 4


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals: main thread")
def test_sigterm_stops_the_worker_command_after_the_message_in_flight(transactional_db, webhook, capsys):
    before = signal.getsignal(signal.SIGTERM)
    for n in range(1, 21):
        put("dossier.received", f"K{n}", 1, at=timezone.now() - timedelta(seconds=1))
    # The receiver's host gets SIGTERM (systemd stopping the service) while the first delivery is in flight.
    webhook.on_receive = lambda: len(webhook.received) == 1 and os.kill(os.getpid(), signal.SIGTERM)

    call_command("outbox_worker", "--sleep", "0.1")

    assert len(webhook.received) == 1
    assert OutboxMessage.objects.filter(status=Status.DELIVERED).count() == 1
    assert OutboxMessage.objects.filter(status=Status.PENDING, attempts=0).count() == 19
    assert capsys.readouterr().out.endswith("Đã dừng.\n")
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is the command's only while it runs


# -- database trouble -----------------------------------------------------------------------------------------


def test_a_database_error_does_not_end_the_worker_loop(transactional_db, webhook, caplog):
    message = put("dossier.received", "K1", 1, at=timezone.now() - timedelta(seconds=1))
    failures = iter(range(3))

    def flaky(execute, sql, params, many, context):
        # The connection drops three times in a row; the error text quotes a row, as drivers' texts do.
        if next(failures, None) is not None:
            raise OperationalError("server closed the connection unexpectedly: Nguyễn Văn An")
        return execute(sql, params, many, context)

    stop = threading.Event()
    webhook.on_receive = stop.set
    guard = threading.Timer(20, stop.set)  # never hang the suite if the worker does not get through
    guard.start()
    try:
        with caplog.at_level(logging.WARNING, logger="motcua.integrations.worker"):
            with connection.execute_wrapper(flaky):
                OutboxWorker(db_retry=timedelta(milliseconds=5)).run_forever(sleep=0.05, stop=stop)
    finally:
        guard.cancel()

    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    trouble = [r.getMessage() for r in caplog.records if "OperationalError" in r.getMessage()]
    assert len(trouble) == 3 and "lần 3 liên tiếp" in trouble[2]
    assert "Nguyễn" not in caplog.text


def test_command_once_reports_a_database_error_with_status_2(db, webhook):
    def broken(execute, sql, params, many, context):
        raise OperationalError("could not connect to server")

    with connection.execute_wrapper(broken), pytest.raises(CommandError) as excinfo:
        call_command("outbox_worker", "--once")
    assert excinfo.value.returncode == 2 and "OperationalError" in str(excinfo.value)


# -- visible failures -----------------------------------------------------------------------------------------


def test_dead_letter_is_logged_with_its_key_and_without_personal_data(db, worker, receiver, caplog):
    message = put(
        "dossier.received", "K1", 1, payload={"ChuHoSo": "Nguyễn Văn An", "SoGiayTo": "040090000123"}
    )
    receiver.default = "echo400"  # the receiver's error quotes the body back

    with caplog.at_level(logging.INFO, logger="motcua.integrations.worker"):
        assert worker.run_once().dead == 1

    [line] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "K1:1" in line.getMessage() and "khóa K1" in line.getMessage() and "HTTP 400" in line.getMessage()
    assert "Nguyễn" not in caplog.text and "040090000123" not in caplog.text
    message.refresh_from_db()
    assert "Nguyễn Văn An" in message.last_error  # the detail stays with the message, for the operator


def test_command_once_reports_dead_and_blocked_messages(db, webhook, capsys):
    at = timezone.now() - timedelta(seconds=1)
    for n in (1, 2, 3):
        put("dossier.received", "000.00.00.H40-260302-0009", n, at=at)
    put("dossier.received", "000.00.00.H40-260302-0010", 1, at=at)
    webhook.answers.append(403)

    call_command("outbox_worker", "--once")

    out = capsys.readouterr().out
    assert "Đã gửi 1, hẹn gửi lại 0, chuyển hàng lỗi 1." in out
    assert (
        "Hàng lỗi: 1 bản tin; bị chặn phía sau: 2 bản tin (khóa bị chặn: 000.00.00.H40-260302-0009)." in out
    )


# -- retention --------------------------------------------------------------------------------------------------


def _aged(now):
    """Delivered 40 and 10 days ago; pending and dead from 90 days ago."""
    rows = {}
    for name, status, days in [
        ("old", Status.DELIVERED, 40),
        ("young", Status.DELIVERED, 10),
        ("pending", Status.PENDING, 90),
        ("dead", Status.DEAD, 90),
    ]:
        at = now - timedelta(days=days)
        rows[name] = put("dossier.received", name, 1, at=at)
        OutboxMessage.objects.filter(pk=rows[name].pk).update(
            status=status, delivered_at=at if status == Status.DELIVERED else None
        )
    return rows


def test_purge_outbox_removes_only_delivered_rows_past_the_retention(db, settings, capsys):
    _aged(timezone.now())

    call_command("purge_outbox")  # MOTCUA_OUTBOX_RETENTION_DAYS: 30 by default
    assert sorted(OutboxMessage.objects.values_list("key", flat=True)) == ["dead", "pending", "young"]
    assert "Đã xoá 1 bản tin" in capsys.readouterr().out

    call_command("purge_outbox", "--days", "5")
    assert sorted(OutboxMessage.objects.values_list("key", flat=True)) == ["dead", "pending"]

    settings.OUTBOX_RETENTION_DAYS = 1
    call_command("purge_outbox")  # never pending or dead rows, however old
    assert OutboxMessage.objects.count() == 2


@pytest.mark.parametrize("days", ["0", "-1", "nan", "1e9"])
def test_purge_outbox_rejects_a_bad_retention_with_status_2(db, days):
    with pytest.raises(CommandError) as excinfo:
        call_command("purge_outbox", "--days", days)
    assert excinfo.value.returncode == 2


def test_worker_loop_purges_delivered_rows_past_the_retention(transactional_db, webhook):
    _aged(timezone.now())
    stop = threading.Event()

    OutboxWorker().run_forever(sleep=0.05, stop=stop, purge=stop.set)  # stops after its first housekeeping

    assert sorted(OutboxMessage.objects.values_list("key", flat=True)) == ["dead", "pending", "young"]
