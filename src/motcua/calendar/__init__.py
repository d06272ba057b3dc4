"""Working-day calendar for legal deadlines (contract §5). Pure Python: importing it never imports Django.

from motcua.calendar import WorkCalendar
cal = WorkCalendar(holidays={...}, workdays={...})
due = cal.add(received_at, 3, "working_days")
"""

from motcua.calendar.core import DEFAULT_WINDOWS, LOCAL_TZ, UNITS, WorkCalendar, parse_windows
from motcua.calendar.vietnam import vietnam_holidays, vietnam_workdays

__all__ = [
    "DEFAULT_WINDOWS",
    "LOCAL_TZ",
    "UNITS",
    "WorkCalendar",
    "parse_windows",
    "vietnam_holidays",
    "vietnam_workdays",
]
