"""Outbox transports: how a message leaves the building, chosen by topic prefix.

A transport's `deliver(message)` returns normally when the receiver accepted the message, raises
`RetryableError` for transient trouble (5xx, timeouts, connection errors) and `PermanentError` when
retrying cannot help (4xx other than 408/429). `unavailable_reason()` says why it cannot run at all (e.g.
no URL configured); the worker then leaves its messages pending without spending an attempt.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from .models import OutboxMessage


class DeliveryError(Exception):
    pass


class RetryableError(DeliveryError):
    pass


class PermanentError(DeliveryError):
    pass


class Transport(Protocol):
    name: str

    def unavailable_reason(self) -> str | None: ...

    def deliver(self, message: OutboxMessage) -> None: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would silently turn a redirected POST into a GET; a webhook must answer where it is configured.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def envelope(message: OutboxMessage) -> dict:
    return {
        "id": message.pk,
        "topic": message.topic,
        "key": message.key,
        "idempotency_key": message.idempotency_key,
        "created_at": message.created_at,
        "payload": message.payload,
    }


class WebhookTransport:
    """POST the message as JSON to OUTBOX_WEBHOOK_URL; the receiver de-duplicates on Idempotency-Key."""

    name = "webhook"
    RETRYABLE_4XX = {408, 429}

    def __init__(self, url: str | None = None, timeout: float = 10.0):
        self._url = url
        self.timeout = timeout

    @property
    def url(self) -> str:
        # Read at call time so that settings overrides (tests, reconfiguration) take effect.
        return self._url if self._url is not None else (getattr(settings, "OUTBOX_WEBHOOK_URL", "") or "")

    def unavailable_reason(self) -> str | None:
        if not self.url:
            return "chưa cấu hình địa chỉ nhận (MOTCUA_OUTBOX_WEBHOOK_URL); bản tin được giữ ở trạng thái chờ gửi"
        return None

    def deliver(self, message: OutboxMessage) -> None:
        body = json.dumps(envelope(message), cls=DjangoJSONEncoder, ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": message.idempotency_key,
                "X-Motcua-Topic": message.topic,
                "User-Agent": "motcua-outbox/1",
            },
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            detail = _snippet(exc)
            if 400 <= exc.code < 500 and exc.code not in self.RETRYABLE_4XX:
                raise PermanentError(f"HTTP {exc.code}: {detail}") from exc
            raise RetryableError(f"HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RetryableError(f"{type(reason).__name__}: {reason}") from exc
        if not 200 <= status < 300:
            raise RetryableError(f"HTTP {status}")


def _snippet(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(500).decode("utf-8", "replace")
    except OSError:
        text = ""
    return text.strip() or (exc.reason or "")


class Registry:
    """Transports keyed by topic prefix; the longest matching prefix wins ("" is the catch-all)."""

    def __init__(self) -> None:
        self._by_prefix: dict[str, Transport] = {}

    def register(self, prefix: str, transport: Transport) -> None:
        self._by_prefix[prefix] = transport

    def unregister(self, prefix: str) -> None:
        self._by_prefix.pop(prefix, None)

    def resolve(self, topic: str) -> Transport | None:
        matches = [p for p in self._by_prefix if topic.startswith(p)]
        return self._by_prefix[max(matches, key=len)] if matches else None

    def items(self) -> list[tuple[str, Transport]]:
        return sorted(self._by_prefix.items(), key=lambda kv: -len(kv[0]))


registry = Registry()
# The national-portal transport (dossier sync to DVCQG) will register its own prefix here.
registry.register("", WebhookTransport())
