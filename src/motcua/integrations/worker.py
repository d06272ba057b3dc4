"""Outbox delivery worker: at-least-once, ordered per key, retried with back-off, dead-lettered.

Claiming is a short transaction that picks due pending messages (oldest first, and only the oldest
undelivered message of each key) and leases them by pushing `next_attempt_at` ahead. Just before each send
the worker renews that message's lease with a statement guarded by the lease value it holds: a message whose
lease ran out while earlier ones of the batch were being sent, and that another worker took over, is skipped
instead of being sent again. The HTTP call runs outside any transaction, so a slow receiver never holds a
database lock (on SQLite a write transaction locks the whole file). A worker that dies mid-delivery loses
only its lease: the message comes due again and is re-sent with the same message id (Idempotency-Key),
which the receiver uses to de-duplicate.

Two workers at once: on PostgreSQL the claim uses SELECT ... FOR UPDATE SKIP LOCKED, on SQLite the
IMMEDIATE transaction serialises claims. A leased message stays `pending`, so it keeps blocking younger
messages of its key in every worker.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import Error as DatabaseError
from django.db import close_old_connections, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from .models import OutboxMessage
from .selectors import queue_status
from .transports import (
    BatchResult,
    DeliveryError,
    PermanentError,
    Registry,
    RetryableError,
    Transport,
)
from .transports import registry as default_registry

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(hours=1)
PURGE_CHUNK = 2000
DB_RETRY_BASE = timedelta(seconds=1)
DB_RETRY_CAP = timedelta(minutes=1)
Status = OutboxMessage.Status


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """Delay before attempt `attempts + 1`: base x 2^(attempts-1), capped, with 'equal jitter' (base 30 s
    and cap 1 h unless MOTCUA_OUTBOX_BACKOFF_BASE / _CAP say otherwise).

    Half the delay is fixed and half random, so receivers coming back after an outage are not hit by every
    message of every worker in the same second, yet no retry comes sooner than half the nominal delay.
    """
    base = timedelta(seconds=settings.OUTBOX_BACKOFF_BASE)
    cap = timedelta(seconds=settings.OUTBOX_BACKOFF_CAP)
    nominal = min(cap, base * (2 ** min(max(0, attempts - 1), 40)))
    return nominal / 2 + nominal / 2 * rng.random()


@dataclass
class RunStats:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    lost_lease: int = 0

    @property
    def handled(self) -> int:
        return self.delivered + self.retried + self.dead

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __iadd__(self, other: RunStats) -> RunStats:
        self.delivered += other.delivered
        self.retried += other.retried
        self.dead += other.dead
        self.lost_lease += other.lost_lease
        return self


def _stopped(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()


class OutboxWorker:
    def __init__(
        self,
        *,
        registry: Registry | None = None,
        clock: Callable[[], datetime] = timezone.now,
        rng: random.Random | None = None,
        batch: int = 50,
        lease: timedelta | None = None,
        max_attempts: int | None = None,
        say: Callable[[str], None] | None = None,
        db_retry: timedelta = DB_RETRY_BASE,
    ):
        self.registry = registry or default_registry
        self.clock = clock
        self.rng = rng or random.Random()
        self.batch = batch
        self.lease = lease if lease is not None else timedelta(seconds=settings.OUTBOX_LEASE)
        self.max_attempts = max_attempts if max_attempts is not None else settings.OUTBOX_MAX_ATTEMPTS
        self.say = say or log.warning
        self.db_retry = db_retry
        self._said: set[str] = set()

    def _say_once(self, key: str, text: str) -> None:
        if key not in self._said:
            self._said.add(key)
            self.say(text)

    # -- claiming ---------------------------------------------------------------------------------------------

    def _usable(self, topic: str) -> Transport | None:
        transport = self.registry.resolve(topic)
        if transport is None:
            self._say_once(
                f"none:{topic}", f"Không có kênh gửi cho chủ đề {topic!r}; bản tin được giữ chờ gửi."
            )
            return None
        reason = transport.unavailable_reason()
        if reason:
            self._say_once(f"off:{transport.name}", f"Kênh gửi {transport.name}: {reason}.")
            return None
        return transport

    def claim(self) -> list[OutboxMessage]:
        """Lease up to `batch` deliverable messages: due, pending, oldest undelivered of their key."""
        topics = self._deliverable()
        if topics is None:
            return []
        now = self.clock()
        older_open = OutboxMessage.objects.filter(
            key=OuterRef("key"), pk__lt=OuterRef("pk"), status__in=[Status.PENDING, Status.DEAD]
        )
        qs = (
            OutboxMessage.objects.filter(topics, status=Status.PENDING, next_attempt_at__lte=now)
            .exclude(Exists(older_open))
            .order_by("pk")
        )
        features = connection.features
        with transaction.atomic():
            if features.has_select_for_update:
                qs = qs.select_for_update(skip_locked=features.has_select_for_update_skip_locked)
            rows = [m for m in qs[: self.batch] if self._usable(m.topic) is not None]
            until = now + self.lease
            OutboxMessage.objects.filter(pk__in=[m.pk for m in rows]).update(next_attempt_at=until)
        for m in rows:
            m.next_attempt_at = until
        return rows

    def _deliverable(self) -> Q | None:
        """The topics whose transport (the one of their longest registered prefix) can run now, or None.

        A topic under an unusable transport is left out of the claim altogether: were it only dropped after
        the claim, a batch of such messages would fill every claim and starve the other transports."""
        prefixes = self.registry.items()
        usable = []
        for prefix, transport in prefixes:
            if transport.unavailable_reason() is None:
                usable.append(prefix)
            elif not getattr(transport, "quiet", False):
                # A transport marked `quiet` is an optional connection that is off until configured (the
                # national portal): its messages wait without a word in every worker's log.
                self._usable_reason_once(transport)
        if not usable:
            return None
        parts = []
        for prefix in usable:
            part = Q(topic__startswith=prefix)
            for longer, _transport in prefixes:
                if len(longer) > len(prefix) and longer.startswith(prefix):
                    part &= ~Q(topic__startswith=longer)
            parts.append(part)
        return reduce(or_, parts)

    def _usable_reason_once(self, transport: Transport) -> None:
        reason = transport.unavailable_reason()
        if reason:
            self._say_once(f"off:{transport.name}", f"Kênh gửi {transport.name}: {reason}.")

    def _held(self, message: OutboxMessage):
        """The row as long as this worker's lease on it holds (the guard of every later write)."""
        return OutboxMessage.objects.filter(
            pk=message.pk, status=Status.PENDING, next_attempt_at=message.next_attempt_at
        )

    def lease_for(self, transport: Transport | None, calls: int = 1) -> timedelta:
        # A renewed lease must outlast the sends: at least twice the transport's timeout per call, plus a
        # margin (30 s, or the lease itself when it is shorter: tests that kill workers use short leases).
        timeout = getattr(transport, "timeout", 0) or 0
        margin = min(self.lease, timedelta(seconds=30))
        return max(self.lease, timedelta(seconds=2 * timeout * calls) + margin)

    def renew(self, message: OutboxMessage, transport: Transport | None) -> bool:
        """Extend the lease on `message` just before sending it; False if another worker took it over."""
        until = self.clock() + self.lease_for(transport)
        if not self._held(message).update(next_attempt_at=until):
            return False
        message.next_attempt_at = until
        return True

    def release(self, messages: Iterable[OutboxMessage]) -> None:
        """Give back the leases of messages not sent (shutdown): they are due again at once."""
        by_lease: dict[datetime, list[int]] = defaultdict(list)
        for m in messages:
            by_lease[m.next_attempt_at].append(m.pk)
        now = self.clock()
        for until, pks in by_lease.items():
            OutboxMessage.objects.filter(pk__in=pks, status=Status.PENDING, next_attempt_at=until).update(
                next_attempt_at=now
            )

    # -- delivering ---------------------------------------------------------------------------------------------

    def deliver(self, message: OutboxMessage) -> str:
        """Send one leased message and record the outcome: 'delivered', 'retried', 'dead' or 'lost_lease'."""
        transport = self.registry.resolve(message.topic)
        if not self.renew(message, transport):
            return "lost_lease"
        attempts = message.attempts + 1
        outcome, error = self._attempt(transport, message, attempts)
        outcome = self._record(message, attempts, outcome, error)
        # A transport that keeps its own record of deliveries (the applicant's notices) hears the outcome.
        recorded = getattr(transport, "recorded", None)
        if recorded is not None and outcome != "lost_lease":
            recorded(message, outcome, error)
        return outcome

    def _retry_or_dead(self, attempts: int) -> str:
        return "dead" if attempts >= self.max_attempts else "retried"

    def _attempt(
        self, transport: Transport | None, message: OutboxMessage, attempts: int
    ) -> tuple[str, DeliveryError | None]:
        try:
            if transport is None:
                raise RetryableError(f"no transport for topic {message.topic!r}")
            transport.deliver(message)
        except PermanentError as exc:
            return "dead", exc
        except RetryableError as exc:
            return self._retry_or_dead(attempts), exc
        except Exception as exc:  # noqa: BLE001 - a transport bug must cost one attempt, not the worker loop
            # The exception's text may quote the payload: it goes to last_error, the log gets its class only.
            return self._retry_or_dead(attempts), RetryableError(type(exc).__name__, str(exc))
        return "delivered", None

    def _record(
        self, message: OutboxMessage, attempts: int, outcome: str, error: DeliveryError | None
    ) -> str:
        now = self.clock()
        changes: dict = {"attempts": attempts, "last_error": error.full[:2000] if error else ""}
        if outcome == "delivered":
            changes.update(status=Status.DELIVERED, delivered_at=now)
        elif outcome == "dead":
            changes.update(status=Status.DEAD)
        else:
            changes.update(next_attempt_at=now + backoff(attempts, self.rng))
        # The guard on the lease value: if our lease expired and another worker re-claimed the message,
        # its outcome wins and ours is dropped (the receiver de-duplicates by message id anyway).
        if not self._held(message).update(**changes):
            return "lost_lease"
        for field, value in changes.items():
            setattr(message, field, value)
        _report(message, outcome, error)
        return outcome

    def run_once(self, stop: threading.Event | None = None) -> RunStats:
        """Deliver everything that is due now (including younger messages of a key unblocked on the way).
        When `stop` is set, return after the message in flight and give back the leases of the rest."""
        stats = RunStats()
        while not _stopped(stop):
            claimed = self.claim()
            if not claimed:
                break
            batches: dict[int, list[OutboxMessage]] = defaultdict(list)
            singles: list[OutboxMessage] = []
            for message in claimed:
                transport = self.registry.resolve(message.topic)
                if transport is not None and hasattr(transport, "deliver_many"):
                    batches[id(transport)].append(message)
                else:
                    singles.append(message)
            # Batching transports first (one call carries many messages), then the single sends in order.
            pending = list(batches.values())
            while pending and not _stopped(stop):
                stats += self.deliver_batch(pending.pop(0))
            if _stopped(stop):
                self.release([m for ms in pending for m in ms] + singles)
                break
            for i, message in enumerate(singles):
                if _stopped(stop):
                    self.release(singles[i:])
                    break
                stats.add(self.deliver(message))
        return stats

    # -- batches ------------------------------------------------------------------------------------------------

    def _renew_many(self, messages: list[OutboxMessage], until: datetime) -> list[OutboxMessage]:
        """Extend the leases of a batch with guarded bulk updates; the messages this worker still holds."""
        by_lease: dict[datetime, list[OutboxMessage]] = defaultdict(list)
        for m in messages:
            by_lease[m.next_attempt_at].append(m)
        held: list[OutboxMessage] = []
        with transaction.atomic():
            for lease, group in by_lease.items():
                guard = OutboxMessage.objects.filter(
                    pk__in=[m.pk for m in group], status=Status.PENDING, next_attempt_at=lease
                )
                if connection.features.has_select_for_update:
                    guard = guard.select_for_update()
                still = set(guard.values_list("pk", flat=True))
                if still:
                    OutboxMessage.objects.filter(
                        pk__in=still, status=Status.PENDING, next_attempt_at=lease
                    ).update(next_attempt_at=until)
                held += [m for m in group if m.pk in still]
        for m in held:
            m.next_attempt_at = until
        return held

    def deliver_batch(self, messages: list[OutboxMessage]) -> RunStats:
        """Send leased messages of one batching transport through its `deliver_many` and record every
        outcome in a few bulk statements (one per outcome and attempt count), in one transaction with the
        transport's own writes (`BatchResult.commit`)."""
        stats = RunStats()
        transport = self.registry.resolve(messages[0].topic)
        calls = 3 + len(messages) // max(1, getattr(transport, "batch", 0) or len(messages))
        held = self._renew_many(messages, self.clock() + self.lease_for(transport, calls))
        stats.lost_lease += len(messages) - len(held)
        if not held:
            return stats
        try:
            result = transport.deliver_many(held)
        except Exception as exc:  # noqa: BLE001 - a transport bug costs the batch one attempt, not the loop
            result = BatchResult({m.pk: RetryableError(type(exc).__name__, str(exc)) for m in held})
        now = self.clock()
        lease = held[0].next_attempt_at
        with transaction.atomic():
            guard = OutboxMessage.objects.filter(
                pk__in=[m.pk for m in held], status=Status.PENDING, next_attempt_at=lease
            )
            if connection.features.has_select_for_update:
                guard = guard.select_for_update()
            still = set(guard.values_list("pk", flat=True))
            # The portal's acknowledgements are facts whoever holds the lease now: they are always written.
            if result.commit is not None:
                result.commit()
            delivered = [m for m in held if m.pk in still and m.pk not in result.errors]
            if delivered:
                OutboxMessage.objects.filter(pk__in=[m.pk for m in delivered]).update(
                    status=Status.DELIVERED, delivered_at=now, attempts=F("attempts") + 1, last_error=""
                )
            failed: dict[tuple[int, str], list[OutboxMessage]] = defaultdict(list)
            for m in held:
                if m.pk in still and m.pk in result.errors:
                    error = result.errors[m.pk]
                    attempts = m.attempts + 1
                    dead = isinstance(error, PermanentError) or attempts >= self.max_attempts
                    failed[(attempts, "dead" if dead else "retried", error.full[:2000])].append(m)
            updates = []
            for (attempts, outcome, text), group in failed.items():
                changes: dict = {"attempts": attempts, "last_error": text}
                if outcome == "dead":
                    changes["status"] = Status.DEAD
                else:
                    changes["next_attempt_at"] = now + backoff(attempts, self.rng)
                OutboxMessage.objects.filter(pk__in=[m.pk for m in group]).update(**changes)
                updates.append((outcome, changes, group))
        for m in delivered:
            m.status, m.delivered_at, m.attempts, m.last_error = Status.DELIVERED, now, m.attempts + 1, ""
        stats.delivered += len(delivered)
        for outcome, changes, group in updates:
            for m in group:
                for field, value in changes.items():
                    setattr(m, field, value)
                _report(m, outcome, result.errors[m.pk])
            stats.dead += len(group) if outcome == "dead" else 0
            stats.retried += len(group) if outcome == "retried" else 0
        stats.lost_lease += len(held) - len(still)
        return stats

    # -- the loop -----------------------------------------------------------------------------------------------

    def run_forever(
        self,
        *,
        sleep: float = 5.0,
        stop: threading.Event | None = None,
        purge: Callable[[], int] | None = None,
    ) -> None:
        """Deliver until `stop` is set; a database error costs a pause, never the loop."""
        stop = stop or threading.Event()
        failures = 0
        last_housekeeping: datetime | None = None
        while not stop.is_set():
            try:
                close_old_connections()
                stats = self.run_once(stop)
                last_housekeeping = self._housekeeping(last_housekeeping, purge)
            except DatabaseError as exc:
                failures += 1
                stop.wait(self._db_trouble(exc, failures))
                continue
            failures = 0
            if stats.handled:
                log.info("outbox: %s", stats)
            else:
                stop.wait(sleep)

    def _housekeeping(self, last: datetime | None, purge: Callable[[], int] | None) -> datetime | None:
        """Hourly: purge delivered rows past their retention (and what `purge` removes), report dead letters."""
        now = self.clock()
        if last is not None and now - last < PURGE_EVERY:
            return last
        removed = purge_delivered(now=now)
        if removed:
            log.info("outbox: đã xoá %d bản tin đã gửi quá hạn lưu", removed)
        if purge is not None:
            purge()
        status = queue_status()
        if status.dead:
            log.error(
                "outbox: %s Xem trang quản trị, lọc 'Bị chặn' / 'Gửi lỗi', và gửi lại.", status.describe()
            )
        return now

    def _db_trouble(self, exc: DatabaseError, failures: int) -> float:
        """Log a database error (its class and code only: its text may quote row values), drop the
        connection so the next round opens a fresh one, and say how long to wait."""
        delay = min(DB_RETRY_CAP, self.db_retry * 2 ** min(failures - 1, 16)).total_seconds()
        cause = exc.__cause__
        code = getattr(cause, "sqlstate", None) or getattr(cause, "sqlite_errorname", None)
        log.warning(
            "outbox: lỗi cơ sở dữ liệu %s%s (lần %d liên tiếp); mở lại kết nối sau %.1f s",
            type(exc).__name__,
            f" [{code}]" if code else "",
            failures,
            delay,
        )
        with suppress(DatabaseError):
            connection.close()
        return delay


