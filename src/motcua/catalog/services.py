"""The catalogue's write commands: every procedure, field and version is written here.

`apply_record` writes one canonical record (records.py) in a transaction and snapshots a new
`ProcedureVersion` when the content changed; `import_catalog` applies a whole file (io.py) all or
nothing; the Django admin saves through `save_field`, `save_procedure` and `snapshot`. The derived
search columns are computed in one place (`set_search_columns`), whichever way a procedure is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from motcua.core.errors import ValidationFailed
from motcua.core.text import fold
from motcua.directory.models import Agency

from .io import CatalogImportInvalid, Progress, SourceRow, check_rows, read_file, read_national_file
from .models import (
    Field,
    LegalBasis,
    Procedure,
    ProcedureCase,
    ProcedureChannel,
    ProcedureComponent,
    ProcedureFee,
    ProcedureForm,
    ProcedureResult,
    ProcedureStep,
    ProcedureVersion,
)
from .records import LEVELS, PARTS, PREFETCH, _iso, _num, check_record, procedure_to_record

PROGRESS_EVERY = 100


# --- derived columns ----------------------------------------------------------------------------


def set_search_columns(p: Procedure, field: Field | None = None) -> None:
    """Derive the accent-folded `name_folded` and `search_text` (name, code, local code, field, subjects).

    The one place this is computed: record import, the Django admin and bulk loaders all call it, so
    search (catalog.selectors) sees the same folding whichever way a procedure was written.
    """
    field = field if field is not None else p.field
    p.name_folded = fold(p.name)
    p.search_text = " ".join(
        filter(
            None, [p.name_folded, p.code, fold(p.local_code), fold(field.name), fold(" ".join(p.subjects))]
        )
    )


def refold_field(field: Field) -> int:
    """After a field is renamed: the search text of its procedures, which includes the field's name."""
    procedures = list(field.procedures.all())
    now = timezone.now()
    for p in procedures:
        set_search_columns(p, field)
        p.updated_at = now  # bulk_update skips auto_now; search's generation check reads updated_at
    Procedure.objects.bulk_update(procedures, ["name_folded", "search_text", "updated_at"], batch_size=500)
    return len(procedures)


# --- versions -----------------------------------------------------------------------------------


def snapshot(p: Procedure, *, at: datetime | None = None) -> ProcedureVersion | None:
    """Record a new version when the record differs from the latest one; close the previous one."""
    at = at or timezone.now()
    record = procedure_to_record(
        Procedure.objects.select_related("field").prefetch_related(*PREFETCH).get(pk=p.pk)
    )
    latest = p.versions.order_by("-number").first()
    if latest is not None and latest.record == record:
        return None
    if latest is not None:
        latest.effective_to = at
        latest.save(update_fields=["effective_to"])
    p.version = (latest.number if latest else 0) + 1
    Procedure.objects.filter(pk=p.pk).update(version=p.version)
    return ProcedureVersion.objects.create(procedure=p, number=p.version, effective_from=at, record=record)


# --- the admin's saves --------------------------------------------------------------------------


def save_field(field: Field, *, renamed: bool) -> None:
    """Save a field edited by hand; a new name is part of its procedures' search text."""
    field.save()
    if renamed:
        refold_field(field)


def save_procedure(p: Procedure) -> None:
    """Save a procedure's own columns edited by hand (its parts and version follow: see `snapshot`)."""
    set_search_columns(p, p.field)
    p.save()


# --- one record ---------------------------------------------------------------------------------


@transaction.atomic
def apply_record(record: Any, *, at: datetime | None = None) -> tuple[Procedure, str]:
    """Create or update one procedure from a record. Returns (procedure, 'created'|'updated'|'unchanged')."""
    clean, errors = check_record(record)
    agencies = {a.identifier: a for a in Agency.objects.filter(identifier__in=clean.get("agencies") or [])}
    errors += [
        f"agencies: không có cơ quan mã {a!r} (unknown agency)"
        for a in clean.get("agencies") or []
        if a not in agencies
    ]
    if errors:
        raise ValidationFailed("; ".join(errors), code="invalid_procedure", details=errors)
    field, _ = Field.objects.get_or_create(
        code=clean["field"]["code"], defaults={"name": clean["field"]["name"]}
    )
    if field.name != clean["field"]["name"]:
        field.name = clean["field"]["name"]
        save_field(field, renamed=True)
    p = Procedure.objects.filter(code=clean["code"]).first()
    outcome = "updated" if p else "created"
    p = p or Procedure(code=clean["code"])
    _set_scalars(p, clean, field)
    p.save()
    p.agencies.set([agencies[a] for a in clean["agencies"]])
    _replace_parts(p, clean)
    version = snapshot(p, at=at)
    if version is None and outcome == "updated":
        outcome = "unchanged"
    return p, outcome


