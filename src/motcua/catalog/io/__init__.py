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

One module per format (`json`, `csv`, `xlsx`, and `national` for the national database's list export and
the portal's full records); `common` holds the columns, cell readers and row problems they share.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from motcua.core.errors import NotFound

from ..models import Procedure
from ..records import PREFETCH, check_record, procedure_to_record
from .common import (
    MAIN_SHEET,
    PART_SHEETS,
    PROGRESS_EVERY,
    PUBLISHED_STATES,
    SUFFIXES,
    CatalogFileError,
    CatalogImportInvalid,
    Location,
    Progress,
    RowProblem,
    SourceRow,
    _suffix,
)
from .csv import read_csv, write_csv
from .json import read_json, write_json
from .national import NationalRow, read_list_export
from .xlsx import read_xlsx, write_xlsx

__all__ = [
    "PROGRESS_EVERY",
    "PUBLISHED_STATES",
    "SUFFIXES",
    "CatalogFileError",
    "CatalogImportInvalid",
    "Location",
    "NationalRow",
    "Progress",
    "RowProblem",
    "SourceRow",
    "catalog_records",
    "check_rows",
    "export_catalog",
    "read_csv",
    "read_file",
    "read_json",
    "read_national_file",
    "read_xlsx",
    "write_csv",
    "write_file",
    "write_json",
    "write_xlsx",
]

# --- reading, checking, importing ---------------------------------------------------------------


def _read_bytes(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise CatalogFileError(f"Không tìm thấy tệp {path} (file not found).", code="file_not_found") from exc
    except OSError as exc:
        raise CatalogFileError(
            f"Không đọc được tệp {path}: {exc.strerror} (cannot read file).", code="unreadable_file"
        ) from exc


def read_file(path: str | Path) -> list[SourceRow]:
    suffix = _suffix(path)
    return {".json": read_json, ".csv": read_csv, ".xlsx": read_xlsx}[suffix](_read_bytes(path))


def read_national_file(path: str | Path) -> list[NationalRow] | None:
    """The rows of the national database's list export, or None when the file is another catalogue file."""
    if _suffix(path) != ".xlsx":
        return None
    return read_list_export(_read_bytes(path))


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
