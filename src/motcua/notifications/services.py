"""Which dossier changes tell the applicant, whom, and the work written for the sender (ADR 0013).

`plan(message)` runs for every `dossier.status` outbox message, inside the transaction of the change that
wrote it (`integrations.outbox.derive`), and reads nothing but that message's `change` payload (plus, for
a dossier filed online on someone's behalf, the filing account's contact details). For an action that
notifies, it writes per channel in use one `Notification` row and one outbox message (topic
`notify.email` / `notify.sms`) holding what the sender needs, or a `skipped` row when there is no
address. Nothing is sent here: the outbox worker sends, after the commit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

from motcua.core import statements
from motcua.core.masking import mask_email, mask_phone
from motcua.directory.models import Agency, Applicant
from motcua.integrations import outbox
from motcua.integrations.models import OutboxMessage

from .models import Notification

Kind, Channel, Status = Notification.Kind, Notification.Channel, Notification.Status
TOPIC_PREFIX = "notify."
# The actions the applicant hears of (domain.md §2.2): receipt (counter reception, or acceptance of an
# online/postal submission), a supplement request or guidance, an apology with a new date, a refusal at
# reception (status 3), a stop of processing (status 8), and the result ready to collect (status 9).
# Not: the hand-over itself (the applicant is there, or the post brings it), internal hand-overs, payments
# recorded at the counter, a withdrawal the applicant asked for.
KINDS: dict[str, str] = {
    "receive": Kind.RECEIPT,
    "accept": Kind.RECEIPT,
    "request_supplement": Kind.SUPPLEMENT,
    "apologize": Kind.APOLOGY,
    "refuse": Kind.REFUSAL,
    "stop": Kind.STOP,
    "complete": Kind.RESULT,
}
MASKS = {Channel.EMAIL: mask_email, Channel.SMS: mask_phone}
COUNTER = 1

_local = threading.local()


@contextmanager
def muted() -> Iterator[None]:
    """No notices for the changes made inside the block: history written after the fact (the demo's
    twelve months of dossiers) must not message anyone about events long past."""
    previous = getattr(_local, "muted", False)
    _local.muted = True
    try:
        yield
    finally:
        _local.muted = previous


def channels() -> list[str]:
    """The channels in use: e-mail when MOTCUA_EMAIL_URL names a mail server (or the development file
    store), SMS when MOTCUA_SMS_BACKEND names a backend."""
    out = []
    if settings.NOTIFY_EMAIL:
        out.append(Channel.EMAIL)
    if settings.SMS_BACKEND:
        out.append(Channel.SMS)
    return out


def topic(channel: str) -> str:
    return f"{TOPIC_PREFIX}{channel}"


def language() -> str:
    """The language of the notices. Accounts hold no language preference (the site's switch is a cookie),
    so every notice is in the site's language, Vietnamese; templates live under that language's folder."""
    return settings.LANGUAGE_CODE


def _parties(d: dict[str, Any]) -> list[dict[str, Any]]:
    """Who may be told, in order of preference, each with a name and an address per channel.

    Filed online on someone's behalf, the filing account holder (intake makes them the authorised
    submitter) follows the dossier up: their account's contact comes first, the applicant's as typed
    second. At the counter only the applicant's contact details are recorded."""
    applicant = d["applicant"]
    own = {
        "name": applicant["name"],
        "citizen": applicant["kind"] == "citizen",
        "on_behalf_of": "",
        Channel.EMAIL: applicant["email"],
        Channel.SMS: applicant["phone"],
    }
    if not d["authorised"] or d["channel"] == COUNTER:
        return [own]
    row = (
        Applicant.objects.filter(user__dossiers__code=d["code"])
        .values_list("full_name", "email", "phone", "user__email")
        .first()
    )
    if row is None:
        return [own]
    name, email, phone, account_email = row
    submitter = {
        "name": name or d["authorised"]["name"],
        "citizen": True,
        "on_behalf_of": applicant["name"],
        Channel.EMAIL: email or account_email,
        Channel.SMS: phone,
    }
    return [submitter, own]


def _office(d: dict[str, Any], kind: str) -> str:
    """Where the result is collected: the one-stop that received the dossier."""
    if kind != Kind.RESULT:
        return ""
    return (
        Agency.objects.filter(identifier=d["receiving_agency"]).values_list("name", flat=True).first() or ""
    )


def notice(change: dict[str, Any], kind: str, party: dict[str, Any], office: str) -> dict[str, Any]:
    """Everything the templates need, from the change as it was (a retry renders the same notice)."""
    d, e = change["dossier"], change["event"]
    data = e.get("data") or {}
    return {
        "kind": kind,
        "language": language(),
        "code": d["code"],
        "procedure": d["procedure"]["name"],
        "name": party["name"],
        "citizen": party["citizen"],
        "on_behalf_of": party["on_behalf_of"],
        "at": e["at"],
        "received_at": d["received_at"],
        "due_at": d["due_at"],
        "old_due_at": data.get("old_due_at"),
        "reason": e["reason"],
        "note": e["note"],
        "items": list(data.get("items") or []),
        "result": data.get("result", ""),
        # Guidance at reception (the dossier is not received yet) rather than a request during processing.
        "guidance": e["from_status"] == 1,
        "office": office,
    }


def plan(message: OutboxMessage) -> None:
    """Write the notices a dossier change calls for (an `outbox.derive` hook: inside its transaction)."""
    if getattr(_local, "muted", False):
        return
    change = message.payload
    event = change.get("event") or {}
    kind = KINDS.get(event.get("action", ""))
    use = channels() if kind else []
    if not use:
        return
    d = change["dossier"]
    parties = _parties(d)
    office = _office(d, kind)
    rows, work = [], []
    for channel in use:
        party = next((p for p in parties if p[channel]), None)
        key = f"{d['code']}:{event['seq']}:{channel}"
        rows.append(
            statements.new(
                Notification,
                key=key,
                dossier_id=d["code"],
                event_seq=event["seq"],
                kind=kind,
                channel=channel,
                recipient=MASKS[channel](party[channel]) if party else "",
                status=Status.PENDING if party else Status.SKIPPED,
                created_at=message.created_at,
            )
        )
        if party:
            work.append((channel, key, {"to": party[channel], "notice": notice(change, kind, party, office)}))
    statements.insert(*rows)
    for channel, key, payload in work:
        # Ordered per dossier and channel (a receipt before its result), apart from the dossier's own
        # messages: a webhook that is down must not hold the applicant's notices back.
        outbox.enqueue(
            topic(channel), f"{channel}:{d['code']}", payload, idempotency_key=key, at=message.created_at
        )