def create_records(records: list[dict], *, at: datetime | None = None) -> list[Procedure]:
    """Create many new procedures at once (a first national import of ~2,000): the rows, their agencies
    and their first versions in bulk; list parts, when records have them, one procedure at a time.

    The records must be valid (check_record) and their codes new. Version 1 holds `_canonical(clean)`,
    the record `procedure_to_record` gives once written (tests/catalog pin that the two agree).
    """
    from .versions import forget_versions

    at = at or timezone.now()
    cleans = []
    for record in records:
        clean, errors = check_record(record)
        if errors:
            raise ValidationFailed("; ".join(errors), code="invalid_procedure", details=errors)
        cleans.append(clean)
    fields: dict[str, Field] = {}
    for clean in cleans:
        code, name = clean["field"]["code"], clean["field"]["name"]
        if code not in fields:
            fields[code], _ = Field.objects.get_or_create(code=code, defaults={"name": name})
    procedures = []
    for clean in cleans:
        p = Procedure(code=clean["code"], version=1)
        _set_scalars(p, clean, fields[clean["field"]["code"]])
        procedures.append(p)
    Procedure.objects.bulk_create(procedures, batch_size=500)
    if any(p.pk is None for p in procedures):  # a backend that does not return ids
        procedures = list(Procedure.objects.filter(code__in=[c["code"] for c in cleans]).order_by("code"))
        procedures.sort(key=lambda p: [c["code"] for c in cleans].index(p.code))
    agency_ids = dict(
        Agency.objects.filter(identifier__in={a for c in cleans for a in c["agencies"]}).values_list(
            "identifier", "pk"
        )
    )
    through = Procedure.agencies.through
    through.objects.bulk_create(
        [
            through(procedure_id=p.pk, agency_id=agency_ids[a])
            for p, c in zip(procedures, cleans, strict=True)
            for a in c["agencies"]
        ],
        batch_size=1000,
    )
    for p, clean in zip(procedures, cleans, strict=True):
        if any(clean[part] for part in PARTS):
            _replace_parts(p, clean)
    ProcedureVersion.objects.bulk_create(
        [
            ProcedureVersion(procedure=p, number=1, effective_from=at, record=_canonical(clean))
            for p, clean in zip(procedures, cleans, strict=True)
        ],
        batch_size=500,
    )
    forget_versions()
    return procedures


def _set_scalars(p: Procedure, clean: dict, field: Field) -> None:
    p.local_code = clean["local_code"]
    p.name = clean["name"]
    p.field = field
    p.kind = clean["kind"]
    for lv in LEVELS:
        setattr(p, f"at_{lv}", lv in clean["levels"])
    p.vertical_sector = clean["vertical_sector"]
    p.processing_time = clean["processing_time"]
    p.time_unit = clean["time_unit"]
    p.time_note = clean["time_note"]
    p.subjects = clean["subjects"]
    p.requirements = clean["requirements"]
    p.online_level = clean["online_level"]
    p.eligible_full_online = clean["eligible_full_online"]
    ann = clean["announcement"]
    p.announcement_number, p.announcement_date = ann["number"], ann["date"]
    p.announcement_kind, p.announcing_agency = ann["kind"], ann["agency"]
    p.publication_state = clean["publication_state"]
    p.published_at = clean["published_at"]
    set_search_columns(p, field)


def _replace_parts(p: Procedure, clean: dict) -> None:
    for part in PARTS:
        getattr(p, part).all().delete()
    cases = {
        it["code"]: ProcedureCase.objects.create(procedure=p, order=i, **it)
        for i, it in enumerate(clean["cases"])
    }
    ProcedureStep.objects.bulk_create(
        ProcedureStep(procedure=p, order=i, **it) for i, it in enumerate(clean["steps"])
    )
    ProcedureChannel.objects.bulk_create(ProcedureChannel(procedure=p, **it) for it in clean["channels"])
    ProcedureComponent.objects.bulk_create(
        ProcedureComponent(procedure=p, order=i, **{**it, "case": cases.get(it["case"])})
        for i, it in enumerate(clean["components"])
    )
    ProcedureForm.objects.bulk_create(ProcedureForm(procedure=p, **it) for it in clean["forms"])
    ProcedureFee.objects.bulk_create(
        ProcedureFee(procedure=p, **{**it, "case": cases.get(it["case"])}) for it in clean["fees"]
    )
    ProcedureResult.objects.bulk_create(ProcedureResult(procedure=p, **it) for it in clean["results"])
    LegalBasis.objects.bulk_create(LegalBasis(procedure=p, **it) for it in clean["legal_bases"])


