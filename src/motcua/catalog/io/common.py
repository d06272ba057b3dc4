"""What every catalogue file format shares: the columns and cell types, row locations and problems, and
the cell readers that turn what Excel or a text editor holds into record values (see `catalog.io`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils import timezone

from motcua.core.errors import ValidationFailed
from motcua.core.formatting import LOCAL_TZ
from motcua.core.text import fold

from .. import reductions
from ..models import Channel, Procedure, ProcedureFee, TimeUnit

SUFFIXES = (".json", ".csv", ".xlsx")
PROGRESS_EVERY = 100
PUBLISHED_STATES = (Procedure.PublicationState.PUBLISHED, Procedure.PublicationState.PUBLISHED_AMENDED)

Progress = Callable[[int, int], None]

# Cell types: how a cell is written and read back so that the round trip is lossless.
TEXT, OPT_TEXT, CHOICE, NUMBER, INT, BOOL, DATE, DATETIME, CODES, TEXTS, JSON_LIST, REDUCTIONS = (
    "text",
    "opt_text",
    "choice",
    "number",
    "int",
    "bool",
    "date",
    "datetime",
    "codes",
    "texts",
    "json",
    "reductions",
)

# (column, type, choices, Vietnamese description for the "Hướng dẫn" sheet)
COLUMNS: list[tuple[str, str, Any, str]] = [
    ("code", TEXT, None, "Mã thủ tục, dạng 1.004222 (bắt buộc)"),
    ("local_code", TEXT, None, "Mã thủ tục tại địa phương"),
    ("name", TEXT, None, "Tên thủ tục (bắt buộc)"),
    ("field_code", TEXT, None, "Mã lĩnh vực (bắt buộc)"),
    ("field_name", TEXT, None, "Tên lĩnh vực (bắt buộc)"),
    ("kind", CHOICE, Procedure.Kind, "public = thủ tục hành chính; internal = nội bộ"),
    ("levels", CODES, None, "Cấp thực hiện, cách nhau bởi ';': ministry;province;district;commune"),
    ("vertical_sector", BOOL, None, "Ngành dọc: true/false"),
    ("agencies", CODES, None, "Mã định danh cơ quan thực hiện, cách nhau bởi ';'"),
    ("processing_time", NUMBER, None, "Thời hạn giải quyết (số, ví dụ 0.5)"),
    ("time_unit", CHOICE, TimeUnit, "working_days = ngày làm việc; days = ngày; hours = giờ làm việc"),
    ("time_note", TEXT, None, "Ghi chú thời hạn"),
    ("subjects", TEXTS, None, "Đối tượng thực hiện, cách nhau bởi ';'"),
    ("requirements", TEXT, None, "Yêu cầu, điều kiện"),
    (
        "online_level",
        CHOICE,
        Procedure.OnlineLevel,
        "full = toàn trình; partial = một phần; none = thông tin",
    ),
    ("eligible_full_online", BOOL, None, "Đủ điều kiện DVCTT toàn trình: true/false"),
    ("announcement_number", TEXT, None, "Số quyết định công bố"),
    ("announcement_date", DATE, None, "Ngày quyết định công bố (dd/mm/yyyy hoặc yyyy-mm-dd)"),
    (
        "announcement_kind",
        CHOICE,
        Procedure.AnnouncementKind,
        "new = ban hành mới; amended = sửa đổi, bổ sung; abolished = bãi bỏ",
    ),
    ("announcement_agency", TEXT, None, "Cơ quan công bố"),
    (
        "publication_state",
        CHOICE,
        Procedure.PublicationState,
        "draft, published, published_amended, abolished",
    ),
    ("published_at", DATETIME, None, "Thời điểm công khai (ISO 8601, ví dụ 2025-07-10T08:00:00+07:00)"),
]
REQUIRED_COLUMNS = ("code", "name", "field_code", "field_name")

# Fields of each list part: (key, type, choices).
PART_FIELDS: dict[str, list[tuple[str, str, Any]]] = {
    "cases": [("code", TEXT, None), ("name", TEXT, None)],
    "steps": [("title", TEXT, None), ("description", TEXT, None)],
    "channels": [
        ("channel", CHOICE, Channel),
        ("processing_time", NUMBER, None),
        ("time_unit", CHOICE, TimeUnit),
        ("fee", INT, None),
        ("description", TEXT, None),
    ],
    "components": [
        ("code", TEXT, None),
        ("name", TEXT, None),
        ("case", OPT_TEXT, None),
        ("originals", INT, None),
        ("copies", INT, None),
        ("required", BOOL, None),
        ("form_code", TEXT, None),
        ("replaceable_by_data", BOOL, None),
        ("digitise_required", BOOL, None),
    ],
    "forms": [("code", TEXT, None), ("name", TEXT, None), ("url", TEXT, None)],
    "fees": [
        ("kind", CHOICE, ProcedureFee.Kind),
        ("amount", INT, None),
        ("channel", CHOICE, Channel),
        ("case", OPT_TEXT, None),
        ("description", TEXT, None),
        ("exemption", TEXT, None),
        ("reductions", REDUCTIONS, None),
    ],
    "results": [("code", TEXT, None), ("name", TEXT, None), ("paper_required", BOOL, None)],
    "legal_bases": [
        ("number", TEXT, None),
        ("title", TEXT, None),
        ("issued_on", DATE, None),
        ("effective_on", DATE, None),
    ],
}
# What the help sheet says of a part's column beyond its name (the others read as their name says).
PART_HELP: dict[tuple[str, str], str] = {
    ("fees", "case"): "Mã trường hợp (trang “Trường hợp”) mà mức thu này áp dụng; để trống = mọi trường hợp",
    (
        "fees",
        "channel",
    ): "Cách thức nộp mà mức thu này áp dụng: counter, online, postal; trống = mọi cách thức",
    ("fees", "exemption"): "Miễn, giảm: văn bản nguyên văn như quyết định công bố",
    ("fees", "reductions"): (
        "Đối tượng được miễn, giảm và tỷ lệ, cách nhau bởi ';', ví dụ "
        "“Hộ nghèo: 100%; Người cao tuổi: 50%” (100% = miễn; tỷ lệ là số nguyên từ 1 đến 100; "
        "tên không trùng nhau). Người nộp chọn một đối tượng khi nộp hồ sơ; số tiền sau giảm được "
        "làm tròn xuống đến đồng"
    ),
}
MAIN_SHEET = "Thủ tục"
HELP_SHEET = "Hướng dẫn"
PART_SHEETS = {
    "cases": "Trường hợp",
    "steps": "Trình tự",
    "channels": "Cách thức",
    "components": "Thành phần hồ sơ",
    "forms": "Mẫu đơn, tờ khai",
    "fees": "Phí, lệ phí",
    "results": "Kết quả",
    "legal_bases": "Căn cứ pháp lý",
}
PART_KEY = "procedure_code"


# --- errors and reports -------------------------------------------------------------------------


class CatalogFileError(ValidationFailed):
    """The file cannot be read at all (bad JSON, not an xlsx, wrong encoding, missing columns...)."""

    code = "unreadable_catalog_file"


@dataclass(frozen=True)
class Location:
    """Where a row is: CSV physical line; XLSX sheet + row; JSON array index (+ line when known)."""

    line: int | None = None
    sheet: str | None = None
    index: int | None = None

    def __str__(self) -> str:
        if self.sheet is not None:
            return f"trang “{self.sheet}”, dòng {self.line}"
        if self.index is not None:
            return f"phần tử [{self.index}]" + (f" (dòng {self.line})" if self.line else "")
        return f"dòng {self.line}"

    def as_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (("line", self.line), ("sheet", self.sheet), ("index", self.index))
            if v is not None
        }


@dataclass
class RowProblem:
    location: Location
    code: str
    messages: list[str]

    def __str__(self) -> str:
        where = f"{self.location} (mã {self.code})" if self.code else str(self.location)
        return f"{where}: " + "; ".join(self.messages)


class CatalogImportInvalid(ValidationFailed):
    """Some rows are bad: every bad row is listed, nothing was written."""

    code = "invalid_catalog"

    def __init__(self, problems: list[RowProblem], total: int):
        self.problems = problems
        self.total = total
        super().__init__(
            f"Tệp có {len(problems)} dòng lỗi trên {total} thủ tục; không nhập thủ tục nào "
            f"({len(problems)} bad row(s), nothing imported).",
            details=[
                {"location": str(p.location), **p.location.as_dict(), "code": p.code, "messages": p.messages}
                for p in problems
            ],
        )

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass
class SourceRow:
    """One procedure as read from a file, before checking."""

    location: Location
    record: Any
    errors: list[str] = field(default_factory=list)  # parse errors of single cells
    # XLSX: where each item of a part came from, so that `components[2].name: ...` points at its row.
    part_locations: dict[str, list[Location]] = field(default_factory=dict)
    extra: list[RowProblem] = field(default_factory=list)
    clean: dict[str, Any] | None = None  # set by check_rows


def _suffix(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise CatalogFileError(
            f"Không hỗ trợ loại tệp “{Path(path).suffix or Path(path).name}”: chỉ nhận .json, .csv, .xlsx "
            f"(unsupported file type).",
            code="unsupported_file_type",
        )
    return suffix


# --- cell values --------------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,\s]\d{3})+$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d+$")
# Excel runs a CSV cell starting with one of these as a formula; a leading apostrophe keeps it text.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_TRUE = {"true", "1", "co", "x", "yes", "dung"}
_FALSE = {"false", "0", "khong", "no", "sai"}


def _choice_lookup(choices: Any) -> dict[str, str]:
    table = {fold(str(label)): value for value, label in choices.choices}
    table.update({fold(value): value for value in choices.values})
    return table


_LOOKUPS: dict[Any, dict[str, str]] = {}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _number(value: Any) -> Any:
    """int or float as `records._num` gives them; anything unreadable stays raw for check_record to report."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else value
    text = str(value).strip()
    if _DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    return int(number) if number == number.to_integral_value() else float(number)


