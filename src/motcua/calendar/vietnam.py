"""Vietnamese statutory holidays and government swap days, from the pinned ``holidays`` package.

These seed the administrator-editable calendar table (``directory.CalendarDay``); deadlines are computed
from that table, never from these rules directly (see docs/adr/0003-calendar.md).
"""

from __future__ import annotations

import re
from datetime import date

# "Ngày nghỉ (thay cho ngày 26/04/2025)": a weekday off swapped against a make-up Saturday.
_SWAP = re.compile(r"thay cho ngày (\d{2})/(\d{2})/(\d{4})")


def _country(years: range | list[int]):
    # Imported here: `import motcua.calendar` stays cheap on the hot path.
    import holidays

    return holidays.country_holidays("VN", years=years, language="vi")


def _check_year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 1995 <= year <= 9998:
        raise ValueError(f"năm không hợp lệ: {year!r}")
    return year


def vietnam_holidays(year: int) -> dict[date, str]:
    """Days off for the year, with Vietnamese names, sorted by date.

    Labour Code 2019 Art. 112 (Tết Dương lịch, Tết Âm lịch in the Vietnamese UTC+7 lunar calendar, Giỗ Tổ
    Hùng Vương, 30/4, 1/5, Quốc khánh 2/9 + the adjacent day), the compensatory day when a holiday falls
    on a weekend ("nghỉ bù"), the weekdays off of announced swaps ("Ngày nghỉ (thay cho ngày …)") and, from
    2026, Ngày Văn hóa Việt Nam 24/11 as the package ships it. Weekend dates may appear (Tết spans them);
    they are harmless, a weekend is already a day off.
    """
    _check_year(year)
    cal = _country([year])
    return {d: cal[d] for d in sorted(cal) if d.year == year}


def vietnam_workdays(year: int) -> dict[date, str]:
    """Make-up working days (weekend days worked to pay for a swapped weekday off) known to the package."""
    _check_year(year)
    # A swap may cross the new year (31/12/2018 off, Saturday 05/01/2019 worked): look at both neighbours.
    cal = _country([year - 1, year, year + 1])
    named: dict[date, str] = {}
    for day_off, name in cal.items():
        m = _SWAP.search(name)
        if m:
            worked = date(int(m[3]), int(m[2]), int(m[1]))
            named[worked] = f"Làm bù cho ngày nghỉ {day_off:%d/%m/%Y}"
    result: dict[date, str] = {}
    for d in sorted(set(cal.weekend_workdays) | set(named)):
        if d.year == year:
            result[d] = named.get(d, "Ngày làm bù")
    return result


__all__ = ["vietnam_holidays", "vietnam_workdays"]
