"""Write side of the outbox: the one writer of `OutboxMessage` rows. Call only inside the transaction that
makes the change it reports.

A topic may have derivers (`derive`): functions called with each new message of that topic, in the same
transaction, that write what follows from it (the applicant's notices follow from a dossier change). The
writer of the change knows nothing of them, and they commit or roll back with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone

from motcua.core import statements

from .models import OutboxMessage

_derivers: dict[str, list[Callable[[OutboxMessage], None]]] = {}


def derive(topic: str, deriver: Callable[[OutboxMessage], None]) -> None:
    """Call `deriver(message)` for every message of `topic` enqueued from now on (registered once, in an
    app's `ready()`)."""
    found = _derivers.setdefault(topic, [])
    if deriver not in found:
        found.append(deriver)


def enqueue(
    topic: str, key: str, payload: dict[str, Any], *, idempotency_key: str, at: datetime | None = None
) -> OutboxMessage:
    """Insert the message in the current transaction; refuses to run outside one."""
    if not statements.connection().in_atomic_block:
        raise RuntimeError("outbox.enqueue must run inside the transaction of the change it reports")
    at = at or timezone.now()
    message = statements.new(
        OutboxMessage,
        topic=topic,
        key=key,
        payload=payload,
        idempotency_key=idempotency_key,
        created_at=at,
        next_attempt_at=at,
    )
    statements.insert(message)
    for deriver in _derivers.get(topic, ()):
        deriver(message)
    return message