def _integer(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float):
        return value
    text = str(value).strip()
    if _THOUSANDS.match(text):  # 1.500.000 as typed by a Vietnamese official
        text = re.sub(r"[.,\s]", "", text)
    return int(text) if text.isdigit() else value


def _boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    key = fold(str(value))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return value


def _day(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    m = _DMY.match(text)
    if m and m.group(4) is None:
        try:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
        except ValueError:
            return value
    return text


def _moment(value: Any) -> Any:
    if isinstance(value, datetime):  # an Excel date-time cell: local time
        return timezone.make_aware(value.replace(tzinfo=None), LOCAL_TZ).isoformat()
    text = str(value).strip()
    m = _DMY.match(text)
    if m:
        try:
            local = datetime(
                int(m.group(3)),
                int(m.group(2)),
                int(m.group(1)),
                int(m.group(4) or 0),
                int(m.group(5) or 0),
                int(m.group(6) or 0),
            )
        except ValueError:
            return value
        return timezone.make_aware(local, LOCAL_TZ).isoformat()
    return text


def _split(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            return json.loads(value), None
        except json.JSONDecodeError as exc:
            return None, f"danh sách JSON không hợp lệ ({exc.msg}, cột {exc.colno})"
    return [part.strip() for part in _as_text(value).split(";") if part.strip()], None


def _join(items: Any, sep: str) -> str:
    items = list(items or [])
    plain = all(isinstance(i, str) and i and i == i.strip() and ";" not in i for i in items)
    if not plain or (items and items[0].startswith("[")):
        return json.dumps(items, ensure_ascii=False)  # lossless when an item itself holds ';'
    return sep.join(items)


def _read_cell(value: Any, kind: str, choices: Any, errors: list[str], path: str) -> Any:
    """Cell -> record value. Unreadable values are passed on raw so that check_record names them."""
    if kind == REDUCTIONS:
        items, error = reductions.parse_cell(value)
        if error:
            errors.append(f"{path}: {error}")
        return items
    if kind in (CODES, TEXTS, JSON_LIST):
        return _read_list(value, kind, errors, path)
    if kind in (TEXT, CHOICE):
        if value is None:
            return ""
        return _read_choice(value, choices) if kind == CHOICE else _as_text(value)
    if _blank(value):
        return None
    return _SCALAR_READERS[kind](value)


def _read_list(value: Any, kind: str, errors: list[str], path: str) -> Any:
    """A list cell: `a;b` codes or texts, or a part written as JSON text (None when that is broken)."""
    if _blank(value):
        return []
    if kind != JSON_LIST:
        items, error = _split(value)
        if error:
            errors.append(f"{path}: {error}")
        return items
    try:
        return json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError as exc:
        errors.append(f"{path}: ô JSON không hợp lệ ({exc.msg}, cột {exc.colno}) (invalid JSON cell)")
        return None


def _read_choice(value: Any, choices: Any) -> str:
    """A coded value, written as its code or its Vietnamese label, with or without accents."""
    lookup = _LOOKUPS.setdefault(choices, _choice_lookup(choices))
    return lookup.get(fold(_as_text(value)), _as_text(value).strip())


# Readers of the non-blank cells of the other kinds (a blank one is None: absent).
_SCALAR_READERS: dict[str, Callable[[Any], Any]] = {
    OPT_TEXT: _as_text,
    NUMBER: _number,
    INT: _integer,
    BOOL: _boolean,
    DATE: _day,
    DATETIME: _moment,
}


def _flatten(record: dict) -> dict[str, Any]:
    """Canonical record -> scalar columns (nested field/announcement spread out)."""
    fld = record.get("field") or {}
    ann = record.get("announcement") or {}
    row = {k: record.get(k) for k, *_ in COLUMNS}
    row.update(
        field_code=fld.get("code"),
        field_name=fld.get("name"),
        announcement_number=ann.get("number"),
        announcement_date=ann.get("date"),
        announcement_kind=ann.get("kind"),
        announcement_agency=ann.get("agency"),
    )
    return row


def _unflatten(values: dict[str, Any]) -> dict[str, Any]:
    """Scalar columns -> record keys; columns absent from the file stay absent (check_record defaults)."""
    record: dict[str, Any] = {}
    ann: dict[str, Any] = {}
    fld: dict[str, Any] = {}
    for key, value in values.items():
        if key.startswith("announcement_"):
            ann[key.removeprefix("announcement_")] = value
        elif key in ("field_code", "field_name"):
            fld[key.removeprefix("field_")] = value
        else:
            record[key] = value
    if fld:
        record["field"] = fld
    if ann:
        record["announcement"] = ann
    return record


_COLUMN_TYPES = {name: (kind, choices) for name, kind, choices, _ in COLUMNS}


def _check_header(header: list[str], allowed: Iterable[str], required: Iterable[str], where: str) -> None:
    allowed = list(allowed)
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise CatalogFileError(f"{where}: cột “{name}” xuất hiện hai lần (duplicate column).")
        seen.add(name)
    unknown = [h for h in header if h and h not in allowed]
    if unknown:
        raise CatalogFileError(f"{where}: cột không được hỗ trợ: {', '.join(unknown)} (unknown column).")
    missing = [c for c in required if c not in seen]
    if missing:
        raise CatalogFileError(f"{where}: thiếu cột bắt buộc: {', '.join(missing)} (missing column).")


def _decode(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogFileError(
            f"Tệp {what} không phải mã UTF-8 (byte lỗi ở vị trí {exc.start}); hãy lưu lại dạng UTF-8 "
            f"(file is not UTF-8).",
            code="bad_encoding",
        ) from exc
