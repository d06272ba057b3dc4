"""XLSX catalogue files: sheet "Thủ tục" of scalar columns, one sheet per list part, a help sheet."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from .. import reductions
from ..records import PARTS
from .common import (
    _COLUMN_TYPES,
    CHOICE,
    CODES,
    COLUMNS,
    DATE,
    DATETIME,
    HELP_SHEET,
    JSON_LIST,
    MAIN_SHEET,
    PART_FIELDS,
    PART_HELP,
    PART_KEY,
    PART_SHEETS,
    REDUCTIONS,
    REQUIRED_COLUMNS,
    TEXT,
    TEXTS,
    CatalogFileError,
    Location,
    RowProblem,
    SourceRow,
    _as_text,
    _blank,
    _check_header,
    _flatten,
    _join,
    _read_cell,
    _unflatten,
)
from .csv import _csv_unsafe


def _xlsx_value(value: Any, kind: str) -> Any:
    if kind == REDUCTIONS:
        return reductions.format_cell(value)
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
    if kind in (TEXT, TEXTS, REDUCTIONS) and isinstance(value, str) and "\n" in value:
        from openpyxl.styles import Alignment

        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _header(ws: Any, names: list[str]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for col, name in enumerate(names, start=1):
        ws.cell(row=1, column=col, value=name).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(col)].width = (
            40 if name in ("name", "description", "requirements", "title", "exemption", "reductions") else 16
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
        + [(f"“{PART_SHEETS[part]}”: {key}", text) for (part, key), text in PART_HELP.items()]
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
