"""SMS backends: how a text message leaves, chosen by MOTCUA_SMS_BACKEND (a dotted path; empty = no SMS).

The contract of a backend (`SmsBackend`):

* `send(sms)` returns once the provider has accepted the message, with the provider's message id ('' when
  it gives none). It raises `RetryableError` for trouble that may pass (timeouts, 5xx, 429) and
  `PermanentError` when sending again cannot help (a number or text the provider refuses). Any other
  exception costs one attempt, like a `RetryableError`.
* `sms.reference` is the same on every retry of one notice: give it to a provider that de-duplicates, so a
  message re-sent after a lost answer reaches the phone once.
* `unavailable_reason()` says why the backend cannot run at all (no URL, no token): its messages then wait,
  without spending attempts, until the configuration is fixed.
* The phone number and the text are personal data: never write them to a log in full (`mask_phone`);
  error summaries (`str(error)`) name a status or an error class only.

Backends here: `ConsoleBackend` (development: prints the text with the number masked), `LocmemBackend`
(tests: keeps what was sent in `sent`) and `HttpJsonBackend` (a generic JSON-over-HTTPS provider). A
provider with its own protocol is a subclass of `SmsBackend` in its own module, named in the setting.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from motcua.core.masking import mask_phone
from motcua.integrations.transports import post, url_problem


@dataclass(frozen=True)
class Sms:
    to: str
    text: str
    reference: str


class SmsBackend:
    name: ClassVar[str] = "sms"
    timeout: float = 10.0

    def unavailable_reason(self) -> str | None:
        return None

    def send(self, sms: Sms) -> str:
        raise NotImplementedError


class ConsoleBackend(SmsBackend):
    """Prints each message (number masked) to standard output: what `make demo`'s worker shows."""

    name = "console"
    _lock = threading.Lock()

    def __init__(self, stream=None):
        self.stream = stream

    def send(self, sms: Sms) -> str:
        with self._lock:
            stream = self.stream or sys.stdout
            stream.write(f"[SMS tới {mask_phone(sms.to)}, {sms.reference}] {sms.text}\n")
            stream.flush()
        return ""


class LocmemBackend(SmsBackend):
    """Keeps every message in `LocmemBackend.sent` (as Django's locmem e-mail backend keeps mail.outbox)."""

    name = "locmem"
    sent: ClassVar[list[Sms]] = []

    def send(self, sms: Sms) -> str:
        self.sent.append(sms)
        return f"locmem-{len(self.sent)}"


class HttpJsonBackend(SmsBackend):
    """POST `{"to", "text", "reference"}` as JSON to MOTCUA_SMS_URL with `Authorization: Bearer
    MOTCUA_SMS_TOKEN` and `Idempotency-Key: reference`. A 2xx accepts (the answer's `id`, if any, is kept);
    a 4xx other than 408/409/425/429 refuses for good; anything else is retried."""

    name = "http-json"

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 10.0):
        self._url, self._token, self.timeout = url, token, timeout

    @property
    def url(self) -> str:
        return self._url if self._url is not None else settings.SMS_URL

    @property
    def token(self) -> str:
        return self._token if self._token is not None else settings.SMS_TOKEN

    def unavailable_reason(self) -> str | None:
        if not self.url:
            return "chưa cấu hình địa chỉ nhà cung cấp SMS (MOTCUA_SMS_URL); tin nhắn được giữ chờ gửi"
        problem = url_problem(self.url, debug=settings.DEBUG, setting="MOTCUA_SMS_URL")
        if problem:
            return problem
        if not self.token:
            return (
                "chưa cấu hình khóa truy cập nhà cung cấp SMS (MOTCUA_SMS_TOKEN); tin nhắn được giữ chờ gửi"
            )
        return None

    def send(self, sms: Sms) -> str:
        body = json.dumps({"to": sms.to, "text": sms.text, "reference": sms.reference}).encode()
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self.token}",
            "Idempotency-Key": sms.reference,
            "User-Agent": "motcua-sms/1",
        }
        answer = post(self.url, body, headers, self.timeout)
        try:
            found = json.loads(answer or b"{}")
        except ValueError:
            return ""
        ref = found.get("id", "") if isinstance(found, dict) else ""
        return str(ref)[:100]


_backends: dict[str, SmsBackend] = {}


def backend() -> SmsBackend | None:
    """The configured backend (one instance per dotted path), or None when SMS is off; ImproperlyConfigured
    when the path names nothing importable."""
    path = settings.SMS_BACKEND
    if not path:
        return None
    found = _backends.get(path)
    if found is None:
        try:
            found = _backends[path] = import_string(path)()
        except ImportError as exc:
            raise ImproperlyConfigured(f"MOTCUA_SMS_BACKEND={path!r} không nạp được ({exc})") from exc
    return found
