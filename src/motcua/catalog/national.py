"""The catalogue from the national database: matching, merging with local edits, and what differs (ADR 0024).

`import_national` takes `io.national.NationalRow`s (from the list export or the portal), matches the field
and the implementing agencies by name, and merges each procedure field by field with what the province holds:

* the last national values imported (`NationalRecord.record`) are the common ancestor;
* a field the province did not edit (its value still equals that ancestor) takes the new national value;
* a field the province edited keeps the local value; if the national value changed too, the field is
  recorded as a conflict; a field the province marked (`NationalRecord.local_fields`) is always kept;
* on a first import over an existing procedure there is no ancestor: an empty local field takes the national
  value, a stated one that differs is kept and counted as a local edit (never overwritten unseen).

Everything the national sources do not give (local code, publication state, announcement, internal workflow)
is never touched. All or nothing, like every catalogue import: a bad row refuses the whole import.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from motcua.core.errors import NotFound
from motcua.core.text import fold
from motcua.directory.models import Agency

from .io import CatalogImportInvalid, Progress, RowProblem
from .io.national import NationalRow
from .models import Field, NationalRecord, Procedure
from .records import PREFETCH, check_record, procedure_to_record
from .services import _canonical, _current_records, apply_record, create_records

PROGRESS_EVERY = 100

# The record keys merged one by one; cases and components go together (a component names its case).
MERGE_UNITS: tuple[tuple[str, ...], ...] = (
    ("name",),
    ("field",),
    ("kind",),
    ("levels",),
    ("vertical_sector",),
    ("agencies",),
    ("processing_time", "time_unit", "time_note"),
    ("subjects",),
    ("requirements",),
    ("online_level",),
    ("steps",),
    ("channels",),
    ("cases", "components"),
    ("forms",),
    ("fees",),
    ("results",),
    ("legal_bases",),
)
LABELS = {
    "name": "tên thủ tục",
    "field": "lĩnh vực",
    "kind": "loại thủ tục",
    "levels": "cấp thực hiện",
    "vertical_sector": "ngành dọc",
    "agencies": "cơ quan thực hiện",
    "processing_time": "thời hạn giải quyết",
    "time_unit": "đơn vị thời gian",
    "time_note": "ghi chú thời hạn",
    "subjects": "đối tượng thực hiện",
    "requirements": "yêu cầu, điều kiện",
    "online_level": "mức dịch vụ công trực tuyến",
    "steps": "trình tự thực hiện",
    "channels": "cách thức thực hiện",
    "cases": "trường hợp",
    "components": "thành phần hồ sơ",
    "forms": "mẫu đơn, tờ khai",
    "fees": "phí, lệ phí",
    "results": "kết quả thực hiện",
    "legal_bases": "căn cứ pháp lý",
}
MERGEABLE = tuple(LABELS)


def _unit_of(key: str) -> tuple[str, ...]:
    return next(u for u in MERGE_UNITS if key in u)


# --- matching names -----------------------------------------------------------------------------


class AgencyMatcher:
    """Agencies by name, accent-, case- and space-insensitive; full name or short name; never a guess."""

    def __init__(self, agencies: Iterable[Agency] | None = None):
        self.by_name: dict[str, set[str]] = {}
        rows = agencies if agencies is not None else Agency.objects.filter(is_active=True)
        for a in rows:
            for name in {fold(a.name), fold(a.short_name)} - {""}:
                self.by_name.setdefault(name, set()).add(a.identifier)

    def match(self, name: str) -> tuple[str | None, str]:
        """(identifier, "") when exactly one agency has that name, else (None, the reason)."""
        found = self.by_name.get(fold(name), set())
        if len(found) == 1:
            return next(iter(found)), ""
        if not found:
            return None, "không có cơ quan nào trùng tên"
        return None, f"{len(found)} cơ quan trùng tên ({', '.join(sorted(found))})"


class FieldMatcher:
    """Fields by code (the portal gives MaLinhVuc) or by name; a name unknown here makes a new field."""

    def __init__(self):
        self.by_code = {f.code: f for f in Field.objects.all()}
        self.by_name: dict[str, list[Field]] = {}
        for f in self.by_code.values():
            self.by_name.setdefault(fold(f.name), []).append(f)

    def resolve(self, code: str, name: str) -> tuple[dict[str, str] | None, str]:
        if code and code in self.by_code:
            f = self.by_code[code]
            return {"code": f.code, "name": f.name}, ""
        same = self.by_name.get(fold(name), [])
        if len(same) > 1:
            codes = ", ".join(sorted(f.code for f in same))
            return None, f"Lĩnh vực: “{name}” trùng tên {len(same)} lĩnh vực ({codes}); hãy sửa tên lĩnh vực"
        if same:
            return {"code": same[0].code, "name": same[0].name}, ""
        # A new field: the portal's code, or for the list export (names only) a stable code from the name.
        new_code = code or "QG-" + hashlib.sha1(fold(name).encode()).hexdigest()[:8].upper()
        return {"code": new_code, "name": name}, ""


# --- the merge ----------------------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value in (None, "", [], {}) or (isinstance(value, dict) and not any(value.values()))


@dataclass
class Merge:
    record: dict[str, Any]
    kept: list[str] = field(default_factory=list)  # local values kept where the national one differs
    conflicts: list[str] = field(default_factory=list)  # kept, and the national value changed too


def merge(
    national: dict[str, Any],
    local: dict[str, Any] | None,
    base: dict[str, Any] | None,
    marked: Iterable[str] = (),
) -> Merge:
    """Three-way merge of one procedure, unit by unit (see the module docstring)."""
    if local is None:
        return Merge(dict(national))
    marked = set(marked)
    out = Merge(dict(local))
    for unit in MERGE_UNITS:
        keys = [k for k in unit if k in national]
        if not keys:
            continue
        new = {k: national[k] for k in keys}
        mine = {k: local.get(k) for k in keys}
        if mine == new:
            continue
        if base is not None and all(k in base for k in keys):
            old = {k: base[k] for k in keys}
            take = mine == old and not marked.intersection(keys)
            conflict = not take and new != old
        else:
            take = all(_empty(v) for v in mine.values()) and not marked.intersection(keys)
            conflict = False
        if take:
            out.record.update(new)
            continue
        changed = [k for k in keys if mine[k] != new[k]]
        out.kept += changed
        if conflict:
            out.conflicts += changed
    return out


def diff(local: dict[str, Any], national: dict[str, Any]) -> list[dict[str, Any]]:
    """What differs between the procedure and its last national record: field, local, national."""
    return [
        {"field": k, "label": LABELS[k], "local": local.get(k), "national": national[k]}
        for k in MERGEABLE
        if k in national and local.get(k) != national[k]
    ]


# --- import -------------------------------------------------------------------------------------


@dataclass
class NationalImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    published: int = 0
    dry_run: bool = False
    kept: dict[str, list[str]] = field(default_factory=dict)  # code -> fields whose local edit was kept
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    diffs: dict[str, list[dict]] = field(default_factory=dict)  # code -> diff() for the kept fields
    # agency name -> (reason, procedure codes) for names that match no agency or several
    unmatched: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    def summary(self) -> str:
        counts = f"{self.created} mới, {self.updated} cập nhật, {self.unchanged} không đổi"
        if self.published:
            counts += f", {self.published} công khai"
        head = (
            f"Chạy thử: {self.total} thủ tục hợp lệ ({counts}); chưa ghi gì vào cơ sở dữ liệu."
            if self.dry_run
            else f"Đã nhập {self.total} thủ tục từ CSDLQG: {counts}."
        )
        kept = sum(len(v) for v in self.kept.values())
        lines = [head]
        if kept:
            fields = Counter(k for v in self.kept.values() for k in v)
            lines.append(
                f"Giữ {kept} chỉnh sửa của địa phương ở {len(self.kept)} thủ tục "
                f"({', '.join(f'{k}: {n}' for k, n in sorted(fields.items()))}); "
                f"{sum(len(v) for v in self.conflicts.values())} trường CSDLQG cũng đã thay đổi."
            )
            for code, entries in sorted(self.diffs.items()):
                for d in entries:
                    mark = " (cả hai cùng sửa)" if d["field"] in self.conflicts.get(code, ()) else ""
                    lines.append(
                        f"  {code} {d['field']}{mark}: địa phương {show(d['local'])} | "
                        f"CSDLQG {show(d['national'])}"
                    )
        for name, (reason, codes) in sorted(self.unmatched.items()):
            more = f" và {len(codes) - 3} thủ tục khác" if len(codes) > 3 else ""
            lines.append(f"Cơ quan thực hiện “{name}”: {reason}; chưa gán cho {', '.join(codes[:3])}{more}.")
        return "\n".join(lines)


def show(value: Any, limit: int = 60) -> str:
    """A value on one short line: lists of parts by count, a field by name."""
    if value is None or value == "":
        return "(trống)"
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            text = "; ".join(value) or "(trống)"
        else:
            return f"{len(value)} mục"
    elif isinstance(value, dict):
        text = str(value.get("name") or value)
    elif isinstance(value, bool):
        text = "có" if value else "không"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _national_values(
    row: NationalRow, fields: FieldMatcher, agencies: AgencyMatcher, problems: list[str]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The row as a partial canonical record (only the keys the source gives) and its unmatched agencies."""
    values: dict[str, Any] = {"name": row.name, **row.values}
    if row.field_names:
        # A procedure belongs to one field: the first named (the list export names the main one first).
        fld, error = fields.resolve(row.field_code, row.field_names[0])
        if error:
            problems.append(error)
        values["field"] = fld or {"code": "", "name": ""}
    matched: list[str] = []
    unmatched: list[tuple[str, str]] = []
    for name in row.agency_names:
        identifier, reason = agencies.match(name)
        if identifier:
            matched.append(identifier)
        else:
            unmatched.append((name, reason))
    values["agencies"] = sorted(set(matched))
    return values, unmatched


