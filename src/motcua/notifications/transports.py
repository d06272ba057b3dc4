"""The outbox transports of the applicant's notices (`notify.email`, `notify.sms`), run by the outbox worker.

Each delivery first counts an attempt on the notice's `Notification` row, unless that row says it was sent:
a message delivered again (a worker that died after sending and before recording, a lease taken over)
sends nothing. The row is marked sent as soon as the provider has accepted the message; failures are
recorded when the worker has decided between a retry and the dead letters (`recorded`).
"""

from __future__ import annotations

import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from motcua.integrations.models import OutboxMessage
from motcua.integrations.transports import DeliveryError, PermanentError, RetryableError

from . import messages, sms
from .models import Notification

Status = Notification.Status


class NoticeTransport:
    name = "notice"
    channel = ""

    def unavailable_reason(self) -> str | None:
        if not settings.SITE_URL:
            return (
                "chưa cấu hình địa chỉ công khai của hệ thống (MOTCUA_SITE_URL) cho đường dẫn tra cứu trong "
                "thông báo; thông báo được giữ chờ gửi"
            )
        return None

    def deliver(self, message: OutboxMessage) -> None:
        key = message.idempotency_key
        mine = Notification.objects.filter(key=key)
        if not mine.exclude(status__in=[Status.SENT, Status.SKIPPED]).update(attempts=F("attempts") + 1):
            return  # sent already: a re-delivered message sends nothing
        ref = self.send(message.payload["to"], message.payload["notice"], key)
        mine.update(status=Status.SENT, sent_at=timezone.now(), error="", provider_ref=ref)

    def send(self, to: str, notice: dict, key: str) -> str:
        """Send one notice; the provider's message id ('' if none)."""
        raise NotImplementedError

    def recorded(self, message: OutboxMessage, outcome: str, error: DeliveryError | None) -> None:
        """The worker's outcome of this attempt: a retry ahead, or a dead letter."""
        if outcome not in ("retried", "dead"):
            return
        Notification.objects.filter(key=message.idempotency_key).exclude(status=Status.SENT).update(
            status=Status.FAILED if outcome == "retried" else Status.DEAD, error=str(error or "")[:300]
        )


class EmailTransport(NoticeTransport):
    """Through Django's e-mail backend (EMAIL_BACKEND, set from MOTCUA_EMAIL_URL): text and HTML parts."""

    name = "email"
    channel = Notification.Channel.EMAIL

    @property
    def timeout(self) -> float:
        return settings.EMAIL_TIMEOUT or 0

    def send(self, to: str, notice: dict, key: str) -> str:
        content = messages.email(notice)
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
        mail = EmailMultiAlternatives(
            content.subject,
            content.text,
            to=[to],
            # The same Message-ID on every retry: mailboxes that drop duplicates drop a re-sent notice.
            headers={"Message-ID": f"<{key.replace(':', '.')}@{domain}>", "Auto-Submitted": "auto-generated"},
        )
        mail.attach_alternative(content.html, "text/html")
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError("SMTPRecipientsRefused") from exc
        except smtplib.SMTPResponseException as exc:
            # The server's text may quote the address: the summary keeps the code only.
            summary = f"{type(exc).__name__} {exc.smtp_code}"
            if isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600:
                raise PermanentError(summary) from exc
            raise RetryableError(summary) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryableError(type(exc).__name__) from exc
        return ""


class SmsTransport(NoticeTransport):
    """Through the SMS backend named by MOTCUA_SMS_BACKEND (notifications.sms)."""

    name = "sms"
    channel = Notification.Channel.SMS

    @property
    def timeout(self) -> float:
        found = sms.backend()
        return found.timeout if found else 0

    def unavailable_reason(self) -> str | None:
        try:
            found = sms.backend()
        except ImproperlyConfigured as exc:
            return f"{exc}; tin nhắn được giữ chờ gửi"
        if found is None:
            return "chưa cấu hình kênh SMS (MOTCUA_SMS_BACKEND); tin nhắn được giữ chờ gửi"
        return super().unavailable_reason() or found.unavailable_reason()

    def send(self, to: str, notice: dict, key: str) -> str:
        return sms.backend().send(sms.Sms(to=to, text=messages.sms(notice), reference=key))
