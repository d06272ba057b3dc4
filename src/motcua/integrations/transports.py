"""Outbox transports: how a message leaves the building, chosen by topic prefix.

A transport's `deliver(message)` returns normally when the receiver accepted the message, raises
`RetryableError` for transient trouble (5xx, 408/409/425/429, timeouts, connection errors) and
`PermanentError` when retrying cannot help (any other 4xx). `unavailable_reason()` says why it cannot run at
all (no URL or secret configured, a URL that is not https); the worker then leaves its messages pending
without spending an attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from .models import OutboxMessage


class DeliveryError(Exception):
    """`str(error)` is a short summary safe for logs (status, error class); `detail` may quote the receiver's
    answer and goes only to the message's `last_error`."""

    def __init__(self, summary: str, detail: str = ""):
        super().__init__(summary)
        self.detail = detail

    @property
    def full(self) -> str:
        return f"{self}: {self.detail}" if self.detail else str(self)


class RetryableError(DeliveryError):
    pass


class PermanentError(DeliveryError):
    pass


@dataclass
class BatchResult:
    """What a batching transport's `deliver_many(messages)` returns: the messages that failed (by id; the
    others were accepted), and the transport's own writes that must commit with the 'delivered' marks
    (run by the worker inside its recording transaction)."""

    errors: dict[int, DeliveryError] = field(default_factory=dict)
    commit: Callable[[], None] | None = None


class Transport(Protocol):
    name: str

    def unavailable_reason(self) -> str | None: ...

    def deliver(self, message: OutboxMessage) -> None: ...


# Timeout, conflict (e.g. the same key still being stored), too early, too many requests: try again.
RETRYABLE_4XX = frozenset({408, 409, 425, 429})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would silently turn a redirected POST into a GET; a webhook must answer where it is configured.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def envelope(message: OutboxMessage) -> dict:
    """The JSON body. Built only from the stored row, so every retry sends the same bytes; `message_id`
    (= the Idempotency-Key header, `{dossier code}:{event seq}`) is what a receiver de-duplicates on."""
    return {
        "message_id": message.idempotency_key,
        "id": message.pk,
        "topic": message.topic,
        "key": message.key,
        "idempotency_key": message.idempotency_key,
        "created_at": message.created_at,
        "payload": message.payload,
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`X-Motcua-Signature` value: HMAC-SHA256 over `"{timestamp}." + body`, as hex (ADR 0005)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str, *, debug: bool, setting: str = "MOTCUA_OUTBOX_WEBHOOK_URL") -> str | None:
    """Why `url` (configured by `setting`) may not receive personal data, or None: https only, http just for
    this machine or debug."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname and (debug or _is_loopback(parts.hostname)):
        return None
    return (
        f"địa chỉ nhận ({setting}) phải dùng https (http chỉ được dùng cho máy này "
        "hoặc khi MOTCUA_DEBUG=1) vì bản tin chứa dữ liệu cá nhân; bản tin được giữ ở trạng thái chờ gửi"
    )


class WebhookTransport:
    """POST the message as signed JSON to OUTBOX_WEBHOOK_URL; the receiver verifies the signature and
    de-duplicates on the message id."""

    name = "webhook"

    def __init__(self, url: str | None = None, timeout: float = 10.0, secret: str | None = None):
        self._url = url
        self._secret = secret
        self.timeout = timeout

    # Read at call time so that settings overrides (tests, reconfiguration) take effect.
    @property
    def url(self) -> str:
        return self._url if self._url is not None else (getattr(settings, "OUTBOX_WEBHOOK_URL", "") or "")

    @property
    def secret(self) -> str:
        return self._secret if self._secret is not None else (settings.OUTBOX_WEBHOOK_SECRET or "")

    def unavailable_reason(self) -> str | None:
        if not self.url:
            return "chưa cấu hình địa chỉ nhận (MOTCUA_OUTBOX_WEBHOOK_URL); bản tin được giữ ở trạng thái chờ gửi"
        problem = url_problem(self.url, debug=settings.DEBUG)
        if problem:
            return problem
        if not self.secret and not settings.DEBUG:
            return (
                "chưa cấu hình khóa ký (MOTCUA_OUTBOX_WEBHOOK_SECRET), bên nhận không kiểm được nguồn gửi; "
                "bản tin được giữ ở trạng thái chờ gửi"
            )
        return None

    def headers(self, message: OutboxMessage, body: bytes) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.idempotency_key,
            "X-Motcua-Message-Id": message.idempotency_key,
            "X-Motcua-Topic": message.topic,
            "User-Agent": "motcua-outbox/1",
        }
        if self.secret:  # unsigned only in debug (unavailable_reason refuses otherwise)
            headers["X-Motcua-Signature"] = signature(self.secret, int(time.time()), body)
        return headers

    def deliver(self, message: OutboxMessage) -> None:
        body = json.dumps(envelope(message), cls=DjangoJSONEncoder, ensure_ascii=False).encode()
        post(self.url, body, self.headers(message, body), self.timeout)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> bytes:
    """POST `body` without following redirects; the answer's body (its first 64 KiB) on a 2xx, else
    `PermanentError` for a 4xx other than RETRYABLE_4XX and `RetryableError` for anything else."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            status, answer = response.status, response.read(65536)
    except urllib.error.HTTPError as exc:
        summary, detail = f"HTTP {exc.code}", _snippet(exc)
        if 400 <= exc.code < 500 and exc.code not in RETRYABLE_4XX:
            raise PermanentError(summary, detail) from exc
        raise RetryableError(summary, detail) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RetryableError(f"{type(reason).__name__}: {reason}") from exc
    if not 200 <= status < 300:
        raise RetryableError(f"HTTP {status}")
    return answer


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
# The national-portal transport (dossier sync to DVCQG) registers its own prefix (integrations/dvcqg/apps.py).
registry.register("", WebhookTransport())
