"""Worked examples of contract §5 and domain.md §2.3, on the real 2025-2026 Vietnamese calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from motcua.calendar import LOCAL_TZ, WorkCalendar, vietnam_holidays, vietnam_workdays


def _vn_calendar(*years: int, closures: tuple[date, ...] = ()) -> WorkCalendar:
    holidays: set[date] = set(closures)
    workdays: set[date] = set()
    for y in years:
        holidays |= set(vietnam_holidays(y))
        workdays |= set(vietnam_workdays(y))
    return WorkCalendar(holidays=holidays, workdays=workdays)


CAL = _vn_calendar(2024, 2025, 2026, 2027)
PLAIN = WorkCalendar()


def dt(day: int, month: int, year: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute)


@pytest.mark.parametrize(
    ("start", "amount", "unit", "due"),
    [
        # Received Friday 16:00 with 3 working days: 1 h on Friday, Monday, Tuesday, 7 h on Wednesday.
        (dt(3, 1, 2025, 16), 3, "working_days", dt(8, 1, 2025, 16)),
        # 0.5 working day = 4 h; from 10:00 it crosses the lunch break.
        (dt(6, 1, 2025, 7), 0.5, "working_days", dt(6, 1, 2025, 11)),
        (dt(6, 1, 2025, 10), Decimal("0.5"), "working_days", dt(6, 1, 2025, 16)),
        (dt(6, 1, 2025, 10), 4, "hours", dt(6, 1, 2025, 16)),
        # Used up exactly at a window's end: that end, not the next opening.
        (dt(6, 1, 2025, 7), 1, "working_days", dt(6, 1, 2025, 17)),
        (dt(6, 1, 2025, 7), Decimal("4.5"), "hours", dt(6, 1, 2025, 11, 30)),
        (dt(6, 1, 2025, 13, 30), 3.5, "hours", dt(6, 1, 2025, 17)),
        # Received after 17:00 (online, in the evening): counts from the next morning.
        (dt(6, 1, 2025, 18, 30), 1, "working_days", dt(7, 1, 2025, 17)),
        (dt(6, 1, 2025, 23, 59), 1, "hours", dt(7, 1, 2025, 8)),
        # Before opening, and during lunch.
        (dt(6, 1, 2025, 6, 15), 2, "hours", dt(6, 1, 2025, 9)),
        (dt(6, 1, 2025, 12, 0), 1, "hours", dt(6, 1, 2025, 14, 30)),
        # Received on Saturday: counts from Monday 07:00.
        (dt(4, 1, 2025, 9), 1, "hours", dt(6, 1, 2025, 8)),
        # 30/4-2/5/2025 off (2/5 swapped against Saturday 26/4, which is worked): 6 h Fri 25/4, 8 h Sat 26/4,
        # 8 h Mon 28/4, 8 h Tue 29/4, then Mon 5/5 from 07:00.
        (dt(25, 4, 2025, 9), 3, "working_days", dt(29, 4, 2025, 9)),
        (dt(25, 4, 2025, 9), 4, "working_days", dt(5, 5, 2025, 9)),
        # Tết 2025 (Mon 27/1-Fri 31/1 off): received Fri 24/01 10:00 with 5 working days -> Fri 07/02 10:00.
        (dt(24, 1, 2025, 10), 5, "working_days", dt(7, 2, 2025, 10)),
        # Tết 2026: one-stop centres closed Sat 14/02-Sun 22/02/2026, reception resumes Mon 23/02.
        (dt(13, 2, 2026, 15), 1, "working_days", dt(23, 2, 2026, 15)),
        (dt(14, 2, 2026, 9), 1, "hours", dt(23, 2, 2026, 8)),
        # Hùng Kings 2026 falls on Sunday 26/4: Monday 27/4 is the compensatory day off.
        (dt(24, 4, 2026, 17), 1, "working_days", dt(28, 4, 2026, 17)),
        # Quốc khánh 2026: Mon 31/8 (swapped against Sat 22/8), Tue 1/9, Wed 2/9 off.
        (dt(28, 8, 2026, 7), 2, "working_days", dt(3, 9, 2026, 17)),
        (dt(21, 8, 2026, 17), 1, "working_days", dt(22, 8, 2026, 17)),
        # Calendar days: landing on Sunday -> Monday, same clock time.
        (dt(3, 1, 2025, 10), 2, "days", dt(6, 1, 2025, 10)),
        (dt(6, 1, 2025, 10), 3, "days", dt(9, 1, 2025, 10)),
        (dt(6, 1, 2025, 10), 0, "days", dt(6, 1, 2025, 10)),
        # ... moved to the next opening when that clock time is outside the windows.
        (dt(3, 1, 2025, 12), 2, "days", dt(6, 1, 2025, 13, 30)),
        (dt(3, 1, 2025, 6), 2, "days", dt(6, 1, 2025, 7)),
        (dt(3, 1, 2025, 18), 2, "days", dt(7, 1, 2025, 7)),
        (dt(6, 1, 2025, 20), 2, "days", dt(9, 1, 2025, 7)),
        (dt(6, 1, 2025, 17), 2, "days", dt(8, 1, 2025, 17)),
        # Calendar days landing in Tết 2026 -> first day after the closure.
        (dt(11, 2, 2026, 9), 5, "days", dt(23, 2, 2026, 9)),
        # Calendar days landing on a make-up Saturday: it is a working day.
        (dt(19, 4, 2025, 9), 7, "days", dt(26, 4, 2025, 9)),
        # Nothing to add: the start itself when in working time (window ends included), else the next opening.
        (dt(6, 1, 2025, 11, 30), 0, "hours", dt(6, 1, 2025, 11, 30)),
        (dt(6, 1, 2025, 11, 31), 0, "working_days", dt(6, 1, 2025, 13, 30)),
        (dt(6, 1, 2025, 11, 30), 1, "hours", dt(6, 1, 2025, 14, 30)),
    ],
)
def test_add(start: datetime, amount, unit: str, due: datetime) -> None:
    assert CAL.add(start, amount, unit) == due


def test_supplement_pause_moves_the_due_date_by_the_working_time_paused() -> None:
    due = CAL.add(dt(3, 1, 2025, 16), 3, "working_days")
    assert due == dt(8, 1, 2025, 16)
    # Supplement requested Monday 10:00, supplied Tuesday 10:00 = 8 working hours.
    assert CAL.working_hours_between(dt(6, 1, 2025, 10), dt(7, 1, 2025, 10)) == 8
    assert CAL.extend_by_pause(due, dt(6, 1, 2025, 10), dt(7, 1, 2025, 10)) == dt(9, 1, 2025, 16)


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        (dt(3, 1, 2025, 16), dt(8, 1, 2025, 16), Decimal(24)),
        (dt(6, 1, 2025, 11), dt(6, 1, 2025, 14), Decimal(1)),  # lunch does not count
        (dt(6, 1, 2025, 7), dt(6, 1, 2025, 17), Decimal(8)),
        (dt(6, 1, 2025, 5), dt(6, 1, 2025, 23), Decimal(8)),
        (dt(6, 1, 2025, 7, 30), dt(6, 1, 2025, 7, 45), Decimal("0.25")),
        (dt(4, 1, 2025, 7), dt(5, 1, 2025, 17), Decimal(0)),  # a weekend
        (dt(8, 1, 2025, 16), dt(3, 1, 2025, 16), Decimal(0)),  # b <= a
        (dt(24, 1, 2025, 17), dt(3, 2, 2025, 7), Decimal(0)),  # Tết 2025
        (dt(26, 4, 2025, 7), dt(26, 4, 2025, 17), Decimal(8)),  # make-up Saturday
    ],
)
def test_working_hours_between(a: datetime, b: datetime, hours: Decimal) -> None:
    assert CAL.working_hours_between(a, b) == hours
    assert CAL.working_days_between(a, b) == hours / 8


def test_working_hours_between_prints_exact_values() -> None:
    assert str(CAL.working_hours_between(dt(3, 1, 2025, 16), dt(8, 1, 2025, 16))) == "24"
    assert str(CAL.working_hours_between(dt(6, 1, 2025, 7), dt(6, 1, 2025, 9, 30))) == "2.5"


def test_working_days() -> None:
    assert CAL.is_working_day(date(2025, 1, 6))
    assert not CAL.is_working_day(date(2025, 1, 4))  # Saturday
    assert not CAL.is_working_day(date(2025, 1, 5))  # Sunday
    assert not CAL.is_working_day(date(2025, 4, 30))
    assert CAL.is_working_day(date(2025, 4, 26))  # make-up Saturday
    assert not CAL.is_working_day(date(2026, 2, 20))
    assert CAL.is_working_day(datetime(2025, 1, 5, 20, 0, tzinfo=UTC))  # 03:00 Monday in Hà Nội
    assert CAL.next_working_day(date(2026, 2, 14)) == date(2026, 2, 23)
    assert CAL.next_working_day(date(2026, 2, 23)) == date(2026, 2, 23)
    assert CAL.next_working_day(date(2026, 2, 23), inclusive=False) == date(2026, 2, 24)
    # February 2026: 20 weekdays, 5 of them Tết.
    assert CAL.working_days_in(date(2026, 2, 1), date(2026, 3, 1)) == 15
    assert CAL.working_days_in(date(2026, 3, 1), date(2026, 2, 1)) == 0


def test_workdays_win_over_holidays_and_weekend_holidays_change_nothing() -> None:
    sat = date(2025, 4, 26)
    cal = WorkCalendar(holidays={sat, date(2025, 4, 28)}, workdays={sat, date(2025, 4, 29)})
    assert cal.is_working_day(sat)
    assert not cal.is_working_day(date(2025, 4, 28))
    assert cal.is_working_day(date(2025, 4, 29))  # a weekday "workday" is simply a working day
    assert WorkCalendar(holidays={date(2025, 1, 4)}).add(dt(3, 1, 2025, 17), 1, "hours") == dt(6, 1, 2025, 8)


def test_next_working_time() -> None:
    assert CAL.next_working_time(dt(24, 1, 2025, 18)) == dt(3, 2, 2025, 7)
    assert CAL.next_working_time(dt(6, 1, 2025, 9)) == dt(6, 1, 2025, 9)


def test_custom_windows() -> None:
    morning = WorkCalendar(windows=[("08:00", "12:00")])
    assert morning.day_hours == 4
    assert morning.add(dt(6, 1, 2025, 8), 1, "working_days") == dt(6, 1, 2025, 12)
    assert morning.add(dt(6, 1, 2025, 8), 0.5, "working_days") == dt(6, 1, 2025, 10)
    assert morning.add(dt(6, 1, 2025, 13), 1, "hours") == dt(7, 1, 2025, 9)
    assert morning.add(dt(6, 1, 2025, 13), 1, "days") == dt(8, 1, 2025, 8)
    three = WorkCalendar(
        windows=((time(7, 30), time(11, 30)), (time(13), time(15)), (time(15, 30), time(17, 30)))
    )
    assert three.day_hours == 8
    assert three.add(dt(6, 1, 2025, 7, 30), 6, "hours") == dt(6, 1, 2025, 15)
    assert three.add(dt(6, 1, 2025, 7, 30), Decimal("6.01"), "hours") == datetime(2025, 1, 6, 15, 30, 36)


def test_timezones() -> None:
    # 09:00 UTC is 16:00 in Hà Nội: aware in, aware out, in Asia/Ho_Chi_Minh.
    due = CAL.add(datetime(2025, 1, 3, 9, 0, tzinfo=UTC), 3, "working_days")
    assert due == datetime(2025, 1, 8, 16, 0, tzinfo=LOCAL_TZ)
    assert due.tzinfo is LOCAL_TZ
    assert due.utcoffset().total_seconds() == 7 * 3600
    # Naive in, naive (local) out.
    assert CAL.add(dt(3, 1, 2025, 16), 3, "working_days").tzinfo is None
    # Mixed naive and aware: naive is local time.
    assert CAL.working_hours_between(dt(6, 1, 2025, 7), datetime(2025, 1, 6, 3, 0, tzinfo=UTC)) == 3


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        (1, "weeks", "đơn vị thời gian không hợp lệ"),
        (-1, "hours", "không được âm"),
        (Decimal("-0.5"), "working_days", "không được âm"),
        (float("nan"), "hours", "không hợp lệ"),
        (float("inf"), "hours", "không hợp lệ"),
        (True, "hours", "phải là số"),
        ("3", "hours", "phải là số"),
        (None, "days", "phải là số"),
        (1.5, "days", "số nguyên"),
        (10**7, "working_days", "vượt quá phạm vi"),
    ],
)
def test_bad_amounts_and_units(amount, unit: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CAL.add(dt(6, 1, 2025, 9), amount, unit)


def test_bad_start() -> None:
    with pytest.raises(ValueError, match="datetime"):
        CAL.add(date(2025, 1, 6), 1, "hours")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ((), "ít nhất một"),
        (((time(11), time(7)),), "phải trước"),
        (((time(7), time(7)),), "phải trước"),
        (((time(7), time(12)), (time(11), time(17))), "chồng lên"),
        (((time(13), time(17)), (time(7), time(11))), "chồng lên"),
        ((("7h", "11h"),), "HH:MM"),
        (((time(7),),), "đúng giờ bắt đầu"),
        ((5,), "danh sách"),
        (None, "danh sách"),
    ],
)
def test_bad_windows(windows, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkCalendar(windows=windows)


def test_vietnam_holidays_2025() -> None:
    h = vietnam_holidays(2025)
    assert h[date(2025, 1, 1)] == "Tết Dương lịch"
    assert h[date(2025, 1, 29)] == "Tết Nguyên Đán"
    # Official break 25/01-02/02/2025 (Announcement 6150/TB-BLĐTBXH): every weekday of it is a holiday.
    assert {date(2025, 1, d) for d in range(27, 32)} <= set(h)
    assert h[date(2025, 4, 7)] == "Ngày Giỗ Tổ Hùng Vương"
    assert h[date(2025, 4, 30)] == "Ngày Chiến thắng"
    assert h[date(2025, 5, 1)] == "Ngày Quốc tế Lao động"
    assert h[date(2025, 5, 2)] == "Ngày nghỉ (thay cho ngày 26/04/2025)"
    assert h[date(2025, 9, 2)] == h[date(2025, 9, 1)] == "Quốc khánh"
    assert all(d.year == 2025 for d in h)
    assert vietnam_workdays(2025) == {date(2025, 4, 26): "Làm bù cho ngày nghỉ 02/05/2025"}


def test_vietnam_holidays_2026() -> None:
    h = vietnam_holidays(2026)
    # Tết Bính Ngọ: Tuesday 17/02/2026; weekdays Mon 16/02-Fri 20/02 off (closure Sat 14/02-Sun 22/02).
    assert h[date(2026, 2, 17)] == "Tết Nguyên Đán"
    assert h[date(2026, 2, 16)] == "Giao thừa Tết Nguyên Đán"
    assert {date(2026, 2, d) for d in range(16, 21)} <= set(h)
    assert date(2026, 2, 23) not in h
    assert h[date(2026, 4, 26)] == "Ngày Giỗ Tổ Hùng Vương"
    assert h[date(2026, 4, 27)] == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    assert h[date(2026, 4, 30)] == "Ngày Chiến thắng"
    assert h[date(2026, 5, 1)] == "Ngày Quốc tế Lao động"
    assert h[date(2026, 9, 2)] == h[date(2026, 9, 1)] == "Quốc khánh"
    assert h[date(2026, 11, 24)] == "Ngày Văn hóa Việt Nam"
    assert vietnam_workdays(2026) == {date(2026, 8, 22): "Làm bù cho ngày nghỉ 31/08/2026"}
    # Weekdays off: the 11 statutory days (27/4 standing in for Sunday 26/4), the 31/8 swap and 24/11.
    assert sum(1 for d in h if d.weekday() < 5) == 13


def test_swap_across_new_year() -> None:
    # 31/12/2018 off, made up on Saturday 05/01/2019.
    assert vietnam_workdays(2019)[date(2019, 1, 5)] == "Làm bù cho ngày nghỉ 31/12/2018"
    assert date(2019, 1, 5) not in vietnam_workdays(2018)


@pytest.mark.parametrize("year", [1800, "2025", True, 2025.0])
def test_vietnam_holidays_bad_year(year) -> None:
    with pytest.raises(ValueError, match="năm không hợp lệ"):
        vietnam_holidays(year)