def _normalise(code: str, values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The national values as `procedure_to_record` would give them, and check_record's objections."""
    clean, errors = check_record({"code": code, **values})
    canonical = _canonical(clean)
    return {k: canonical[k] for k in MERGEABLE if k in values or k in _unit_extra(values)}, errors


def _unit_extra(values: dict[str, Any]) -> set[str]:
    # A unit given in part (cases without components) is compared whole.
    return {k for key in values if key in MERGEABLE for k in _unit_of(key)}


def check_national(rows: list[NationalRow]) -> tuple[list[dict], list[RowProblem]]:
    """Match and check every row: (prepared rows, problems). Duplicate codes are reported on each repeat."""
    fields, agencies = FieldMatcher(), AgencyMatcher()
    prepared: list[dict] = []
    problems: list[RowProblem] = []
    first: dict[str, Any] = {}
    for row in rows:
        messages = list(row.errors)
        values, unmatched = _national_values(row, fields, agencies, messages)
        national, errors = ({}, []) if row.errors else _normalise(row.code, values)
        messages += errors
        if row.code in first:
            messages.append(f"Mã số: mã thủ tục {row.code} trùng với {first[row.code]} (duplicate code)")
        elif row.code:
            first[row.code] = row.location
        if messages:
            problems.append(RowProblem(row.location, row.code, messages))
        prepared.append({"row": row, "national": national, "unmatched": unmatched})
    return prepared, problems


def import_national(
    rows: list[NationalRow],
    *,
    publish: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    at: datetime | None = None,
) -> NationalImportResult:
    """Check every row, then merge and write all of them in one transaction (rolled back for a dry run)."""
    prepared, problems = check_national(rows)
    if problems:
        raise CatalogImportInvalid(problems, len(rows))
    at = at or timezone.now()
    result = NationalImportResult(total=len(rows), dry_run=dry_run)
    codes = [p["row"].code for p in prepared]
    with transaction.atomic():
        current = _current_records(codes)
        stored = {
            n.procedure.code: n
            for n in NationalRecord.objects.filter(procedure__code__in=codes).select_related("procedure")
        }
        new: list[tuple[dict, dict]] = []
        for done, item in enumerate(prepared, start=1):
            if item["row"].code in current:
                outcome = _import_one(item, current, stored, publish=publish, at=at, result=result)
                setattr(result, outcome, getattr(result, outcome) + 1)
            else:
                new.append((item, _new_record(item, publish=publish, at=at, result=result)))
            if progress and (done % PROGRESS_EVERY == 0 or done == len(prepared)):
                progress(done, len(prepared))
        if new:
            # New procedures (the whole catalogue on a first import) are written in bulk.
            created = create_records([record for _, record in new], at=at)
            NationalRecord.objects.bulk_create(
                [
                    NationalRecord(procedure=p, imported_at=at, **_national_fields(item, []))
                    for p, (item, _) in zip(created, new, strict=True)
                ],
                batch_size=500,
            )
            result.created += len(created)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _publish(record: dict, *, publish: bool, at: datetime, result: NationalImportResult) -> None:
    if publish and record.get("publication_state", "draft") == Procedure.PublicationState.DRAFT:
        record["publication_state"] = Procedure.PublicationState.PUBLISHED
        record["published_at"] = at.isoformat()
        result.published += 1


def _unmatched(item: dict, result: NationalImportResult) -> None:
    for name, reason in item["unmatched"]:
        result.unmatched.setdefault(name, (reason, []))[1].append(item["row"].code)


def _national_fields(item: dict, conflicts: list[str]) -> dict[str, Any]:
    row: NationalRow = item["row"]
    return {
        "source": row.source,
        "record": item["national"],
        "issuing_body": row.issuing_body,
        "conflicts": conflicts,
        "unmatched_agencies": [{"name": n, "reason": r} for n, r in item["unmatched"]],
    }


def _new_record(item: dict, *, publish: bool, at: datetime, result: NationalImportResult) -> dict:
    record = {"code": item["row"].code, **item["national"]}
    _publish(record, publish=publish, at=at, result=result)
    _unmatched(item, result)
    return record


def _import_one(
    item: dict, current: dict, stored: dict, *, publish: bool, at: datetime, result: NationalImportResult
) -> str:
    row: NationalRow = item["row"]
    national: dict[str, Any] = item["national"]
    local = current.get(row.code)
    previous = stored.get(row.code)
    merged = merge(
        national,
        local,
        previous.record if previous else None,
        previous.local_fields if previous else (),
    )
    record = merged.record
    _publish(record, publish=publish, at=at, result=result)
    _unmatched(item, result)
    if merged.kept:
        result.kept[row.code] = merged.kept
        result.diffs[row.code] = diff(local, {k: national[k] for k in merged.kept})
    # A conflict stays recorded until the province resolves it (takes the national value or marks the field).
    conflicts = sorted(
        set(merged.conflicts) | (set(previous.conflicts if previous else ()) & set(merged.kept))
    )
    if conflicts:
        result.conflicts[row.code] = conflicts
    if record == local:
        procedure = Procedure.objects.get(code=row.code)
        outcome = "unchanged"
    else:
        procedure, outcome = apply_record(record, at=at)
    nat = previous or NationalRecord(procedure=procedure)
    wanted = _national_fields(item, conflicts)
    if nat.pk is None or any(getattr(nat, k) != v for k, v in wanted.items()):
        for k, v in wanted.items():
            setattr(nat, k, v)
        nat.imported_at = at
        nat.save()
    return outcome


# --- reading what differs -----------------------------------------------------------------------


def national_diff(code: str) -> dict[str, Any]:
    """The procedure's national record and what differs from it (field, local value, national value)."""
    p = (
        Procedure.objects.select_related("field", "national")
        .prefetch_related(*PREFETCH)
        .filter(code=code)
        .first()
    )
    nat = getattr(p, "national", None) if p else None
    if nat is None:
        raise NotFound(
            f"Thủ tục {code} không được nhập từ CSDLQG về TTHC (no national record).",
            code="national_record_not_found",
        )
    return diff_of(p, nat)


def diff_of(p: Procedure, nat: NationalRecord, local: dict | None = None) -> dict[str, Any]:
    local = local if local is not None else procedure_to_record(p)
    entries = diff(local, nat.record)
    for d in entries:
        d["conflict"] = d["field"] in nat.conflicts
        d["marked"] = d["field"] in nat.local_fields
    return {
        "code": p.code,
        "source": nat.source,
        "imported_at": nat.imported_at,
        "issuing_body": nat.issuing_body,
        "local_fields": list(nat.local_fields),
        "unmatched_agencies": list(nat.unmatched_agencies),
        "differences": entries,
    }


def national_sources(codes: Iterable[str] | None = None) -> dict[str, str]:
    """code -> source, for procedures imported from the national database."""
    qs = NationalRecord.objects.all()
    if codes is not None:
        qs = qs.filter(procedure__code__in=list(codes))
    return dict(qs.values_list("procedure__code", "source"))


# --- from the portal ----------------------------------------------------------------------------


def fetch_portal_rows(client: Any, codes: list[str] | None = None, progress: Progress | None = None) -> list:
    """Full national records through the portal: the list (LayDanhSachTTHC) unless `codes` are given, then
    LayThuTuc for each. A code the portal does not know is refused like a bad row. Raises PortalError."""
    from .io.national import from_portal

    if not codes:
        codes = list(dict.fromkeys(str(item.get("MaTTHC") or "") for item in client.procedures()))
    rows = []
    for i, code in enumerate(codes):
        record = client.procedure(code)
        row = from_portal(record if record is not None else {"MaTTHC": code}, i)
        if record is None:
            row.errors = [f"MaTTHC: Cổng DVCQG không có thủ tục mã {code} (unknown procedure)"]
        rows.append(row)
        if progress and ((i + 1) % 10 == 0 or i + 1 == len(codes)):
            progress(i + 1, len(codes))
    return rows
