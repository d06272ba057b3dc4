"""The canonical procedure record: one dict shape for the API detail, import/export and version snapshots.

`procedure_to_record` reads a procedure (with its parts prefetched) into that shape; `check_record`
lists everything wrong with an incoming record. Writing a record is `catalog.services.apply_record`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from motcua.core.text import nfc

from .models import Channel, Procedure, ProcedureFee, TimeUnit

CODE_RE = re.compile(r"^\d\.\d{6}$")
LEVELS = ("ministry", "province", "district", "commune")
PARTS = ("cases", "steps", "channels", "components", "forms", "fees", "results", "legal_bases")
PREFETCH = (
    "agencies",
    "cases",
    "steps",
    "channels",
    "components__case",
    "forms",
    "fees",
    "results",
    "legal_bases",
)


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def procedure_to_record(p: Procedure) -> dict[str, Any]:
    """The full record; expects `select_related('field')` and `prefetch_related(*PREFETCH)`."""
    return {
        "code": p.code,
        "local_code": p.local_code,
        "name": p.name,
        "field": {"code": p.field.code, "name": p.field.name},
        "kind": p.kind,
        "levels": p.levels,
        "vertical_sector": p.vertical_sector,
        "agencies": [a.identifier for a in p.agencies.all()],
        "processing_time": _num(p.processing_time),
        "time_unit": p.time_unit,
        "time_note": p.time_note,
        "subjects": list(p.subjects),
        "requirements": p.requirements,
        "online_level": p.online_level,
        "eligible_full_online": p.eligible_full_online,
        "announcement": {
            "number": p.announcement_number,
            "date": _iso(p.announcement_date),
            "kind": p.announcement_kind,
            "agency": p.announcing_agency,
        },
        "publication_state": p.publication_state,
        "published_at": _iso(p.published_at),
        "cases": [{"code": c.code, "name": c.name} for c in p.cases.all()],
        "steps": [{"title": s.title, "description": s.description} for s in p.steps.all()],
        "channels": [
            {
                "channel": c.channel,
                "processing_time": _num(c.processing_time),
                "time_unit": c.time_unit,
                "fee": c.fee,
                "description": c.description,
            }
            for c in p.channels.all()
        ],
        "components": [
            {
                "code": c.code,
                "name": c.name,
                "case": c.case.code if c.case_id else None,
                "originals": c.originals,
                "copies": c.copies,
                "required": c.required,
                "form_code": c.form_code,
                "replaceable_by_data": c.replaceable_by_data,
                "digitise_required": c.digitise_required,
            }
            for c in p.components.all()
        ],
        "forms": [{"code": f.code, "name": f.name, "url": f.url} for f in p.forms.all()],
        "fees": [
            {
                "kind": f.kind,
                "amount": f.amount,
                "channel": f.channel,
                "description": f.description,
                "exemption": f.exemption,
            }
            for f in p.fees.all()
        ],
        "results": [
            {"code": r.code, "name": r.name, "paper_required": r.paper_required} for r in p.results.all()
        ],
        "legal_bases": [
            {
                "number": b.number,
                "title": b.title,
                "issued_on": _iso(b.issued_on),
                "effective_on": _iso(b.effective_on),
            }
            for b in p.legal_bases.all()
        ],
    }


class _Checker:
    """Collects every problem of one record as 'path: message' instead of stopping at the first."""

    def __init__(self, record: Any):
        self.errors: list[str] = []
        self.record = record if isinstance(record, dict) else {}
        if not isinstance(record, dict):
            self.errors.append("bản ghi phải là một đối tượng JSON (record must be an object)")

    def err(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def text(self, obj: dict, key: str, path: str, *, required: bool = False, max_len: int = 500) -> str:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                self.err(path, "bắt buộc (required)")
            return ""
        if not isinstance(value, str):
            self.err(path, "phải là chuỗi (must be text)")
            return ""
        value = nfc(value) if "\n" not in value else value.strip()
        if len(value) > max_len:
            self.err(path, f"dài quá {max_len} ký tự (longer than {max_len})")
        return value

    def boolean(self, obj: dict, key: str, path: str, default: bool) -> bool:
        value = obj.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        self.err(path, "phải là true/false (must be a boolean)")
        return default

    def integer(self, obj: dict, key: str, path: str, default: int = 0, *, maximum: int = 10**12) -> int:
        value = obj.get(key, default)
        if value is None or value == "":
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                self.err(path, "phải là số nguyên (must be an integer)")
                return default
        if not 0 <= value <= maximum:
            self.err(path, f"phải trong khoảng 0..{maximum} (out of range)")
            return default
        return value

    def decimal(self, obj: dict, key: str, path: str) -> Decimal | None:
        value = obj.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            self.err(path, "phải là số (must be a number)")
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.err(path, "phải là số (must be a number)")
            return None
        if not number.is_finite() or number < 0 or number >= 100000 or number != round(number, 2):
            self.err(path, "phải là số không âm, tối đa 2 chữ số thập phân (non-negative, 2 decimals)")
            return None
        return number

    def choice(
        self, obj: dict, key: str, path: str, choices: list[str], default: str, *, blank: bool = False
    ) -> str:
        value = obj.get(key, default)
        if value is None or (value == "" and not blank):
            return default
        if value == "" and blank:
            return ""
        if value not in choices:
            self.err(path, f"phải là một trong {', '.join(choices)} (got {value!r})")
            return default
        return value

    def day(self, obj: dict, key: str, path: str) -> date | None:
        value = obj.get(key)
        if value is None or value == "":
            return None
        parsed = None
        if isinstance(value, str):
            try:
                parsed = parse_date(value)
            except ValueError:
                parsed = None
        if parsed is None:
            self.err(path, "phải là ngày dạng YYYY-MM-DD (must be a date)")
        return parsed

    def moment(self, obj: dict, key: str, path: str) -> datetime | None:
        value = obj.get(key)
        if value is None or value == "":
            return None
        parsed = None
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value)
            except ValueError:
                parsed = None
        if parsed is None:
            self.err(path, "phải là thời điểm ISO 8601 (must be a datetime)")
            return None
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)

    def items(self, key: str) -> list[dict]:
        value = self.record.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.err(key, "phải là danh sách đối tượng (must be a list of objects)")
            return []
        return value


def check_record(record: Any, *, known_agencies: set[str] | None = None) -> tuple[dict, list[str]]:
    """Validate and normalise a record. Returns (clean, errors); clean is only usable when errors is empty."""
    c = _Checker(record)
    r = c.record
    clean: dict[str, Any] = {}
    code = c.text(r, "code", "code", required=True, max_len=20)
    if code and not CODE_RE.match(code):
        c.err("code", f"mã thủ tục phải có dạng 1.004222 (got {code!r})")
    clean["code"] = code
    clean["local_code"] = c.text(r, "local_code", "local_code", max_len=60)
    clean["name"] = c.text(r, "name", "name", required=True, max_len=500)
    field = r.get("field")
    if isinstance(field, str):
        field = {"code": field, "name": field}
    if not isinstance(field, dict):
        c.err("field", "bắt buộc: {code, name} (required)")
        field = {}
    clean["field"] = {
        "code": c.text(field, "code", "field.code", required=True, max_len=40),
        "name": c.text(field, "name", "field.name", required=True, max_len=255),
    }
    clean["kind"] = c.choice(r, "kind", "kind", list(Procedure.Kind.values), Procedure.Kind.PUBLIC)
    levels = r.get("levels", [])
    if not isinstance(levels, list) or any(lv not in LEVELS for lv in levels):
        c.err("levels", f"phải là danh sách trong {', '.join(LEVELS)}")
        levels = []
    clean["levels"] = list(dict.fromkeys(levels))
    clean["vertical_sector"] = c.boolean(r, "vertical_sector", "vertical_sector", False)
    agencies = r.get("agencies", [])
    if not isinstance(agencies, list) or not all(isinstance(a, str) for a in agencies):
        c.err("agencies", "phải là danh sách mã định danh cơ quan (list of agency identifiers)")
        agencies = []
    if known_agencies is not None:
        for a in agencies:
            if a not in known_agencies:
                c.err("agencies", f"không có cơ quan mã {a!r} (unknown agency)")
    clean["agencies"] = list(dict.fromkeys(agencies))
    clean["processing_time"] = c.decimal(r, "processing_time", "processing_time")
    clean["time_unit"] = c.choice(r, "time_unit", "time_unit", list(TimeUnit.values), TimeUnit.WORKING_DAYS)
    clean["time_note"] = c.text(r, "time_note", "time_note")
    subjects = r.get("subjects", [])
    if not isinstance(subjects, list) or not all(isinstance(s, str) for s in subjects):
        c.err("subjects", "phải là danh sách chuỗi (list of text)")
        subjects = []
    clean["subjects"] = [nfc(s) for s in subjects if s.strip()]
    clean["requirements"] = c.text(r, "requirements", "requirements", max_len=20000)
    clean["online_level"] = c.choice(
        r, "online_level", "online_level", list(Procedure.OnlineLevel.values), Procedure.OnlineLevel.NONE
    )
    clean["eligible_full_online"] = c.boolean(r, "eligible_full_online", "eligible_full_online", False)
    ann = r.get("announcement") or {}
    if not isinstance(ann, dict):
        c.err("announcement", "phải là đối tượng (must be an object)")
        ann = {}
    clean["announcement"] = {
        "number": c.text(ann, "number", "announcement.number", max_len=60),
        "date": c.day(ann, "date", "announcement.date"),
        "kind": c.choice(
            ann, "kind", "announcement.kind", list(Procedure.AnnouncementKind.values), "", blank=True
        ),
        "agency": c.text(ann, "agency", "announcement.agency", max_len=255),
    }
    clean["publication_state"] = c.choice(
        r,
        "publication_state",
        "publication_state",
        list(Procedure.PublicationState.values),
        Procedure.PublicationState.DRAFT,
    )
    clean["published_at"] = c.moment(r, "published_at", "published_at")

    cases = []
    for i, it in enumerate(c.items("cases")):
        cases.append(
            {
                "code": c.text(it, "code", f"cases[{i}].code", required=True, max_len=40),
                "name": c.text(it, "name", f"cases[{i}].name", required=True),
            }
        )
    case_codes = [x["code"] for x in cases]
    if len(set(case_codes)) != len(case_codes):
        c.err("cases", "mã trường hợp bị trùng (duplicate case code)")
    clean["cases"] = cases
    clean["steps"] = [
        {
            "title": c.text(it, "title", f"steps[{i}].title", required=True, max_len=300),
            "description": c.text(it, "description", f"steps[{i}].description", max_len=20000),
        }
        for i, it in enumerate(c.items("steps"))
    ]
    channels = []
    for i, it in enumerate(c.items("channels")):
        channels.append(
            {
                "channel": c.choice(
                    it, "channel", f"channels[{i}].channel", list(Channel.values), "", blank=True
                )
                or (c.err(f"channels[{i}].channel", "bắt buộc (required)") or ""),
                "processing_time": c.decimal(it, "processing_time", f"channels[{i}].processing_time"),
                "time_unit": c.choice(
                    it, "time_unit", f"channels[{i}].time_unit", list(TimeUnit.values), TimeUnit.WORKING_DAYS
                ),
                "fee": c.integer(it, "fee", f"channels[{i}].fee"),
                "description": c.text(it, "description", f"channels[{i}].description", max_len=5000),
            }
        )
    if len({x["channel"] for x in channels}) != len(channels):
        c.err("channels", "mỗi kênh chỉ khai một lần (duplicate channel)")
    clean["channels"] = channels
    components = []
    for i, it in enumerate(c.items("components")):
        case = it.get("case")
        if case not in (None, "") and case not in case_codes:
            c.err(f"components[{i}].case", f"không có trường hợp {case!r} (unknown case)")
        components.append(
            {
                "code": c.text(it, "code", f"components[{i}].code", required=True, max_len=40),
                "name": c.text(it, "name", f"components[{i}].name", required=True, max_len=1000),
                "case": case or None,
                "originals": c.integer(it, "originals", f"components[{i}].originals", 1, maximum=100),
                "copies": c.integer(it, "copies", f"components[{i}].copies", 0, maximum=100),
                "required": c.boolean(it, "required", f"components[{i}].required", True),
                "form_code": c.text(it, "form_code", f"components[{i}].form_code", max_len=40),
                "replaceable_by_data": c.boolean(
                    it, "replaceable_by_data", f"components[{i}].replaceable_by_data", False
                ),
                "digitise_required": c.boolean(
                    it, "digitise_required", f"components[{i}].digitise_required", False
                ),
            }
        )
    if len({x["code"] for x in components}) != len(components):
        c.err("components", "mã thành phần hồ sơ bị trùng (duplicate component code)")
    clean["components"] = components
    clean["forms"] = [
        {
            "code": c.text(it, "code", f"forms[{i}].code", required=True, max_len=40),
            "name": c.text(it, "name", f"forms[{i}].name", required=True),
            "url": c.text(it, "url", f"forms[{i}].url"),
        }
        for i, it in enumerate(c.items("forms"))
    ]
    clean["fees"] = [
        {
            "kind": c.choice(
                it, "kind", f"fees[{i}].kind", list(ProcedureFee.Kind.values), ProcedureFee.Kind.CHARGE
            ),
            "amount": c.integer(it, "amount", f"fees[{i}].amount"),
            "channel": c.choice(it, "channel", f"fees[{i}].channel", list(Channel.values), "", blank=True),
            "description": c.text(it, "description", f"fees[{i}].description"),
            "exemption": c.text(it, "exemption", f"fees[{i}].exemption"),
        }
        for i, it in enumerate(c.items("fees"))
    ]
    clean["results"] = [
        {
            "code": c.text(it, "code", f"results[{i}].code", max_len=40),
            "name": c.text(it, "name", f"results[{i}].name", required=True),
            "paper_required": c.boolean(it, "paper_required", f"results[{i}].paper_required", True),
        }
        for i, it in enumerate(c.items("results"))
    ]
    clean["legal_bases"] = [
        {
            "number": c.text(it, "number", f"legal_bases[{i}].number", required=True, max_len=80),
            "title": c.text(it, "title", f"legal_bases[{i}].title", required=True),
            "issued_on": c.day(it, "issued_on", f"legal_bases[{i}].issued_on"),
            "effective_on": c.day(it, "effective_on", f"legal_bases[{i}].effective_on"),
        }
        for i, it in enumerate(c.items("legal_bases"))
    ]
    unknown = set(r) - set(clean) if isinstance(record, dict) else set()
    for key in sorted(unknown):
        c.err(key, "trường không được hỗ trợ (unknown field)")
    return clean, c.errors
