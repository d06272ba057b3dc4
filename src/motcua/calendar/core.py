"""Working-time arithmetic for legal deadlines (contract §5). Pure Python: no Django here.

Model: for a calendar, ``F(t)`` is the working time (in microseconds) from a fixed epoch up to instant ``t``.
Every operation is arithmetic on ``F``:

* ``working_hours_between(a, b) = F(b) - F(a)`` (0 when ``b <= a``);
* ``add(s, h, "hours")`` is the earliest instant ``t`` with ``F(t) = F(s) + h``. Earliest means that a budget
  which runs out exactly at a window's end returns that end (11:30, 17:00), never the next opening.

``F`` is computed without walking the days: Monday-Friday counts come from whole weeks, and the (few)
exceptions are two sorted lists searched with ``bisect``. An add of any length costs a few dozen
integer operations and a binary search of ~20 steps.

Time zones: naive datetimes are local time in Asia/Ho_Chi_Minh; aware ones are converted to it. Results
keep the caller's convention: naive in, naive local out; aware in, aware out in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        LOCAL_TZ: tzinfo = ZoneInfo("Asia/Ho_Chi_Minh")
    except ZoneInfoNotFoundError:  # no tz database: Vietnam has been a fixed UTC+7 since 1975
        LOCAL_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
except ImportError:  # pragma: no cover - Python < 3.9 is not supported anyway
    LOCAL_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")

UNITS = ("working_days", "hours", "days")
DEFAULT_WINDOWS: tuple[tuple[time, time], ...] = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))

_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR
_D_US_PER_HOUR = Decimal(_US_PER_HOUR)

Amount = int | float | Decimal


def _tod_us(t: time) -> int:
    """Microseconds since midnight."""
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _parse_time(value: time | str) -> time:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError("khung giờ làm việc phải là giờ địa phương, không kèm múi giờ")
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"giờ không hợp lệ: {value!r} (dạng HH:MM)") from None
    raise ValueError(f"giờ không hợp lệ: {value!r}")


def parse_windows(windows: Iterable) -> tuple[tuple[time, time], ...]:
    """Validate working windows: non-empty, each start < end, sorted, not overlapping.

    Accepts ``time`` objects or "HH:MM" strings (the shape stored in ``Agency.working_windows``).
    """
    try:
        pairs = [tuple(w) for w in windows]
    except TypeError:
        raise ValueError("khung giờ làm việc phải là danh sách các cặp (giờ bắt đầu, giờ kết thúc)") from None
    if not pairs:
        raise ValueError("cần ít nhất một khung giờ làm việc")
    result: list[tuple[time, time]] = []
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"khung giờ phải có đúng giờ bắt đầu và giờ kết thúc: {pair!r}")
        start, end = _parse_time(pair[0]), _parse_time(pair[1])
        if start >= end:
            raise ValueError(f"khung giờ {start:%H:%M}-{end:%H:%M}: giờ bắt đầu phải trước giờ kết thúc")
        if result and start < result[-1][1]:
            prev = result[-1]
            raise ValueError(
                f"khung giờ {start:%H:%M}-{end:%H:%M} chồng lên hoặc đứng trước khung "
                f"{prev[0]:%H:%M}-{prev[1]:%H:%M}"
            )
        result.append((start, end))
    return tuple(result)


def _to_decimal(amount: Amount) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal):
        raise ValueError(f"số lượng thời gian phải là số: {amount!r}")
    try:
        value = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    except (InvalidOperation, ValueError):
        raise ValueError(f"số lượng thời gian không hợp lệ: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"số lượng thời gian không hợp lệ: {amount!r}")
    if value < 0:
        raise ValueError(f"số lượng thời gian không được âm: {amount!r}")
    return value


def _weekdays_before(o: int) -> int:
    """Number of Monday-Friday days with ordinal < o (ordinal 1 = Monday 0001-01-01)."""
    weeks, rem = divmod(o - 1, 7)
    return 5 * weeks + min(rem, 5)


class WorkCalendar:
    """Working days and hours of one agency (or the province): see contract §5 for the rules."""

    __slots__ = (
        "holidays",
        "workdays",
        "windows",
        "_wins",
        "_day_us",
        "_removed",
        "_added",
        "_added_set",
        "_removed_set",
        "_first_open",
        "_last_close",
    )

    def __init__(
        self,
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        windows: Iterable = DEFAULT_WINDOWS,
    ):
        self.holidays: frozenset[date] = frozenset(_as_date(d) for d in holidays)
        self.workdays: frozenset[date] = frozenset(_as_date(d) for d in workdays)
        self.windows = parse_windows(windows)
        self._wins = tuple((_tod_us(a), _tod_us(b)) for a, b in self.windows)
        self._day_us = sum(b - a for a, b in self._wins)
        self._first_open = self._wins[0][0]
        self._last_close = self._wins[-1][1]
        # Exceptions to the Monday-Friday week, as sorted ordinals. ``workdays`` wins over ``holidays``.
        self._removed = sorted(
            d.toordinal() for d in self.holidays if d.weekday() < 5 and d not in self.workdays
        )
        self._added = sorted(d.toordinal() for d in self.workdays if d.weekday() >= 5)
        self._removed_set = frozenset(self._removed)
        self._added_set = frozenset(self._added)

    def __repr__(self) -> str:
        wins = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in self.windows)
        return f"<WorkCalendar {len(self._removed)} holidays, {len(self._added)} workdays, {wins}>"

    # ----------------------------------------------------------------- days
    @property
    def day_hours(self) -> Decimal:
        """Working time of one working day, in hours (8 by default)."""
        return Decimal(self._day_us) / _D_US_PER_HOUR

    def _is_working_ordinal(self, o: int) -> bool:
        if (o - 1) % 7 < 5:
            return o not in self._removed_set
        return o in self._added_set

    def is_working_day(self, d: date | datetime) -> bool:
        if isinstance(d, datetime):
            d = _local_naive(d).date()
        return self._is_working_ordinal(d.toordinal())

    def _working_days_before(self, o: int) -> int:
        """W(o): number of working days with ordinal < o."""
        return _weekdays_before(o) - bisect_left(self._removed, o) + bisect_left(self._added, o)

    def _ordinal_of_nth(self, n: int) -> int:
        """Ordinal of the n-th working day from the epoch (n >= 1): the x with W(x) = n-1 and x working."""
        # Smallest y with W(y) >= n; the answer is y - 1. Weekday arithmetic gives a first guess, then
        # a bounded binary search absorbs the exceptions.
        # W(y) <= weekdays_before(y) + len(added), so W(lo) < n for the lower bound below.
        t = n - 1
        guess = 2 + 7 * (t // 5) + t % 5  # smallest y with weekdays_before(y) >= n
        lo = max(1, guess - 7 * (len(self._added) // 5 + 1))
        hi = guess
        while self._working_days_before(hi) < n:
            hi += (n - self._working_days_before(hi)) * 7 // 5 + 7
        while lo < hi:
            mid = (lo + hi) // 2
            if self._working_days_before(mid) >= n:
                hi = mid
            else:
                lo = mid + 1
        return lo - 1

    def next_working_day(self, d: date, *, inclusive: bool = True) -> date:
        """``d`` itself when it is a working day and ``inclusive``, else the following working day."""
        o = d.toordinal() + (0 if inclusive else 1)
        return date.fromordinal(self._ordinal_of_nth(self._working_days_before(o) + 1))

    def working_days_in(self, start: date, end: date) -> int:
        """Number of working days in the date range [start, end)."""
        a, b = start.toordinal(), end.toordinal()
        return max(0, self._working_days_before(b) - self._working_days_before(a))

    # ----------------------------------------------------------------- time
    def _used_in_day(self, tod: int) -> int:
        """Working microseconds of a working day that lie before clock time ``tod``."""
        used = 0
        for a, b in self._wins:
            if tod <= a:
                break
            used += (tod if tod < b else b) - a
        return used

    def _f(self, dt: datetime) -> int:
        """F(dt): working microseconds from the epoch to the naive local instant ``dt``."""
        o = dt.toordinal()
        total = self._working_days_before(o) * self._day_us
        if self._is_working_ordinal(o):
            total += self._used_in_day(_tod_us(dt.time()))
        return total

    def _instant(self, target: int) -> datetime:
        """Earliest naive local instant t with F(t) = target (target > 0)."""
        k, rem = divmod(target, self._day_us)
        if rem == 0:  # used up exactly at the end of the k-th working day
            return _at(self._ordinal_of_nth(k), self._last_close)
        o = self._ordinal_of_nth(k + 1)
        for a, b in self._wins:
            length = b - a
            if rem <= length:
                return _at(o, a + rem)
            rem -= length
        raise AssertionError("unreachable: rem < day length")  # pragma: no cover

    def _next_working_instant(self, dt: datetime) -> datetime:
        """Earliest instant >= dt inside a window (window ends included) of a working day."""
        o = dt.toordinal()
        if self._is_working_ordinal(o):
            tod = _tod_us(dt.time())
            for a, b in self._wins:
                if tod <= b:
                    return dt if tod >= a else _at(o, a)
        return _at(self._ordinal_of_nth(self._working_days_before(o + 1) + 1), self._first_open)

    def next_working_time(self, dt: datetime) -> datetime:
        """Earliest instant >= dt that lies in working time (how a reception after hours is counted)."""
        local = _local_naive(dt)
        return _restore(self._next_working_instant(local), dt)

    def add(self, start: datetime, amount: Amount, unit: str = "working_days") -> datetime:
        """The instant at which ``amount`` of ``unit`` counted from ``start`` is used up (contract §5)."""
        if unit not in UNITS:
            raise ValueError(f"đơn vị thời gian không hợp lệ: {unit!r} (chọn một trong {', '.join(UNITS)})")
        if not isinstance(start, datetime):
            raise ValueError(f"thời điểm bắt đầu phải là datetime: {start!r}")
        value = _to_decimal(amount)
        local = _local_naive(start)
        if unit == "days" and value != value.to_integral_value():
            raise ValueError(f"số ngày theo lịch phải là số nguyên: {amount!r}")
        try:
            if unit == "days":
                result = local + timedelta(days=int(value))
                if not self._is_working_ordinal(result.toordinal()):
                    result = datetime.combine(self.next_working_day(result.date()), result.time())
                result = self._next_working_instant(result)
            else:
                hours = value * self.day_hours if unit == "working_days" else value
                us = int((hours * _D_US_PER_HOUR).to_integral_value())
                result = self._instant(self._f(local) + us) if us > 0 else self._next_working_instant(local)
        except (OverflowError, ValueError):  # past year 9999: datetime's own range errors
            raise ValueError("thời hạn vượt quá phạm vi ngày tháng") from None
        return _restore(result, start)

    def working_hours_between(self, start: datetime, end: datetime) -> Decimal:
        """Working time inside [start, end], in hours (0 when end <= start)."""
        us = self._f(_local_naive(end)) - self._f(_local_naive(start))
        return _hours(us) if us > 0 else Decimal(0)

    def working_days_between(self, start: datetime, end: datetime) -> Decimal:
        """Working time inside [start, end], in working days (hours / working time of a day)."""
        us = self._f(_local_naive(end)) - self._f(_local_naive(start))
        return Decimal(us) / Decimal(self._day_us) if us > 0 else Decimal(0)

    def extend_by_pause(self, due: datetime, paused_from: datetime, paused_to: datetime) -> datetime:
        """Due date after a supplement pause: moved by the working time between request and supplement."""
        return self.add(due, self.working_hours_between(paused_from, paused_to), "hours")


def _hours(us: int) -> Decimal:
    q = Decimal(us) / _D_US_PER_HOUR
    # Exact results print without trailing zeros (Decimal('2.5'), not Decimal('2.500000000')).
    return q.normalize() if q == q.to_integral_value() else q


def _as_date(d: date) -> date:
    if isinstance(d, datetime):
        return _local_naive(d).date()
    if not isinstance(d, date):
        raise ValueError(f"ngày không hợp lệ: {d!r}")
    return d


def _local_naive(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        return dt
    return dt.astimezone(LOCAL_TZ).replace(tzinfo=None)


def _restore(result: datetime, like: datetime) -> datetime:
    """Naive in, naive out; aware in, aware out in Asia/Ho_Chi_Minh."""
    if like.tzinfo is None or like.utcoffset() is None:
        return result
    return result.replace(tzinfo=LOCAL_TZ)


def _at(ordinal: int, tod_us: int) -> datetime:
    return datetime.fromordinal(ordinal) + timedelta(microseconds=tod_us)


__all__ = ["DEFAULT_WINDOWS", "LOCAL_TZ", "UNITS", "WorkCalendar", "parse_windows"]
