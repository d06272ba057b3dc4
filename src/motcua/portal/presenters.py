"""Display helpers for the public pages: time and fee summaries, labels, components grouped by case, the
dossier status page.

Pure functions over already-loaded objects (no queries), so pages keep a fixed query count.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure, ProcedureCase, ProcedureComponent, ProcedureForm, TimeUnit
from motcua.core import formatting
from motcua.dossiers import machine
from motcua.dossiers.models import Dossier, DossierEvent

from .templatetags.motcua_format import number

LEVEL_LABELS = {
    "ministry": gettext_lazy("Cấp bộ"),
    "province": gettext_lazy("Cấp tỉnh"),
    "district": gettext_lazy("Cấp huyện (trước 01/07/2025)"),
    "commune": gettext_lazy("Cấp xã"),
}
# What the level filter offers (the district level was abolished on 01/07/2025).
LEVEL_CHOICES = [(lv, LEVEL_LABELS[lv]) for lv in ("province", "commune", "ministry")]
ONLINE_SHORT = {
    Procedure.OnlineLevel.FULL: gettext_lazy("Trực tuyến toàn trình"),
    Procedure.OnlineLevel.PARTIAL: gettext_lazy("Trực tuyến một phần"),
    Procedure.OnlineLevel.NONE: gettext_lazy("Cung cấp thông tin"),
}

# machine.timeliness values as the public sees them (domain.md §2.3).
TIMELINESS = {
    "early": gettext_lazy("Trước hạn"),
    "on_time": gettext_lazy("Đúng hạn"),
    "late": gettext_lazy("Trễ hạn"),
    "in_time": gettext_lazy("Đang trong hạn"),
    "overdue": gettext_lazy("Quá hạn"),
}


def _money(amount: int) -> str:
    return formatting.money(amount, locale=get_language() or "vi")


_ENGLISH_SINGULAR = {"working_days": "working day", "days": "day", "hours": "working hour"}


def duration(value: Decimal | None, unit: str) -> str:
    """'7 ngày làm việc'; empty when no time is set."""
    if value is None:
        return ""
    label = TimeUnit(unit).label if unit in TimeUnit.values else ""
    if value == 1 and (get_language() or "").startswith("en"):
        label = _ENGLISH_SINGULAR.get(unit, label)  # Vietnamese has no plural; English does
    return f"{number(value)} {label}".strip()


def time_summary(p: Procedure) -> str:
    """The procedure's legal time, else the shortest channel time, else its note."""
    if p.processing_time is not None:
        return duration(p.processing_time, p.time_unit)
    timed = [c for c in p.channels.all() if c.processing_time is not None]
    if timed:
        best = min(timed, key=lambda c: c.processing_time)
        return duration(best.processing_time, best.time_unit)
    return p.time_note or _("Theo quy định")


def fee_summary(p: Procedure) -> str:
    """'Không thu phí, lệ phí', '20.000 ₫' or '10.000 ₫ – 20.000 ₫' over channel fees and fee rows."""
    amounts = [c.fee for c in p.channels.all() if c.fee] + [f.amount for f in p.fees.all() if f.amount]
    if not amounts:
        return _("Không thu phí, lệ phí")
    low, high = min(amounts), max(amounts)
    return _money(low) if low == high else f"{_money(low)} – {_money(high)}"


def level_labels(p: Procedure) -> list[str]:
    return [str(LEVEL_LABELS[lv]) for lv in p.levels]


@dataclass(frozen=True)
class ComponentRow:
    c: ProcedureComponent
    form: ProcedureForm | None


@dataclass
class ComponentGroup:
    case: ProcedureCase | None
    rows: list[ComponentRow] = field(default_factory=list)


def component_groups(p: Procedure) -> list[ComponentGroup]:
    """Components common to every case first, then one group per case (in case order), each with its form."""
    forms = {f.code: f for f in p.forms.all()}
    common = ComponentGroup(None)
    by_case = {c.pk: ComponentGroup(c) for c in p.cases.all()}
    for comp in p.components.all():
        group = by_case.get(comp.case_id) if comp.case_id else None
        (group or common).rows.append(
            ComponentRow(comp, forms.get(comp.form_code) if comp.form_code else None)
        )
    groups = [common] if common.rows else []
    return groups + [g for g in by_case.values() if g.rows]


