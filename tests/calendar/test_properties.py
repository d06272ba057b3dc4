"""Property-based checks of WorkCalendar against a plain day-by-day reference implementation."""

from __future__ import annotations

import subprocess
import sys
import timeit
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.calendar import LOCAL_TZ, WorkCalendar

FEW = settings(max_examples=60, deadline=None)
LO, HI = date(2024, 1, 1), date(2027, 12, 31)


@st.composite
def windows(draw) -> tuple[tuple[time, time], ...]:
    if draw(st.booleans()):
        return ((time(7), time(11, 30)), (time(13, 30), time(17)))
    n = draw(st.integers(1, 3))
    points = sorted(draw(st.sets(st.integers(0, 24 * 60 - 1), min_size=2 * n, max_size=2 * n)))
    as_time = [time(p // 60, p % 60) for p in points]
    return tuple(zip(as_time[::2], as_time[1::2], strict=True))


@st.composite
def calendars(draw) -> WorkCalendar:
    holidays = draw(st.sets(st.dates(LO, HI), max_size=80))
    weekend = draw(st.sets(st.dates(LO, HI).filter(lambda d: d.weekday() >= 5), max_size=10))
    return WorkCalendar(holidays=holidays, workdays=weekend, windows=draw(windows()))


instants = st.datetimes(datetime(2024, 1, 1), datetime(2026, 12, 31)).map(lambda d: d.replace(microsecond=0))
hours = st.decimals(min_value=0, max_value=400, places=2)
days = st.decimals(min_value=0, max_value=60, places=2)


def in_working_time(cal: WorkCalendar, t: datetime) -> bool:
    return cal.is_working_day(t.date()) and any(a <= t.time() <= b for a, b in cal.windows)


def inside_a_window(cal: WorkCalendar, t: datetime) -> bool:
    return cal.is_working_day(t.date()) and any(a <= t.time() < b for a, b in cal.windows)


def ref_add(cal: WorkCalendar, s: datetime, h: Decimal) -> datetime:
    """Walk the windows day by day, spending ``h`` hours (h > 0)."""
    remaining = timedelta(microseconds=int(h * 3_600_000_000))
    day = s.date()
    while True:
        if cal.is_working_day(day):
            for a, b in cal.windows:
                lo, hi = max(datetime.combine(day, a), s), datetime.combine(day, b)
                if lo < hi:
                    if remaining <= hi - lo:
                        return lo + remaining
                    remaining -= hi - lo
        day += timedelta(days=1)


def ref_between(cal: WorkCalendar, s: datetime, e: datetime) -> Decimal:
    total = timedelta()
    day = s.date()
    while day <= e.date():
        if cal.is_working_day(day):
            for a, b in cal.windows:
                lo, hi = max(datetime.combine(day, a), s), min(datetime.combine(day, b), e)
                if lo < hi:
                    total += hi - lo
        day += timedelta(days=1)
    return Decimal(total // timedelta(microseconds=1)) / Decimal(3_600_000_000)


@FEW
@given(calendars(), instants, hours)
def test_hours_round_trip_for_any_start(cal: WorkCalendar, s: datetime, h: Decimal) -> None:
    t = cal.add(s, h, "hours")
    assert t >= s
    assert cal.working_hours_between(s, t) == h
    assert in_working_time(cal, t)


@FEW
@given(instants, hours)
def test_hours_round_trip_inside_a_window_default_calendar(s: datetime, h: Decimal) -> None:
    cal = WorkCalendar(
        holidays={date(2025, 1, 1), date(2025, 4, 30), date(2025, 5, 1)}, workdays={date(2025, 4, 26)}
    )
    s = cal.next_working_time(s)
    if not inside_a_window(cal, s):  # landed on a window end: step into the next window
        s = cal.add(s + timedelta(minutes=1), 0, "hours")
    assert inside_a_window(cal, s)
    assert cal.working_hours_between(s, cal.add(s, h, "hours")) == h


@FEW
@given(calendars(), instants, hours.filter(lambda h: h > 0))
def test_add_matches_reference_and_is_the_earliest_instant(
    cal: WorkCalendar, s: datetime, h: Decimal
) -> None:
    t = cal.add(s, h, "hours")
    assert t == ref_add(cal, s, h)
    # Earliest: a microsecond before, the time is not yet used up (so 11:30, never 13:30).
    assert cal.working_hours_between(s, t - timedelta(microseconds=1)) < h


@FEW
@given(calendars(), instants, instants)
def test_between_matches_reference(cal: WorkCalendar, a: datetime, b: datetime) -> None:
    expected = ref_between(cal, a, b) if b > a else Decimal(0)
    assert cal.working_hours_between(a, b) == expected
    assert abs(cal.working_days_between(a, b) - expected / cal.day_hours) < Decimal("1e-20")


@FEW
@given(calendars(), instants, hours, hours)
def test_monotonic_in_amount(cal: WorkCalendar, s: datetime, h1: Decimal, h2: Decimal) -> None:
    h1, h2 = sorted((h1, h2))
    assert cal.add(s, h1, "hours") <= cal.add(s, h2, "hours")
    assert cal.add(s, h1 / 8, "working_days") <= cal.add(s, h2 / 8, "working_days")


@FEW
@given(instants, days)
def test_working_days_are_eight_hours(s: datetime, d: Decimal) -> None:
    cal = WorkCalendar(holidays={date(2025, 1, 1)}, workdays={date(2025, 4, 26)})
    assert cal.add(s, d, "working_days") == cal.add(s, d * 8, "hours")
    assert in_working_time(cal, cal.add(s, d, "working_days"))


@FEW
@given(calendars(), instants, days)
def test_working_days_scale_with_the_day_length(cal: WorkCalendar, s: datetime, d: Decimal) -> None:
    assert cal.add(s, d, "working_days") == cal.add(s, d * cal.day_hours, "hours")


@FEW
@given(calendars(), instants, st.integers(0, 400))
def test_calendar_days(cal: WorkCalendar, s: datetime, n: int) -> None:
    t = cal.add(s, n, "days")
    plain = s + timedelta(days=n)
    assert t >= plain
    assert in_working_time(cal, t)
    if in_working_time(cal, plain):
        assert t == plain
    elif not cal.is_working_day(plain.date()):
        same_clock = datetime.combine(cal.next_working_day(plain.date()), plain.time())
        assert t == cal.next_working_time(same_clock)


@FEW
@given(calendars(), instants, hours)
def test_aware_and_naive_agree(cal: WorkCalendar, s: datetime, h: Decimal) -> None:
    aware = s.replace(tzinfo=LOCAL_TZ).astimezone(UTC)
    result = cal.add(aware, h, "hours")
    assert result.tzinfo is LOCAL_TZ
    assert result.replace(tzinfo=None) == cal.add(s, h, "hours")
    assert cal.working_hours_between(aware, result) == h


def test_a_sixty_working_day_add_is_fast() -> None:
    cal = WorkCalendar(
        holidays={date(2025, 1, 1) + timedelta(days=i * 17) for i in range(60)},
        workdays={date(2025, 4, 26), date(2026, 8, 22)},
    )
    start = datetime(2025, 3, 14, 15, 20)
    loops = 2000
    seconds = timeit.timeit(lambda: cal.add(start, 60, "working_days"), number=loops) / loops
    assert seconds < 0.0005, f"{seconds * 1e6:.1f} µs per add"
    seconds = timeit.timeit(lambda: cal.add(start, 3650, "working_days"), number=200) / 200
    assert seconds < 0.0005, f"{seconds * 1e6:.1f} µs per ten-year add"


def test_importing_the_calendar_does_not_import_django() -> None:
    code = (
        "import sys, datetime, motcua.calendar as c\n"
        "c.WorkCalendar(holidays=c.vietnam_holidays(2026)).add(datetime.datetime(2026, 2, 13, 15), 1, 'hours')\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
