"""The canonical procedure record: one dict shape for the API detail, import/export and version snapshots.

`procedure_to_record` reads a procedure (with its parts prefetched) into that shape; `check_record`
lists everything wrong with an incoming record, each value parsed by the project's shared parsers
(`core.inputs`), so imported text obeys the same rules as the API's. Writing a record is
`catalog.services.apply_record`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from motcua.core import inputs
from motcua.core.errors import ValidationFailed

from . import reductions
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
    "fees__case",
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
                "case": f.case.code if f.case_id else None,
                "description": f.description,
                "exemption": f.exemption,
                "reductions": [{"name": r["name"], "percent": r["percent"]} for r in f.reductions or ()],
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

    def parse(self, path: str, parse: Callable[..., Any], value: Any, fallback: Any, **options: Any) -> Any:
        """`parse(value, path, **options)` (a `core.inputs` parser); its refusal is recorded, `fallback` returned."""
        try:
            return parse(value, path, **options)
        except ValidationFailed as exc:
            if exc.code == "missing_field":
                self.err(path, "bắt buộc (required)")
            else:  # the shared parsers' messages start with the field's name: it is already in front
                self.err(path, exc.message.removeprefix(f"'{path}' ").rstrip("."))
            return fallback

    def at(self, obj: dict, prefix: str = "") -> _Values:
        return _Values(self, obj, prefix)

    def items(self, key: str) -> list[dict]:
        value = self.record.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.err(key, "phải là danh sách đối tượng (must be a list of objects)")
            return []
        return value

    def each(self, key: str, check: Callable[[_Values], dict]) -> list[dict]:
        """Check every item of the list part `key` (`cases`, `steps`...) with `check`."""
        return [check(self.at(it, f"{key}[{i}]")) for i, it in enumerate(self.items(key))]


@dataclass
class _Values:
    """The values of one object of the record (the record itself, its announcement, one component...).

    Each method reads `key`, parses it and returns the clean value; a bad value is recorded under its
    path (`components[2].copies`) and a harmless default is returned, so checking goes on.
    """

    checker: _Checker
    obj: dict
    prefix: str

    def path(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def _parse(self, key: str, parse: Callable[..., Any], fallback: Any, **options: Any) -> Any:
        return self.checker.parse(self.path(key), parse, self.obj.get(key), fallback, **options)

    def text(self, key: str, *, required: bool = False, max_len: int = 500) -> str:
        value = self.obj.get(key)
        # Catalogue texts are pasted from decisions: a value with a line break keeps its lines (and tabs);
        # one without is single-spaced. Either way control characters and lone surrogates are refused.
        multiline = isinstance(value, str) and ("\n" in value or "\r" in value)
        return self._parse(key, inputs.text, "", required=required, max_length=max_len, multiline=multiline)

    def choice(self, key: str, choices: list[str], default: str) -> str:
        """One of `choices`; `default` when absent or blank (pass '' where blank is allowed)."""
        return self._parse(key, inputs.choice, default, choices=tuple(choices), default=default)

    def day(self, key: str) -> date | None:
        return self._parse(key, inputs.day, None)

    def moment(self, key: str) -> datetime | None:
        if self.obj.get(key) in (None, ""):
            return None
        return self._parse(key, inputs.moment, None)

    def integer(self, key: str, default: int = 0, *, maximum: int = 10**12) -> int:
        value = self.obj.get(key)
        if value is None or value == "":
            return default
        try:
            return inputs.integer(value, self.path(key), minimum=0, maximum=maximum)
        except ValidationFailed:
            whole = (
                isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer()
            )
            message = f"phải trong khoảng 0..{maximum} (out of range)"
            self.checker.err(self.path(key), message if whole else "phải là số nguyên (must be an integer)")
            return default

    def boolean(self, key: str, default: bool) -> bool:
        value = self.obj.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        self.checker.err(self.path(key), "phải là true/false (must be a boolean)")
        return default

    def decimal(self, key: str) -> Decimal | None:
        """A duration such as 0.5 (days): non-negative, below 100000, at most 2 decimals."""
        value = self.obj.get(key)
        if value is None or value == "":
            return None
        number = None
        if not isinstance(value, bool):
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                number = None
        if number is None:
            self.checker.err(self.path(key), "phải là số (must be a number)")
            return None
        if not number.is_finite() or number < 0 or number >= 100000 or number != round(number, 2):
            self.checker.err(
                self.path(key), "phải là số không âm, tối đa 2 chữ số thập phân (non-negative, 2 decimals)"
            )
            return None
        return number

    def texts(self, key: str, what: str) -> list[str]:
        """A list of one-line texts (subjects, agency identifiers), blanks dropped; `what` names it in errors."""
        value = self.obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            self.checker.err(self.path(key), f"phải là danh sách {what}")
            return []
        parsed = (
            self.checker.parse(f"{self.path(key)}[{i}]", inputs.text, v, "") for i, v in enumerate(value)
        )
        return [v for v in parsed if v]


def check_record(record: Any, *, known_agencies: set[str] | None = None) -> tuple[dict, list[str]]:
    """Validate and normalise a record. Returns (clean, errors); clean is only usable when errors is empty."""
    c = _Checker(record)
    r = c.at(c.record)
    clean: dict[str, Any] = {
        **_identity(c, r),
        **_where(c, r, known_agencies),
        **_service(r),
        "announcement": _announcement(c),
        "publication_state": r.choice(
            "publication_state", list(Procedure.PublicationState.values), Procedure.PublicationState.DRAFT
        ),
        "published_at": r.moment("published_at"),
    }
    clean["cases"] = c.each("cases", _case)
    case_codes = [x["code"] for x in clean["cases"]]
    if len(set(case_codes)) != len(case_codes):
        c.err("cases", "mã trường hợp bị trùng (duplicate case code)")
    clean["steps"] = c.each("steps", _step)
    clean["channels"] = c.each("channels", _channel)
    if len({x["channel"] for x in clean["channels"]}) != len(clean["channels"]):
        c.err("channels", "mỗi kênh chỉ khai một lần (duplicate channel)")
    clean["components"] = c.each("components", lambda it: _component(it, case_codes))
    if len({x["code"] for x in clean["components"]}) != len(clean["components"]):
        c.err("components", "mã thành phần hồ sơ bị trùng (duplicate component code)")
    clean["forms"] = c.each("forms", _form)
    clean["fees"] = c.each("fees", lambda it: _fee(it, case_codes))
    clean["results"] = c.each("results", _result)
    clean["legal_bases"] = c.each("legal_bases", _legal_basis)
    for key in sorted(set(c.record) - set(clean)):
        c.err(key, "trường không được hỗ trợ (unknown field)")
    return clean, c.errors


def _identity(c: _Checker, r: _Values) -> dict[str, Any]:
    code = r.text("code", required=True, max_len=20)
    if code and not CODE_RE.match(code):
        c.err("code", f"mã thủ tục phải có dạng 1.004222 (got {code!r})")
    local_code = r.text("local_code", max_len=60)
    name = r.text("name", required=True, max_len=500)
    field = c.record.get("field")
    if isinstance(field, str):
        field = {"code": field, "name": field}
    if not isinstance(field, dict):
        c.err("field", "bắt buộc: {code, name} (required)")
        field = {}
    f = c.at(field, "field")
    return {
        "code": code,
        "local_code": local_code,
        "name": name,
        "field": {
            "code": f.text("code", required=True, max_len=40),
            "name": f.text("name", required=True, max_len=255),
        },
        "kind": r.choice("kind", list(Procedure.Kind.values), Procedure.Kind.PUBLIC),
    }


def _where(c: _Checker, r: _Values, known_agencies: set[str] | None) -> dict[str, Any]:
    """Levels and agencies that carry the procedure out."""
    levels = c.record.get("levels", [])
    if not isinstance(levels, list) or any(lv not in LEVELS for lv in levels):
        c.err("levels", f"phải là danh sách trong {', '.join(LEVELS)}")
        levels = []
    vertical_sector = r.boolean("vertical_sector", False)
    agencies = r.texts("agencies", "mã định danh cơ quan (list of agency identifiers)")
    for a in agencies if known_agencies is not None else ():
        if a not in known_agencies:
            c.err("agencies", f"không có cơ quan mã {a!r} (unknown agency)")
    return {
        "levels": list(dict.fromkeys(levels)),
        "vertical_sector": vertical_sector,
        "agencies": list(dict.fromkeys(agencies)),
    }


def _service(r: _Values) -> dict[str, Any]:
    """Time limit, who may use it, conditions, online level."""
    return {
        "processing_time": r.decimal("processing_time"),
        "time_unit": r.choice("time_unit", list(TimeUnit.values), TimeUnit.WORKING_DAYS),
        "time_note": r.text("time_note"),
        "subjects": r.texts("subjects", "chuỗi (list of text)"),
        "requirements": r.text("requirements", max_len=20000),
        "online_level": r.choice(
            "online_level", list(Procedure.OnlineLevel.values), Procedure.OnlineLevel.NONE
        ),
        "eligible_full_online": r.boolean("eligible_full_online", False),
    }


def _announcement(c: _Checker) -> dict[str, Any]:
    ann = c.record.get("announcement") or {}
    if not isinstance(ann, dict):
        c.err("announcement", "phải là đối tượng (must be an object)")
        ann = {}
    a = c.at(ann, "announcement")
    return {
        "number": a.text("number", max_len=60),
        "date": a.day("date"),
        "kind": a.choice("kind", list(Procedure.AnnouncementKind.values), ""),
        "agency": a.text("agency", max_len=255),
    }


def _case(it: _Values) -> dict[str, Any]:
    return {"code": it.text("code", required=True, max_len=40), "name": it.text("name", required=True)}


def _step(it: _Values) -> dict[str, Any]:
    return {
        "title": it.text("title", required=True, max_len=300),
        "description": it.text("description", max_len=20000),
    }


def _channel(it: _Values) -> dict[str, Any]:
    channel = it.choice("channel", list(Channel.values), "")
    if not channel and it.obj.get("channel") in (None, ""):
        it.checker.err(it.path("channel"), "bắt buộc (required)")
    return {
        "channel": channel,
        "processing_time": it.decimal("processing_time"),
        "time_unit": it.choice("time_unit", list(TimeUnit.values), TimeUnit.WORKING_DAYS),
        "fee": it.integer("fee"),
        "description": it.text("description", max_len=5000),
    }


def _component(it: _Values, case_codes: list[str]) -> dict[str, Any]:
    case = it.obj.get("case")
    if case not in (None, "") and case not in case_codes:
        it.checker.err(it.path("case"), f"không có trường hợp {case!r} (unknown case)")
    return {
        "code": it.text("code", required=True, max_len=40),
        "name": it.text("name", required=True, max_len=1000),
        "case": case or None,
        "originals": it.integer("originals", 1, maximum=100),
        "copies": it.integer("copies", 0, maximum=100),
        "required": it.boolean("required", True),
        "form_code": it.text("form_code", max_len=40),
        "replaceable_by_data": it.boolean("replaceable_by_data", False),
        "digitise_required": it.boolean("digitise_required", False),
    }


def _form(it: _Values) -> dict[str, Any]:
    return {
        "code": it.text("code", required=True, max_len=40),
        "name": it.text("name", required=True),
        "url": it.text("url"),
    }


def _fee(it: _Values, case_codes: list[str]) -> dict[str, Any]:
    case = it.obj.get("case")
    if case not in (None, "") and case not in case_codes:
        it.checker.err(it.path("case"), f"không có trường hợp {case!r} (unknown case)")
    listed, problems = reductions.check(it.obj.get("reductions"), it.path("reductions"))
    it.checker.errors.extend(problems)
    return {
        "kind": it.choice("kind", list(ProcedureFee.Kind.values), ProcedureFee.Kind.CHARGE),
        "amount": it.integer("amount"),
        "channel": it.choice("channel", list(Channel.values), ""),
        "case": case or None,
        "description": it.text("description"),
        "exemption": it.text("exemption"),
        "reductions": listed,
    }


def _result(it: _Values) -> dict[str, Any]:
    return {
        "code": it.text("code", max_len=40),
        "name": it.text("name", required=True),
        "paper_required": it.boolean("paper_required", True),
    }


def _legal_basis(it: _Values) -> dict[str, Any]:
    return {
        "number": it.text("number", required=True, max_len=80),
        "title": it.text("title", required=True),
        "issued_on": it.day("issued_on"),
        "effective_on": it.day("effective_on"),
    }
