"""Catalogue quality: constituent parts (domain.md §1.1) and Decision 766 indicators 1.1-1.3 (§3.2).

Everything here reads canonical records (`records.procedure_to_record`), so it works the same on a
file about to be imported and on the live catalogue.

* 1.1 announced on time: decision date <= latest effective date of the legal bases − 20 working days
  (ministry) / − 5 working days (province).
* 1.2 publicised on time: "clicked public" (``published_at``, local date) <= decision date + 10 WD
  (ministry) / 5 WD (province). Not yet publicised: ``pending`` while the window is open, ``late`` after.
  Denominator = publicised + due for publication (pending ones are not yet due).
* 1.3 full content: published procedures stating all of a–g ÷ published procedures.
Scores are ``max × ratio``, rounded to 2 decimals; a zero denominator gives ratio 0 (§3.1 note).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

from django.utils import timezone

from motcua.core.formatting import LOCAL_TZ

from .models import Procedure

AgencyLevel = Literal["ministry", "province"]
AGENCY_LEVELS: tuple[str, ...] = ("province", "ministry")

# Nghị định 63/2010 Art. 8(2) a–g: what indicator 1.3 checks (VERIFIED, 766 formula document).
PARTS_A_G: tuple[tuple[str, str], ...] = (
    ("a", "tên thủ tục hành chính"),
    ("b", "trình tự thực hiện"),
    ("c", "cách thức thực hiện"),
    ("d", "thành phần, số lượng hồ sơ"),
    ("đ", "thời hạn giải quyết"),
    ("e", "đối tượng thực hiện"),
    ("g", "cơ quan thực hiện"),
)
# Recalled extras (Art. 8(2)(h), 8(3)): recommended, not counted in 1.3.
RECOMMENDED: tuple[tuple[str, str], ...] = (
    ("h", "kết quả thực hiện"),
    ("phí", "phí, lệ phí"),
    ("yêu cầu", "yêu cầu, điều kiện"),
)
# Working days before the legal basis takes effect (1.1) and after the decision (1.2).
ANNOUNCE_LEAD = {"ministry": 20, "province": 5}
PUBLISH_WITHIN = {"ministry": 10, "province": 5}
PUBLISHED_STATES = (Procedure.PublicationState.PUBLISHED, Procedure.PublicationState.PUBLISHED_AMENDED)

ON_TIME, LATE, NOT_APPLICABLE, PENDING = "on_time", "late", "not_applicable", "pending"
LOCAL = "local"  # a row's source when the procedure was not imported from the national database
SOURCE_LABELS = {
    LOCAL: "địa phương",
    "list_export": "CSDLQG (tệp danh sách)",
    "portal": "CSDLQG (Cổng DVCQG)",
}
STATUS_LABELS = {
    ON_TIME: "đúng hạn",
    LATE: "trễ hạn",
    NOT_APPLICABLE: "không áp dụng",
    PENDING: "chưa đến hạn",
}


class WorkingDays(Protocol):
    def is_working_day(self, d: date) -> bool: ...


def _stated(value: Any) -> bool:
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def missing_parts(record: dict) -> list[tuple[str, str]]:
    """The constituent parts a–g that the record does not state, as (letter, Vietnamese label)."""
    has_time = (
        record.get("processing_time") is not None
        or any(c.get("processing_time") is not None for c in record.get("channels") or [])
        or _stated(record.get("time_note"))
    )
    present = {
        "a": _stated(record.get("name")),
        "b": bool(record.get("steps")),
        "c": bool(record.get("channels")),
        "d": bool(record.get("components")),
        "đ": has_time,
        "e": any(_stated(s) for s in record.get("subjects") or []),
        "g": bool(record.get("agencies")),
    }
    return [(letter, label) for letter, label in PARTS_A_G if not present[letter]]


def missing_recommended(record: dict) -> list[tuple[str, str]]:
    """The recommended extras (result, fees, requirements) the record does not state."""
    present = {
        "h": bool(record.get("results")),
        "phí": bool(record.get("fees")),
        "yêu cầu": _stated(record.get("requirements")),
    }
    return [(key, label) for key, label in RECOMMENDED if not present[key]]


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return (value.astimezone(LOCAL_TZ) if timezone.is_aware(value) else value).date()
    if isinstance(value, date):
        return value
    text = str(value)
    if "T" in text or len(text) > 10:
        return _as_date(datetime.fromisoformat(text))
    return date.fromisoformat(text)


def shift_working_days(start: date, n: int, calendar: WorkingDays) -> date:
    """The date n working days after start (n < 0: before). Start itself is not counted."""
    step = timedelta(days=1 if n >= 0 else -1)
    d, left = start, abs(n)
    while left:
        d += step
        if calendar.is_working_day(d):
            left -= 1
    return d


def latest_effective_date(record: dict) -> date | None:
    dates = [_as_date(b.get("effective_on")) for b in record.get("legal_bases") or []]
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None


def announcement_timeliness(
    record: dict, *, agency_level: AgencyLevel = "province", calendar: WorkingDays, today: date | None = None
) -> dict[str, dict[str, Any]]:
    """Indicators 1.1 (announcement) and 1.2 (publication) for one record.

    Returns {"announcement": {...}, "publication": {...}}, each with ``status`` (on_time / late /
    not_applicable / pending), ``deadline`` and the dates compared.
    """
    if agency_level not in ANNOUNCE_LEAD:
        raise ValueError(f"agency_level must be one of {', '.join(AGENCY_LEVELS)}")
    today = today or timezone.localdate()
    ann = record.get("announcement") or {}
    decided = _as_date(ann.get("date"))
    effective = latest_effective_date(record)
    lead = ANNOUNCE_LEAD[agency_level]
    announcement: dict[str, Any] = {
        "indicator": "1.1",
        "decision_date": decided,
        "effective_on": effective,
        "working_days": lead,
        "deadline": None,
        "status": NOT_APPLICABLE,
    }
    if effective is not None:
        announcement["deadline"] = shift_working_days(effective, -lead, calendar)
        if decided is not None:
            announcement["status"] = ON_TIME if decided <= announcement["deadline"] else LATE

    within = PUBLISH_WITHIN[agency_level]
    published = _as_date(record.get("published_at"))
    publication: dict[str, Any] = {
        "indicator": "1.2",
        "decision_date": decided,
        "published_on": published,
        "working_days": within,
        "deadline": None,
        "status": NOT_APPLICABLE,
    }
    if decided is not None:
        deadline = shift_working_days(decided, within, calendar)
        publication["deadline"] = deadline
        if published is not None:
            publication["status"] = ON_TIME if published <= deadline else LATE
        else:
            publication["status"] = PENDING if today <= deadline else LATE
    return {"announcement": announcement, "publication": publication}


def default_calendar() -> WorkingDays:
    """The product's calendar (the administered holiday table)."""
    from motcua.directory.calendars import calendar_for

    return calendar_for()