def _report(message: OutboxMessage, outcome: str, error: DeliveryError | None) -> None:
    # Key and id are dossier codes, the error a status or an error class: no personal data in the log.
    if outcome == "dead":
        log.error(
            "outbox: bản tin %s (khóa %s) chuyển hàng lỗi sau %d lần gửi: %s. Các bản tin sau của khóa này "
            "bị chặn đến khi bản tin này được gửi lại (trang quản trị: Gửi lại ngay).",
            message.idempotency_key,
            message.key,
            message.attempts,
            error,
        )
    elif outcome == "retried":
        log.info(
            "outbox: bản tin %s gửi lỗi lần %d (%s), hẹn gửi lại",
            message.idempotency_key,
            message.attempts,
            error,
        )


def retry_now(queryset, *, at: datetime | None = None) -> int:
    """Operator action: make dead or pending messages due immediately, with a fresh attempt budget."""
    return queryset.filter(status__in=[Status.PENDING, Status.DEAD]).update(
        status=Status.PENDING, next_attempt_at=at or timezone.now(), attempts=0
    )


def purge_delivered(*, older_than: timedelta | None = None, now: datetime | None = None) -> int:
    """Delete delivered messages older than the retention (MOTCUA_OUTBOX_RETENTION_DAYS), never pending or
    dead ones. In chunks, so that no one statement holds the table (on SQLite: the file) for long."""
    if older_than is None:
        older_than = timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    if older_than <= timedelta(0):
        raise ValueError("the retention of delivered outbox messages must be positive")
    old = OutboxMessage.objects.filter(
        status=Status.DELIVERED, delivered_at__lt=(now or timezone.now()) - older_than
    ).order_by()
    removed = 0
    while pks := list(old.values_list("pk", flat=True)[:PURGE_CHUNK]):
        removed += OutboxMessage.objects.filter(pk__in=pks, status=Status.DELIVERED).delete()[0]
    return removed
