"""Template filters for Vietnamese display formats; the formats themselves live in motcua.core.formatting."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_decimal
from django import template
from django.utils.translation import get_language

from motcua.core import formatting

register = template.Library()


def _lang() -> str:
    return get_language() or "vi"


@register.filter
def money(amount: int | None) -> str:
    """1500000 -> '1.500.000 ₫' (in English: '1,500,000 ₫')."""
    return formatting.money(amount, locale=_lang())


@register.filter
def day(value: date | datetime | None) -> str:
    """dd/mm/yyyy, in local time for datetimes."""
    return formatting.day(value)


@register.filter
def moment(value: datetime | None) -> str:
    """HH:MM dd/mm/yyyy in local time."""
    return formatting.moment(value)


@register.filter
def number(value: Decimal | int | float | None) -> str:
    """A quantity such as a processing time: 7 -> '7', Decimal('0.5') -> '0,5' (vi)."""
    if value is None or value == "":
        return ""
    value = Decimal(str(value))
    if value == value.to_integral_value():
        value = value.to_integral_value()
    return format_decimal(value, locale="vi_VN" if _lang().startswith("vi") else "en_US")