def report_row(
    record: dict,
    *,
    agency_level: AgencyLevel = "province",
    calendar: WorkingDays,
    today: date | None = None,
    source: str = LOCAL,
) -> dict[str, Any]:
    timeliness = announcement_timeliness(record, agency_level=agency_level, calendar=calendar, today=today)
    missing = missing_parts(record)
    return {
        "code": record.get("code", ""),
        "name": record.get("name", ""),
        "source": source,
        "publication_state": record.get("publication_state", ""),
        "published": record.get("publication_state") in PUBLISHED_STATES,
        "missing": [{"letter": letter, "label": label} for letter, label in missing],
        "recommended_missing": [
            {"letter": key, "label": label} for key, label in missing_recommended(record)
        ],
        "complete": not missing,
        "announcement": timeliness["announcement"],
        "publication": timeliness["publication"],
    }


def completeness_report(
    procedures: Iterable[dict | Procedure],
    *,
    agency_level: AgencyLevel = "province",
    calendar: WorkingDays | None = None,
    today: date | None = None,
    sources: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One row per procedure: missing parts a–g, recommended extras, 1.1 and 1.2 status.

    ``procedures`` are canonical records, or Procedure objects loaded with `records.PREFETCH`. ``sources``:
    code -> where the record came from (`catalog.national.national_sources`), shown as each row's
    ``source``; a record imported from the national list export states only a) and g) (and its field), so
    its row lists what the province still has to add (steps, channels, components, time limit, subjects,
    results, fees).
    """
    sources = sources or {}
    from .records import procedure_to_record

    calendar = calendar or default_calendar()
    today = today or timezone.localdate()
    return [
        report_row(
            p if isinstance(p, dict) else procedure_to_record(p),
            agency_level=agency_level,
            calendar=calendar,
            today=today,
            source=sources.get(p["code"] if isinstance(p, dict) else p.code, LOCAL),
        )
        for p in procedures
    ]


def _indicator(code: str, name: str, maximum: int, numerator: int, denominator: int) -> dict[str, Any]:
    ratio = numerator / denominator if denominator else 0.0
    return {
        "indicator": code,
        "name": name,
        "numerator": numerator,
        "denominator": denominator,
        "ratio": round(ratio * 100, 2),
        "score": round(maximum * ratio, 2),
        "max_score": maximum,
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Indicators 1.1 (6 points), 1.2 (4) and 1.3 (2) over report rows; ratio in per cent."""

    def count(part: str, *statuses: str) -> int:
        return sum(1 for r in rows if r[part]["status"] in statuses)

    published = [r for r in rows if r["published"]]
    indicators = [
        _indicator(
            "1.1",
            "TTHC được công bố đúng hạn",
            6,
            count("announcement", ON_TIME),
            count("announcement", ON_TIME, LATE),
        ),
        _indicator(
            "1.2",
            "TTHC được công khai đúng hạn trên CSDLQG về TTHC",
            4,
            count("publication", ON_TIME),
            count("publication", ON_TIME, LATE),
        ),
        _indicator(
            "1.3",
            "TTHC được công khai đầy đủ các bộ phận cấu thành",
            2,
            sum(1 for r in published if r["complete"]),
            len(published),
        ),
    ]
    return {
        "procedures": len(rows),
        "indicators": indicators,
        "score": round(sum(i["score"] for i in indicators), 2),
        "max_score": sum(i["max_score"] for i in indicators),
        "pending_publication": count("publication", PENDING),
    }
