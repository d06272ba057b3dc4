"""CSV catalogue files (UTF-8 with BOM): one row per procedure, list parts as JSON text cells."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..records import PARTS
from .common import (
    _COLUMN_TYPES,
    _FORMULA,
    CODES,
    COLUMNS,
    JSON_LIST,
    REQUIRED_COLUMNS,
    TEXTS,
    CatalogFileError,
    Location,
    SourceRow,
    _as_text,
    _check_header,
    _decode,
    _flatten,
    _join,
    _read_cell,
    _unflatten,
)

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
