"""Write side of the outbox. Call only inside the transaction that makes the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage


def new_message(
    topic: str, key: str, payload: dict[str, Any], *, idempotency_key: str, at: datetime | None = None
) -> OutboxMessage:
    """The unsaved row; refuses to exist outside the transaction of the change it reports."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.enqueue must run inside the transaction of the change it reports")
    at = at or timezone.now()
    return OutboxMessage(
        topic=topic,
        key=key,
        payload=payload,
        idempotency_key=idempotency_key,
        created_at=at,
        next_attempt_at=at,
    )


def enqueue(
    topic: str, key: str, payload: dict[str, Any], *, idempotency_key: str, at: datetime | None = None
) -> OutboxMessage:
    message = new_message(topic, key, payload, idempotency_key=idempotency_key, at=at)
    message.save()
    return message
