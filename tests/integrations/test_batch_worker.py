"""The worker's batch path (`deliver_many`): whole-batch leases, outcomes recorded in bulk, a failed batch retried
whole, dead letters after the attempt budget, and statements that do not grow with the batch."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.integrations.models import OutboxMessage
from motcua.integrations.transports import BatchResult, Registry, RetryableError
from motcua.integrations.worker import OutboxWorker

from .conftest import put

Status = OutboxMessage.Status


class Batcher:
    """Accepts every message but those whose key is in `refuse`; `down` fails the whole batch."""

    name = "batcher"
    batch = 100

    def __init__(self):
        self.calls: list[list[str]] = []
        self.refuse: set[str] = set()
        self.down = False
        self.committed: list[int] = []

    def unavailable_reason(self):
        return None

    def deliver_many(self, messages):
        self.calls.append([m.key for m in messages])
        if self.down:
            error = RetryableError("HTTP 503")
            return BatchResult({m.pk: error for m in messages})
        errors = {m.pk: RetryableError("refused") for m in messages if m.key in self.refuse}
        ok = [m.pk for m in messages if m.pk not in errors]
        return BatchResult(errors, lambda: self.committed.extend(ok))


@pytest.fixture
def batcher():
    return Batcher()


def worker_for(batcher, clock, **kw):
    registry = Registry()
    registry.register("bulk.", batcher)
    return OutboxWorker(registry=registry, clock=clock, rng=random.Random(1), batch=500, **kw)


def statements(batcher, clock, n: int) -> int:
    OutboxMessage.objects.all().delete()
    for i in range(n):
        put("bulk.x", f"K{n}-{i}", 1)
    batcher.refuse = {f"K{n}-{i}" for i in range(0, n, 3)}
    with CaptureQueriesContext(connection) as captured:
        stats = worker_for(batcher, clock).run_once()
    assert stats.delivered == n - len(batcher.refuse) and stats.retried == len(batcher.refuse)
    return len(captured)


def test_outcomes_are_recorded_in_bulk_and_statements_do_not_grow(db, batcher, clock):
    assert statements(batcher, clock, 10) == statements(batcher, clock, 60)
    assert len(batcher.calls[-1]) == 60, "one call for the whole batch"
    delivered = OutboxMessage.objects.filter(status=Status.DELIVERED)
    assert sorted(batcher.committed[-40:]) == sorted(delivered.values_list("pk", flat=True))
    retried = OutboxMessage.objects.filter(status=Status.PENDING).get(key="K60-0")
    assert retried.attempts == 1 and retried.last_error == "refused" and retried.next_attempt_at > clock.now


def test_a_failed_batch_is_retried_whole_then_dead_lettered(db, batcher, clock):
    for i in range(5):
        put("bulk.x", f"K{i}", 1)
    batcher.down = True
    worker = worker_for(batcher, clock, max_attempts=3)
    for _ in range(3):
        worker.run_once()
        clock.advance(hours=2)
    assert [len(c) for c in batcher.calls] == [5, 5, 5]
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(Status.DEAD, 3)}
