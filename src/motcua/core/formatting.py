"""Vietnamese display formats: 1.500.000 ₫, dd/mm/yyyy, working-day units."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def money(amount: int | None, locale: str = "vi") -> str:
    """Integer đồng as '1.500.000 ₫' (vi) or '1,500,000 ₫' (en)."""
    if amount is None:
        return ""
    return f"{format_decimal(int(amount), locale='vi_VN' if locale.startswith('vi') else 'en_US')} ₫"


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ) if value.tzinfo else value
    return value.strftime("%d/%m/%Y")


def moment(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo:
        value = value.astimezone(LOCAL_TZ)
    return value.strftime("%H:%M %d/%m/%Y")