# --- a whole file -------------------------------------------------------------------------------


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    published: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        counts = f"{self.created} mới, {self.updated} cập nhật, {self.unchanged} không đổi"
        if self.published:
            counts += f", {self.published} công khai"
        if self.dry_run:
            return f"Chạy thử: {self.total} thủ tục hợp lệ ({counts}); chưa ghi gì vào cơ sở dữ liệu."
        return f"Đã nhập {self.total} thủ tục: {counts}."


def import_catalog(
    path: str | Path,
    *,
    dry_run: bool = False,
    publish: bool = False,
    progress: Progress | None = None,
    at: datetime | None = None,
) -> Any:
    """Import a catalogue file: all or nothing. Raises CatalogFileError or CatalogImportInvalid.

    The national database's list export (recognised by its header row) is merged with local edits
    (`catalog.national`, returning its NationalImportResult); any other file is the canonical records.
    `publish`: the imported procedures still in draft become public.
    """
    national = read_national_file(path)
    if national is not None:
        from .national import import_national

        return import_national(national, publish=publish, dry_run=dry_run, progress=progress, at=at)
    return import_records(read_file(path), dry_run=dry_run, publish=publish, progress=progress, at=at)


def publish_drafts(codes: list[str], *, at: datetime) -> int:
    """Make the procedures of `codes` still in draft public (a new version each); returns how many."""
    drafts = list(
        Procedure.objects.filter(code__in=codes, publication_state=Procedure.PublicationState.DRAFT)
    )
    for p in drafts:
        p.publication_state, p.published_at = Procedure.PublicationState.PUBLISHED, at
        p.save(update_fields=["publication_state", "published_at", "updated_at"])
        snapshot(p, at=at)
    return len(drafts)


def import_records(
    rows: list[SourceRow],
    *,
    dry_run: bool = False,
    publish: bool = False,
    progress: Progress | None = None,
    at: datetime | None = None,
) -> ImportResult:
    """Check every row, then apply all of them in one transaction (rolled back for a dry run)."""
    known = set(Agency.objects.values_list("identifier", flat=True))
    problems = check_rows(rows, known_agencies=known)
    if problems:
        raise CatalogImportInvalid(problems, len(rows))
    result = ImportResult(total=len(rows), dry_run=dry_run)
    at = at or timezone.now()
    with transaction.atomic():
        current = _current_records([src.clean["code"] for src in rows if src.clean])
        for done, src in enumerate(rows, start=1):
            if src.clean and current.get(src.clean["code"]) == _canonical(src.clean):
                outcome = "unchanged"  # re-importing a catalogue must not rewrite every row
            else:
                _, outcome = apply_record(src.record, at=at)
            setattr(result, outcome, getattr(result, outcome) + 1)
            if progress and (done % PROGRESS_EVERY == 0 or done == len(rows)):
                progress(done, len(rows))
        if publish:
            result.published = publish_drafts([src.clean["code"] for src in rows if src.clean], at=at)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _canonical(clean: dict[str, Any]) -> dict[str, Any]:
    """The record that `procedure_to_record` would give once `clean` is applied (for skipping no-ops).

    If this ever drifts from procedure_to_record, the only effect is that apply_record runs and finds
    the procedure unchanged itself: it can make an import slower, never wrong.
    """
    ann = clean["announcement"]
    published_at = clean["published_at"]
    return {
        **clean,
        "field": dict(clean["field"]),
        "levels": [lv for lv in LEVELS if lv in clean["levels"]],
        "agencies": sorted(clean["agencies"]),  # Agency's default ordering
        "processing_time": _num(clean["processing_time"]),
        "announcement": {**ann, "date": _iso(ann["date"])},
        "published_at": published_at.astimezone(UTC).isoformat() if published_at else None,
        "channels": [{**c, "processing_time": _num(c["processing_time"])} for c in clean["channels"]],
        "legal_bases": [
            {**b, "issued_on": _iso(b["issued_on"]), "effective_on": _iso(b["effective_on"])}
            for b in clean["legal_bases"]
        ],
    }


def _current_records(codes: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for i in range(0, len(codes), 500):
        qs = (
            Procedure.objects.filter(code__in=codes[i : i + 500])
            .select_related("field")
            .prefetch_related(*PREFETCH)
        )
        found.update((p.code, procedure_to_record(p)) for p in qs)
    return found
