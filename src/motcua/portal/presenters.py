"""Display helpers for procedure pages: time and fee summaries, labels, components grouped by case.

Pure functions over already-loaded objects (no queries), so pages keep a fixed query count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure, ProcedureCase, ProcedureComponent, ProcedureForm, TimeUnit
from motcua.core import formatting

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
