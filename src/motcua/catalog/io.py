"""Catalogue files: the canonical procedure records (`records.py`) as JSON, CSV or XLSX, by file extension.

Layouts, designed so that an official can open and edit them in Excel:

* JSON: a list of canonical records, pretty-printed UTF-8.
* CSV (UTF-8 with BOM, so Excel shows diacritics): one row per procedure. Scalar columns (`COLUMNS`);
  lists of codes/text as ``a;b``; the list parts (cases, steps, ...) as JSON text cells.
* XLSX: sheet "Thủ tục" has the same scalar columns with typed cells (numbers, dates, true/false);
  each part has its own sheet ("Thành phần hồ sơ", "Phí, lệ phí", ...) with one row per item, keyed
  by ``procedure_code``, so components and fees are edited as ordinary rows. A "Hướng dẫn" sheet
  explains the columns and is ignored on import.

Reading a file gives `SourceRow`s; `check_rows` checks each with `records.check_record` and names where
every problem is (CSV line, sheet and row, JSON element and line). Writing them is
`services.import_catalog`: all or nothing, `CatalogImportInvalid` listing every bad row.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils import timezone

from motcua.core.errors import NotFound, ValidationFailed
from motcua.core.formatting import LOCAL_TZ
from motcua.core.text import fold

from .models import Channel, Procedure, ProcedureFee, TimeUnit
from .records import PARTS, PREFETCH, check_record, procedure_to_record

SUFFIXES = (".json", ".csv", ".xlsx")
PROGRESS_EVERY = 100
PUBLISHED_STATES = (Procedure.PublicationState.PUBLISHED, Procedure.PublicationState.PUBLISHED_AMENDED)

Progress = Callable[[int, int], None]

# Cell types: how a cell is written and read back so that the round trip is lossless.
TEXT, OPT_TEXT, CHOICE, NUMBER, INT, BOOL, DATE, DATETIME, CODES, TEXTS, JSON_LIST = (
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
        ("description", TEXT, None),
        ("exemption", TEXT, None),
    ],
    "results": [("code", TEXT, None), ("name", TEXT, None), ("paper_required", BOOL, None)],
    "legal_bases": [
        ("number", TEXT, None),
        ("title", TEXT, None),
        ("issued_on", DATE, None),
        ("effective_on", DATE, None),
    ],
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


# --- JSON ---------------------------------------------------------------------------------------

_JSON_WS = re.compile(r"[ \t\n\r]*")


def _json_element_lines(text: str) -> list[int]:
    """Line of each element of the top-level array (the file is known to be valid JSON)."""
    decoder = json.JSONDecoder()
    pos = _JSON_WS.match(text, 0).end() + 1  # after '['
    lines: list[int] = []
    line, counted = 1, 0
    while True:
        pos = _JSON_WS.match(text, pos).end()
        if text[pos] == "]":
            return lines
        line += text.count("\n", counted, pos)
        counted = pos
        lines.append(line)
        _, pos = decoder.raw_decode(text, pos)
        pos = _JSON_WS.match(text, pos).end()
        if text[pos] == ",":
            pos += 1


def _decode(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogFileError(
            f"Tệp {what} không phải mã UTF-8 (byte lỗi ở vị trí {exc.start}); hãy lưu lại dạng UTF-8 "
            f"(file is not UTF-8).",
            code="bad_encoding",
        ) from exc


def read_json(raw: bytes) -> list[SourceRow]:
    text = _decode(raw, "JSON")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogFileError(
            f"Tệp JSON không hợp lệ: {exc.msg} ở dòng {exc.lineno}, cột {exc.colno} (invalid JSON).",
            code="invalid_json",
        ) from exc
    lines: list[int | None]
    if isinstance(data, list):
        lines = list(_json_element_lines(text))
    elif isinstance(data, dict) and isinstance(data.get("procedures", data.get("items")), list):
        data = data.get("procedures", data.get("items"))
        lines = [None] * len(data)
    else:
        raise CatalogFileError(
            "Tệp JSON phải là một danh sách (mảng) các thủ tục (expected a JSON array).", code="invalid_json"
        )
    return [
        SourceRow(Location(line=line, index=i), item)
        for i, (item, line) in enumerate(zip(data, lines, strict=True))
    ]


def write_json(records: list[dict], out: io.TextIOBase) -> None:
    json.dump(records, out, ensure_ascii=False, indent=2)
    out.write("\n")


# --- CSV ----------------------------------------------------------------------------------------

CSV_HEADER = [name for name, *_ in COLUMNS] + list(PARTS)


def _csv_safe(value: str) -> str:
    return "'" + value if _FORMULA.match(value) else value


def _csv_unsafe(value: str) -> str:
    return value[1:] if value.startswith("'") and _FORMULA.match(value[1:]) else value


def _csv_cell(value: Any, kind: str) -> str:
    # Every cell is neutralised, lists too: read_csv undoes the apostrophe on every cell, so a list cell
    # written raw lost the apostrophe of its first item ("'=" came back "="), and "=..." reached Excel.
    if kind == CODES:
        return _csv_safe(_join(value, ";"))
    if kind == TEXTS:
        return _csv_safe(_join(value, "; "))
    if kind == JSON_LIST:
        return json.dumps(value or [], ensure_ascii=False)  # starts with '[': never a formula
    if value is None:
        return ""
    return _csv_safe(_as_text(value))


def write_csv(records: list[dict], out: io.TextIOBase) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for record in records:
        flat = _flatten(record)
        writer.writerow(
            [_csv_cell(flat[name], kind) for name, kind, *_ in COLUMNS]
            + [_csv_cell(record.get(part), JSON_LIST) for part in PARTS]
        )


def read_csv(raw: bytes) -> list[SourceRow]:
    text = _decode(raw, "CSV")
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise CatalogFileError("Tệp CSV trống hoặc thiếu dòng tiêu đề (empty CSV).", code="empty_file")
    # Excel with Vietnamese regional settings saves ';'-separated CSV: take the header's separator.
    delimiter = max((",", ";", "\t"), key=first.count)
    # JSON cells of a long procedure can pass the csv module's default 128 KiB field limit.
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 26))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
        _check_header(header, CSV_HEADER, REQUIRED_COLUMNS, "Tệp CSV")
        rows: list[SourceRow] = []
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            errors: list[str] = []
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                errors.append(f"dòng có {len(cells)} ô, nhiều hơn {len(header)} cột tiêu đề (too many cells)")
            values: dict[str, Any] = {}
            parts: dict[str, Any] = {}
            for name, cell in zip(header, cells, strict=False):
                if not name:
                    continue
                cell = _csv_unsafe(cell)
                if name in PARTS:
                    parsed = _read_cell(cell, JSON_LIST, None, errors, name)
                    if parsed is not None:
                        parts[name] = parsed
                else:
                    kind, choices = _COLUMN_TYPES[name]
                    values[name] = _read_cell(cell, kind, choices, errors, name)
            for name in header[len(cells) :]:  # a short row: the missing cells are empty
                if name in PARTS:
                    parts[name] = []
                elif name:
                    values[name] = _read_cell("", *_COLUMN_TYPES[name], errors, name)
            rows.append(SourceRow(Location(line=start), {**_unflatten(values), **parts}, errors))
    except csv.Error as exc:
        raise CatalogFileError(
            f"Tệp CSV lỗi ở dòng {reader.line_num}: {exc} (malformed CSV).", code="invalid_csv"
        ) from exc
    return rows


# --- XLSX ---------------------------------------------------------------------------------------


def _xlsx_value(value: Any, kind: str) -> Any:
    if kind == CODES:
        return _join(value, ";")
    if kind == TEXTS:
        return _join(value, "; ")
    if kind == DATE and isinstance(value, str) and value:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return day if day.year >= 1900 else value  # Excel has no dates before 1900: keep the text
    if kind == DATETIME:
        return value or None  # kept as ISO text: Excel has no time zones
    return value


def _put(ws: Any, row: int, col: int, value: Any, kind: str) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, even when the text starts with '='
    elif isinstance(value, date):
        cell.number_format = "DD/MM/YYYY"
    if kind in (TEXT, TEXTS) and isinstance(value, str) and "\n" in value:
        from openpyxl.styles import Alignment

        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _header(ws: Any, names: list[str]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for col, name in enumerate(names, start=1):
        ws.cell(row=1, column=col, value=name).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(col)].width = (
            40 if name in ("name", "description", "requirements", "title", "exemption") else 16
        )
    ws.freeze_panes = "A2"


def write_xlsx(records: list[dict], path: str | Path) -> None:
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = MAIN_SHEET
    names = [name for name, *_ in COLUMNS]
    _header(ws, names)
    for r, record in enumerate(records, start=2):
        flat = _flatten(record)
        for c, (name, kind, *_) in enumerate(COLUMNS, start=1):
            _put(ws, r, c, _xlsx_value(flat[name], kind), kind)
    # Drop-down lists for the coded columns, so that an edit in Excel stays valid.
    from openpyxl.utils import get_column_letter

    for c, (_, kind, choices, _) in enumerate(COLUMNS, start=1):
        if kind == CHOICE:
            dv = DataValidation(type="list", formula1='"' + ",".join(choices.values) + '"', allow_blank=True)
            ws.add_data_validation(dv)
            dv.add(f"{get_column_letter(c)}2:{get_column_letter(c)}1048576")
    for part, sheet in PART_SHEETS.items():
        ps = wb.create_sheet(sheet)
        fields = PART_FIELDS[part]
        _header(ps, [PART_KEY] + [key for key, *_ in fields])
        r = 2
        for record in records:
            for item in record.get(part) or []:
                _put(ps, r, 1, record.get("code"), TEXT)
                for c, (key, kind, _) in enumerate(fields, start=2):
                    _put(ps, r, c, _xlsx_value(item.get(key), kind), kind)
                r += 1
    hs = wb.create_sheet(HELP_SHEET)
    _header(hs, ["cột", "ý nghĩa"])
    hs.column_dimensions["B"].width = 90
    help_rows = (
        [(name, text) for name, _, _, text in COLUMNS]
        + [
            (f"trang “{sheet}”", f"mỗi dòng một mục của phần {part}; cột {PART_KEY} là mã thủ tục")
            for part, sheet in PART_SHEETS.items()
        ]
        + [("", f"Trang “{HELP_SHEET}” không được nhập lại. Ngày: dd/mm/yyyy. Đúng/sai: true/false.")]
    )
    for r, (name, text) in enumerate(help_rows, start=2):
        hs.cell(row=r, column=1, value=name)
        hs.cell(row=r, column=2, value=text)
    wb.save(path)


def _sheet_rows(ws: Any) -> Iterator[tuple[int, list[Any]]]:
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        values = list(row)
        if any(not _blank(v) for v in values):
            yield number, values


def read_xlsx(raw: bytes) -> list[SourceRow]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise CatalogFileError(
            "Không đọc được tệp Excel: tệp không phải .xlsx hợp lệ (not a valid xlsx file).",
            code="invalid_xlsx",
        ) from exc
    try:
        sheets = {ws.title: ws for ws in wb.worksheets}
        by_name = {**{k: k for k in PART_SHEETS}, **{v: k for k, v in PART_SHEETS.items()}}
        main = sheets.get(MAIN_SHEET) or sheets.get("procedures")
        from_csv = main is None and len(sheets) == 1
        if from_csv:
            # An exported CSV opened and saved as .xlsx in Excel: one sheet, with the parts as JSON cells
            # and the CSV's apostrophe before formula-like text still there.
            main = next(iter(sheets.values()))
        if main is None:
            raise CatalogFileError(
                f"Tệp Excel thiếu trang “{MAIN_SHEET}” (missing sheet).", code="missing_sheet"
            )
        unknown = [t for t in sheets if t not in (main.title, HELP_SHEET) and t not in by_name]
        if unknown:
            raise CatalogFileError(
                f"Tệp Excel có trang không được hỗ trợ: {', '.join(unknown)} (unknown sheet).",
                code="unknown_sheet",
            )
        rows: list[SourceRow] = []
        by_code: dict[str, SourceRow] = {}
        header: list[str] | None = None
        for number, values in _sheet_rows(main):
            if header is None:
                header = [_as_text(v).strip() if v is not None else "" for v in values]
                _check_header(header, [*_COLUMN_TYPES, *PARTS], REQUIRED_COLUMNS, f"Trang “{main.title}”")
                both = [PART_SHEETS[p] for p in PARTS if p in header and PART_SHEETS[p] in sheets]
                if both:
                    raise CatalogFileError(
                        f"Phần {', '.join(both)} vừa là cột của trang “{main.title}” vừa là "
                        f"một trang riêng: chỉ giữ một (part given twice).",
                        code="part_twice",
                    )
                continue
            errors: list[str] = []
            if from_csv:
                values = [_csv_unsafe(v) if isinstance(v, str) else v for v in values]
            cells = dict(zip(header, values, strict=False))
            flat = {
                name: _read_cell(cells.get(name), *_COLUMN_TYPES[name], errors, name)
                for name in header
                if name in _COLUMN_TYPES
            }
            parts = {
                part: _read_cell(cells.get(part), JSON_LIST, None, errors, part) if part in header else []
                for part in PARTS
            }
            src = SourceRow(
                Location(line=number, sheet=main.title),
                {**_unflatten(flat), **{k: v for k, v in parts.items() if v is not None}},
                errors,
                {part: [] for part in PARTS},
            )
            rows.append(src)
            code = str(src.record.get("code") or "").strip()
            by_code.setdefault(code, src)  # duplicates are reported later; parts go to the first row
        if header is None:
            raise CatalogFileError(
                f"Trang “{main.title}” trống, thiếu dòng tiêu đề (empty sheet).", code="empty_file"
            )
        for title, ws in sheets.items():
            part = by_name.get(title)
            if part is None:
                continue
            fields = {key: (kind, choices) for key, kind, choices in PART_FIELDS[part]}
            pheader: list[str] | None = None
            for number, values in _sheet_rows(ws):
                if pheader is None:
                    pheader = [_as_text(v).strip() if v is not None else "" for v in values]
                    _check_header(pheader, [PART_KEY, *fields], [PART_KEY], f"Trang “{title}”")
                    continue
                here = Location(line=number, sheet=title)
                cells = dict(zip(pheader, values, strict=False))
                code = _as_text(cells.get(PART_KEY) or "").strip()
                owner = by_code.get(code)
                if owner is None:
                    problem = (
                        (
                            f"{PART_KEY}: không có thủ tục mã “{code}” trong trang “{main.title}” "
                            f"(unknown procedure)"
                        )
                        if code
                        else f"{PART_KEY}: bắt buộc (required)"
                    )
                    # Attach to the first row so that the file is rejected; shown at this location.
                    rows.append(SourceRow(here, None, [problem]))
                    continue
                errors: list[str] = []
                item = {
                    key: _read_cell(cells.get(key), kind, choices, errors, key)
                    for key, (kind, choices) in fields.items()
                    if key in pheader
                }
                owner.record[part].append(item)
                owner.part_locations[part].append(here)
                owner.extra.extend(RowProblem(here, code, [e]) for e in errors)
        return rows
    finally:
        wb.close()


# --- reading, checking, importing ---------------------------------------------------------------


def read_file(path: str | Path) -> list[SourceRow]:
    suffix = _suffix(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise CatalogFileError(f"Không tìm thấy tệp {path} (file not found).", code="file_not_found") from exc
    except OSError as exc:
        raise CatalogFileError(
            f"Không đọc được tệp {path}: {exc.strerror} (cannot read file).", code="unreadable_file"
        ) from exc
    return {".json": read_json, ".csv": read_csv, ".xlsx": read_xlsx}[suffix](raw)


_ITEM_PATH = re.compile(r"^(\w+)\[(\d+)\]\.(.*)$", re.S)


def check_rows(rows: list[SourceRow], *, known_agencies: set[str] | None = None) -> list[RowProblem]:
    """Every problem of every row (check_record + parse errors + duplicate codes), in file order."""
    problems: dict[Location, RowProblem] = {}

    def add(loc: Location, code: str, message: str) -> None:
        problems.setdefault(loc, RowProblem(loc, code, [])).messages.append(message)

    first_seen: dict[str, Location] = {}
    for src in rows:
        if src.record is None:  # an orphan XLSX part row
            for e in src.errors:
                add(src.location, "", e)
            continue
        clean, errors = check_record(src.record, known_agencies=known_agencies)
        src.clean = clean
        code = clean.get("code") or ""
        for e in src.errors:
            add(src.location, code, e)
        for p in src.extra:
            for m in p.messages:
                add(p.location, code, m)
        for e in errors:
            m = _ITEM_PATH.match(e)
            locs = src.part_locations.get(m.group(1)) if m else None
            if m and locs and int(m.group(2)) < len(locs):
                add(locs[int(m.group(2))], code, m.group(3))
            else:
                add(src.location, code, e)
        if code:
            if code in first_seen:
                add(
                    src.location,
                    code,
                    f"code: mã thủ tục {code} trùng với {first_seen[code]} (duplicate code)",
                )
            else:
                first_seen[code] = src.location
    order = {MAIN_SHEET: 0, **{s: i for i, s in enumerate(PART_SHEETS.values(), start=1)}}
    return sorted(
        problems.values(),
        key=lambda p: (
            order.get(p.location.sheet or "", 99),
            p.location.index if p.location.index is not None else -1,
            p.location.line or 0,
        ),
    )


# --- exporting ----------------------------------------------------------------------------------


def catalog_records(codes: Iterable[str] | None = None, *, published_only: bool = False) -> Iterator[dict]:
    """Canonical records of the catalogue, ordered by code."""
    qs = Procedure.objects.select_related("field").prefetch_related(*PREFETCH).order_by("code")
    if codes:
        codes = list(dict.fromkeys(codes))
        found = set(Procedure.objects.filter(code__in=codes).values_list("code", flat=True))
        missing = [c for c in codes if c not in found]
        if missing:
            raise NotFound(
                f"Không có thủ tục mã {', '.join(missing)} (unknown procedure code).",
                code="procedure_not_found",
            )
        qs = qs.filter(code__in=codes)
    if published_only:
        qs = qs.filter(publication_state__in=PUBLISHED_STATES)
    for p in qs.iterator(chunk_size=500):
        yield procedure_to_record(p)


def write_file(records: list[dict], path: str | Path) -> None:
    """Write records to path (format by extension), atomically: a failed write leaves no half file."""
    suffix = _suffix(path)
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise CatalogFileError(f"Không có thư mục {directory} (directory does not exist).", code="bad_path")
    fd, tmp = tempfile.mkstemp(prefix=".motcua-", suffix=suffix, dir=directory)
    try:
        if suffix == ".xlsx":
            os.close(fd)
            write_xlsx(records, tmp)
        else:
            # BOM for CSV so that Excel recognises UTF-8 and shows diacritics.
            with open(fd, "w", encoding="utf-8-sig" if suffix == ".csv" else "utf-8", newline="") as out:
                (write_csv if suffix == ".csv" else write_json)(records, out)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_catalog(
    path: str | Path,
    *,
    codes: Iterable[str] | None = None,
    published_only: bool = False,
    progress: Progress | None = None,
) -> int:
    """Write the catalogue (or the given codes) to path; returns the number of procedures written."""
    _suffix(path)
    records: list[dict] = []
    for record in catalog_records(codes, published_only=published_only):
        records.append(record)
        if progress and len(records) % PROGRESS_EVERY == 0:
            progress(len(records), 0)
    try:
        write_file(records, path)
    except OSError as exc:
        raise CatalogFileError(
            f"Không ghi được tệp {path}: {exc.strerror or exc} (cannot write file).", code="unwritable_file"
        ) from exc
    return len(records)
