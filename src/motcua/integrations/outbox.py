"""Write side of the outbox: the one writer of `OutboxMessage` rows. Call only inside the transaction that
makes the change it reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from motcua.core import statements

from .models import OutboxMessage


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
    return message
