"""Fee reductions (miễn, giảm) a procedure lists per fee row: who qualifies and by how much (ADR 0032).

A reduction is `{"name": "Hộ nghèo", "percent": 100}`: the condition as the legal text names it and the
share of the fee waived, 1..100 (100 = exempted). One shape everywhere: the model's JSON field, the
record, the JSON and CSV files. A spreadsheet cell and the admin's text box hold the compact form
`Hộ nghèo: 100%; Người cao tuổi: 50%` (a JSON list when a name itself holds ';').

`owed(base, percent)` is the one place an amount after a reduction is computed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from motcua.core import inputs
from motcua.core.errors import ValidationFailed

NAME_MAX = 200
MAX_ITEMS = 30
_PERCENT = re.compile(r"^\s*(\d+)\s*%?\s*$")


def owed(base: int, percent: int) -> int:
    """What is left to pay of `base` đồng after a reduction of `percent` %: integer arithmetic, rounded
    down to the đồng (in the payer's favour: never more than (100 − percent) % of the base)."""
    return base * (100 - percent) // 100


def check(value: Any, path: str = "reductions") -> tuple[list[dict[str, Any]], list[str]]:
    """(clean list, problems as 'path: message'): names non-empty one-line text, percent 1..100, no name
    twice (compared case-insensitively)."""
    if value is None or value == "":
        return [], []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        return [], [f"{path}: phải là danh sách {{name, percent}} (must be a list of objects)"]
    errors: list[str] = []
    if len(value) > MAX_ITEMS:
        errors.append(f"{path}: tối đa {MAX_ITEMS} đối tượng miễn, giảm (too many)")
    clean: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        unknown = sorted(set(item) - {"name", "percent"})
        if unknown:
            errors.append(f"{where}.{unknown[0]}: trường không được hỗ trợ (unknown field)")
        try:
            name = inputs.text(item.get("name"), f"{where}.name", max_length=NAME_MAX, required=True)
        except ValidationFailed as exc:
            said = exc.message.removeprefix(f"'{where}.name' ").rstrip(".")
            errors.append(
                f"{where}.name: " + ("bắt buộc (required)" if exc.code == "missing_field" else said)
            )
            name = ""
        percent = item.get("percent")
        if percent is None or percent == "":
            errors.append(f"{where}.percent: bắt buộc (required)")
            percent = 0
        elif isinstance(percent, bool) or not isinstance(percent, int | float) or percent != int(percent):
            errors.append(f"{where}.percent: phải là số nguyên (must be an integer)")
            percent = 0
        elif not 1 <= percent <= 100:
            errors.append(f"{where}.percent: phải trong khoảng 1..100 (out of range)")
        if name:
            key = name.casefold()
            if key in seen:
                errors.append(f"{where}.name: trùng với {path}[{seen[key]}] “{name}” (duplicate)")
            seen.setdefault(key, i)
        clean.append({"name": name, "percent": int(percent)})
    return clean, errors


def parse_cell(text: Any) -> tuple[Any, str | None]:
    """A compact cell -> (list of {name, percent}, error). Unreadable percents stay raw text so that
    `check` names them; a blank cell is []."""
    if text is None:
        return [], None
    if isinstance(text, list):
        return text, None
    raw = str(text).strip()
    if not raw:
        return [], None
    if raw.startswith("["):
        try:
            return json.loads(raw), None
        except json.JSONDecodeError as exc:
            return None, f"danh sách JSON không hợp lệ ({exc.msg}, cột {exc.colno})"
    out: list[dict[str, Any]] = []
    for part in raw.split(";"):
        part = part.strip()
        if not part:
            continue
        name, sep, percent = part.rpartition(":")
        if not sep:
            return None, f"“{part}”: viết dạng “Tên đối tượng: 50%” (expected 'name: percent')"
        m = _PERCENT.match(percent)
        out.append({"name": name.strip(), "percent": int(m.group(1)) if m else percent.strip()})
    return out, None


def format_cell(items: list[dict[str, Any]] | None) -> str:
    """The compact form of a clean list (JSON text when a name would not survive it)."""
    items = list(items or [])
    plain = all(
        isinstance(it.get("name"), str)
        and it["name"]
        and ";" not in it["name"]
        and it["name"] == it["name"].strip()
        and isinstance(it.get("percent"), int)
        for it in items
    )
    if not plain or (items and items[0]["name"].startswith("[")):
        return json.dumps(items, ensure_ascii=False)
    return "; ".join(f"{it['name']}: {it['percent']}%" for it in items)


def find(items: list[dict[str, Any]] | None, name: str) -> dict[str, Any] | None:
    """The reduction of that name (case-insensitive) among `items`."""
    key = (name or "").strip().casefold()
    return next((it for it in items or () if str(it.get("name", "")).casefold() == key), None)