# A lone surrogate cannot be encoded as UTF-8, so one in the page fails the whole response; JSON columns on
# SQLite keep them (as \udfff escapes). C0/C1 controls have no business on a page either.
_UNSHOWABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def readable(text: object) -> str:
    """Stored text as a page can show it: unshowable characters become U+FFFD (the replacement mark)."""
    return _UNSHOWABLE.sub("\ufffd", "" if text is None else str(text))


def _asked_items(asked: DossierEvent) -> list[str]:
    """Each paper asked for, with its own reason when it has one (the request's reason is shown once)."""
    items = machine.requested_items(asked.data, asked.reason)
    return [
        readable(i["name"] if i["reason"] == asked.reason else f"{i['name']}: {i['reason']}") for i in items
    ]


# Events whose reason the applicant is given in writing (Forms 02, 03, 04, the refusal to process) or wrote
# themselves (a withdrawal). Every other event's text, and every `note`, is the officers' own.
APPLICANT_REASONS = frozenset({"refuse", "request_supplement", "apologize", "stop", "withdraw"})


def history(events: list[DossierEvent], *, reasons: bool = False) -> list[dict]:
    """The history in the applicant's words: what happened, when, where, the status after, the papers a
    supplement request asked for; with `reasons` (the applicant's own page) also the reasons they were
    given, the new date of an apology, the result's name and the files a supplement handed in."""
    rows = []
    for e in events:
        data = e.data if isinstance(e.data, dict) else {}
        row = {
            "e": e,
            "label": _(machine.label_of(e.action, e.from_status)),
            "status": _(machine.Status(e.to_status).label),
            "items": _asked_items(e) if e.action == "request_supplement" else [],
        }
        if reasons:
            row["reason"] = readable(e.reason) if e.action in APPLICANT_REASONS else ""
            row["new_due_at"] = e.due_at if e.action == "apologize" else None
            result = data.get("result") if e.action == "complete" else None
            row["result"] = readable(result.get("name", "") if isinstance(result, dict) else result or "")
            handed = data.get("files") if e.action == "supplement" else None
            row["files"] = (
                [readable(f.get("name", "")) for f in handed if isinstance(f, dict)]
                if isinstance(handed, list)
                else []
            )
        rows.append(row)
    return rows


def supplement_request(d: Dossier, events: list[DossierEvent]) -> dict | None:
    """While the dossier waits for a supplement: the papers asked for (each with its own reason when it
    has one) and the request's reason, shown as the reason, never in the papers' place. The request's
    text is an officer's free text, stored as given: shown through readable()."""
    if d.status != machine.Status.WAITING:
        return None
    asked = next((e for e in reversed(events) if e.action == "request_supplement"), None)
    if asked is None:
        return None
    items = _asked_items(asked)
    names = [readable(i["name"]) for i in machine.requested_items(asked.data, asked.reason)]
    return {
        "items": items,
        "reason": readable(asked.reason),
        "at": asked.at,
        # Each paper as shown, and its bare name (an upload answering it is filed under the name).
        "papers": [{"label": label, "name": name} for label, name in zip(items, names, strict=True)],
    }


def dossier_status(d: Dossier, events: list[DossierEvent], now: datetime) -> dict:
    """What the public status page shows of one dossier: status, dates, history and what to do now."""
    shown: dict = {
        "d": d,
        "status_label": _(machine.Status(d.status).label),
        "timeliness": TIMELINESS.get(machine.timeliness(d, now) or ""),
        "events": history(events),
    }
    # What the applicant has to do now: the papers asked for, or the amount to pay.
    supplement = supplement_request(d, events)
    if supplement is not None:
        shown["supplement"] = supplement
    if d.status == machine.Status.PAYING:
        shown["to_pay"] = d.fee_total - d.fee_paid
    return shown


def wait_label(seconds: int) -> str:
    """How long until a throttled caller may try again, rounded up: 'khoảng 15 phút', 'khoảng 3 giờ'."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes <= 90:
        return _("khoảng %(n)d phút") % {"n": minutes}
    return _("khoảng %(n)d giờ") % {"n": math.ceil(minutes / 60)}
