"""Outbox delivery worker: at-least-once, ordered per key, retried with back-off, dead-lettered.

Claiming is a short transaction that picks due pending messages (oldest first, and only the oldest
undelivered message of each key) and leases them by pushing `next_attempt_at` a few minutes ahead. The
HTTP call then runs outside any transaction, so a slow receiver never holds a database lock (on SQLite a
write transaction locks the whole file). A worker that dies mid-delivery loses only its lease: the message
comes due again and is re-sent with the same Idempotency-Key, which the receiver uses to de-duplicate.

Two workers at once: on PostgreSQL the claim uses SELECT ... FOR UPDATE SKIP LOCKED, on SQLite the
IMMEDIATE transaction serialises claims. A leased message stays `pending`, so it keeps blocking younger
messages of its key in every worker.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import OutboxMessage
from .transports import PermanentError, Registry, RetryableError, Transport
from .transports import registry as default_registry

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
LEASE = timedelta(minutes=2)
PURGE_EVERY = timedelta(hours=1)
Status = OutboxMessage.Status


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """Delay before attempt `attempts + 1`: 30 s x 2^(attempts-1), capped at 1 h, with 'equal jitter'.

    Half the delay is fixed and half random, so receivers coming back after an outage are not hit by every
    message of every worker in the same second, yet no retry comes sooner than half the nominal delay.
    """
    nominal = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
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

    def __iadd__(self, other: RunStats) -> RunStats:
        self.delivered += other.delivered
        self.retried += other.retried
        self.dead += other.dead
        self.lost_lease += other.lost_lease
        return self


class OutboxWorker:
    def __init__(
        self,
        *,
        registry: Registry | None = None,
        clock: Callable[[], datetime] = timezone.now,
        rng: random.Random | None = None,
        batch: int = 50,
        lease: timedelta = LEASE,
        max_attempts: int | None = None,
        say: Callable[[str], None] | None = None,
    ):
        self.registry = registry or default_registry
        self.clock = clock
        self.rng = rng or random.Random()
        self.batch = batch
        self.lease = lease
        self.max_attempts = max_attempts if max_attempts is not None else settings.OUTBOX_MAX_ATTEMPTS
        self.say = say or log.warning
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
        available = [p for p, t in self.registry.items() if t.unavailable_reason() is None]
        if not available:
            for _prefix, transport in self.registry.items():
                self._usable_reason_once(transport)
            return []
        now = self.clock()
        older_open = OutboxMessage.objects.filter(
            key=OuterRef("key"), pk__lt=OuterRef("pk"), status__in=[Status.PENDING, Status.DEAD]
        )
        topics = reduce(or_, (Q(topic__startswith=p) for p in available))
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

    def _usable_reason_once(self, transport: Transport) -> None:
        reason = transport.unavailable_reason()
        if reason:
            self._say_once(f"off:{transport.name}", f"Kênh gửi {transport.name}: {reason}.")

    # -- delivering ---------------------------------------------------------------------------------------------

    def deliver(self, message: OutboxMessage) -> str:
        """Send one leased message and record the outcome: 'delivered', 'retried', 'dead' or 'lost_lease'."""
        transport = self.registry.resolve(message.topic)
        attempts = message.attempts + 1
        error = ""
        outcome = "delivered"
        try:
            if transport is None:
                raise RetryableError(f"no transport for topic {message.topic!r}")
            transport.deliver(message)
        except PermanentError as exc:
            outcome, error = "dead", str(exc)
        except RetryableError as exc:
            outcome, error = ("dead" if attempts >= self.max_attempts else "retried"), str(exc)
        except Exception as exc:  # noqa: BLE001 - a transport bug must cost one attempt, not the worker loop
            log.exception("outbox transport failed on message %s", message.pk)
            outcome = "dead" if attempts >= self.max_attempts else "retried"
            error = f"{type(exc).__name__}: {exc}"
        now = self.clock()
        changes: dict = {"attempts": attempts, "last_error": error[:2000]}
        if outcome == "delivered":
            changes.update(status=Status.DELIVERED, delivered_at=now)
        elif outcome == "dead":
            changes.update(status=Status.DEAD)
        else:
            changes.update(next_attempt_at=now + backoff(attempts, self.rng))
        # The guard on the lease value: if our lease expired and another worker re-claimed the message,
        # its outcome wins and ours is dropped (the receiver de-duplicates by Idempotency-Key anyway).
        updated = OutboxMessage.objects.filter(
            pk=message.pk, status=Status.PENDING, next_attempt_at=message.next_attempt_at
        ).update(**changes)
        if not updated:
            return "lost_lease"
        for field, value in changes.items():
            setattr(message, field, value)
        return outcome

    def run_once(self) -> RunStats:
        """Deliver everything that is due now (including younger messages of a key unblocked on the way)."""
        stats = RunStats()
        while True:
            claimed = self.claim()
            if not claimed:
                return stats
            for message in claimed:
                outcome = self.deliver(message)
                setattr(stats, outcome, getattr(stats, outcome) + 1)

    def run_forever(
        self,
        *,
        sleep: float = 5.0,
        stop: threading.Event | None = None,
        purge: Callable[[], int] | None = None,
    ) -> None:
        stop = stop or threading.Event()
        last_purge: datetime | None = None
        while not stop.is_set():
            close_old_connections()
            stats = self.run_once()
            if stats.handled:
                log.info("outbox: %s", stats)
            if purge is not None and (last_purge is None or self.clock() - last_purge >= PURGE_EVERY):
                purge()
                last_purge = self.clock()
            if not stats.handled:
                stop.wait(sleep)


def retry_now(queryset, *, at: datetime | None = None) -> int:
    """Operator action: make dead or pending messages due immediately, with a fresh attempt budget."""
    return queryset.filter(status__in=[Status.PENDING, Status.DEAD]).update(
        status=Status.PENDING, next_attempt_at=at or timezone.now(), attempts=0
    )
