"""Reads of the outbox for operators: what is dead, what waits behind it, and why."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from .models import OutboxMessage

Status = OutboxMessage.Status


def _dead_before(outer: str = "pk"):
    """Dead messages of the outer row's key that are older than it, oldest first: what blocks it."""
    return OutboxMessage.objects.filter(
        key=OuterRef("key"), pk__lt=OuterRef(outer), status=Status.DEAD
    ).order_by("pk")


def blocked() -> QuerySet[OutboxMessage]:
    """Pending messages that wait behind a dead message of their key (delivery is ordered per key)."""
    return OutboxMessage.objects.filter(status=Status.PENDING).filter(Exists(_dead_before()))


def with_blocker(qs: QuerySet[OutboxMessage]) -> QuerySet[OutboxMessage]:
    """Annotate `blocked_by` (id of the dead message a pending row waits behind) and `blocked_error`."""
    first = _dead_before()
    return qs.annotate(
        blocked_by=Subquery(first.values("pk")[:1]), blocked_error=Subquery(first.values("last_error")[:1])
    )


@dataclass(frozen=True)
class QueueStatus:
    pending: int
    dead: int
    blocked: int
    blocked_keys: list[str]

    def describe(self) -> str:
        text = f"Hàng lỗi: {self.dead} bản tin; bị chặn phía sau: {self.blocked} bản tin"
        if self.blocked_keys:
            shown = ", ".join(self.blocked_keys[:10])
            more = f" và {len(self.blocked_keys) - 10} khóa khác" if len(self.blocked_keys) > 10 else ""
            text += f" (khóa bị chặn: {shown}{more})"
        return text + "."


def queue_status() -> QueueStatus:
    """Counts for the worker's output and the admin. Dead messages block their key even before a younger
    message arrives, so every key with a dead message is listed as blocked."""
    dead_keys = list(
        OutboxMessage.objects.filter(status=Status.DEAD)
        .order_by("key")
        .values_list("key", flat=True)
        .distinct()
    )
    return QueueStatus(
        pending=OutboxMessage.objects.filter(status=Status.PENDING).count(),
        dead=OutboxMessage.objects.filter(status=Status.DEAD).count(),
        blocked=blocked().count(),
        blocked_keys=dead_keys,
    )
