"""The words of a notice: Django templates per language and kind (ADR 0013).

* `notifications/<language>/<kind>.email.txt`: the e-mail; its first line is the subject, the rest the
  plain-text body. The HTML part (`notifications/email.html`) is that body, escaped, paragraphs kept and
  links made clickable, so the two parts can never say different things.
* `notifications/<language>/<kind>.sms.txt`: the SMS, written with diacritics like every other text and
  folded to ASCII when sent: Vietnamese with diacritics needs the UCS-2 encoding, 70 characters a segment
  (67 when concatenated) instead of GSM-7's 160 (153), and the carriers' brand-name SMS services take
  unaccented text. A message stays within two segments (306 GSM-7 characters): the procedure's name, the
  reason and the office are shortened, in that order, until it fits.

Text templates render with autoescaping off (they are not HTML); dates are dd/mm/yyyy, due dates with
their hour (HH:MM dd/mm/yyyy), from `motcua.core.formatting`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.template import Context, Engine
from django.template.loader import render_to_string
from django.utils import translation
from unidecode import unidecode

from motcua.core import formatting

# The public status page (contract §6). The code alone fills the form in; the four digits that prove the
# reader is the applicant are never put in a link.
LOOKUP_PATH = "/tra-cuu-ho-so/"
DATES = ("at", "received_at", "due_at", "old_due_at")
SMS_MAX = 306  # two concatenated GSM-7 segments of 153 characters
# GSM 03.38 extension table characters within ASCII: each takes two of the 160/153 places.
GSM_EXTENDED = frozenset("^{}\\[]~|")
# Shortened, in this order, until the SMS fits: (field, at most this many characters).
SMS_SHORTER = (("procedure", 60), ("reason", 80), ("office", 60), ("procedure", 25), ("reason", 0))

_text = Engine(app_dirs=True, autoescape=False)
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def lookup_link(code: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{LOOKUP_PATH}?{urlencode({'ma': code})}"


def context(notice: dict[str, Any]) -> dict[str, Any]:
    """The notice with its dates formatted (`due_at`: HH:MM dd/mm/yyyy; `due_at_day`: dd/mm/yyyy) and the
    lookup link."""
    ctx = dict(notice)
    for name in DATES:
        raw = notice.get(name)
        value = datetime.fromisoformat(raw) if raw else None
        ctx[name], ctx[f"{name}_day"] = formatting.moment(value), formatting.day(value)
    ctx["link"] = lookup_link(notice["code"])
    return ctx


def _render(name: str, ctx: dict[str, Any]) -> str:
    language = ctx.get("language") or settings.LANGUAGE_CODE
    with translation.override(language):
        template = _text.select_template(
            [f"notifications/{language}/{name}", f"notifications/{settings.LANGUAGE_CODE}/{name}"]
        )
        text = template.render(Context(ctx, autoescape=False))
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines))


def email(notice: dict[str, Any]) -> Email:
    ctx = context(notice)
    subject, _, body = _render(f"{notice['kind']}.email.txt", ctx).partition("\n")
    body = body.strip()
    html = render_to_string(
        "notifications/email.html", {"subject": subject, "body": body, "language": ctx.get("language")}
    )
    return Email(subject=subject.strip(), text=body + "\n", html=html)


def gsm(text: str) -> str:
    """ASCII-folded, on one line, with nothing outside the GSM-7 alphabet (` becomes ')."""
    folded = unidecode(" ".join(text.split()))
    return "".join(ch if 32 <= ord(ch) < 127 and ch != "`" else "'" for ch in folded)


def sms_length(text: str) -> int:
    """GSM-7 places taken: extension characters count twice."""
    return len(text) + sum(ch in GSM_EXTENDED for ch in text)


def _clip(value: str, limit: int) -> str:
    value = value or ""
    if len(value) <= limit:
        return value
    return "" if limit <= 3 else value[: limit - 3].rstrip() + "..."


def sms(notice: dict[str, Any]) -> str:
    ctx = context(notice)
    name = f"{notice['kind']}.sms.txt"
    text = gsm(_render(name, ctx))
    for field, limit in SMS_SHORTER:
        if sms_length(text) <= SMS_MAX:
            return text
        ctx[field] = _clip(ctx.get(field, ""), limit)
        text = gsm(_render(name, ctx))
    while sms_length(text) > SMS_MAX:  # only with an absurdly long site address
        text = text[:-1]
    return text
