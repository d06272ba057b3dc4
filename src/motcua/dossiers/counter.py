"""The counter's three outcomes of one reception check (domain.md §2.2), each one submit of the counter page:

* `receive`: complete -> received (status 2, Form 01 with its due date); then, each on its own so that a
  refusal leaves the reception standing, the fee collected at the counter (`pay`) and the scans of the
  papers (`files.attach`, digitised when their metadata is complete);
* `guide`: incomplete -> registered without receiving (status 1) and guided once in writing (Form 02):
  `request_supplement` naming every demanded paper that was not handed in, and any other the officer adds;
* `refuse`: not acceptable -> registered and refused with the reason (Form 03).

Everything goes through the services (`submit_dossier`, `perform`, `files.attach`); this module only
orders them. What can be checked before anything is written is checked first, so that bad input creates
nothing. With the same `idempotency_key` a second submit (a double click, a reload) finds the dossier the
first one made and does nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from motcua.core import inputs
from motcua.core.errors import DomainError, ValidationFailed

from . import files, machine, services
from .models import Channel, Dossier, DossierFile
from .schemas import PaperMetadata
from .services.intake import missing_components


@dataclass(frozen=True)
class Scan:
    """One paper's scan as posted: its component, the upload and its metadata (`PaperMetadata` fields)."""

    component: str
    upload: Any
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Received:
    dossier: Dossier
    created: bool  # False: an earlier submit with the same key made it; nothing else was done now
    paid: bool = False
    payment_error: DomainError | None = None
    scans: list[DossierFile] = field(default_factory=list)
    scan_errors: list[tuple[str, DomainError]] = field(default_factory=list)


def _at_counter(sub: dict[str, Any], receive: bool) -> dict[str, Any]:
    return {**sub, "channel": Channel.COUNTER, "receive": receive}


def _check_scans(scans: list[Scan]) -> list[tuple[Scan, PaperMetadata]]:
    """Each scan's type and metadata, checked before the dossier exists (422 naming `scans.<code>...`)."""
    checked = []
    for scan in scans:
        try:
            files.check_upload(scan.upload)
            checked.append((scan, inputs.validate(PaperMetadata, scan.metadata)))
        except ValidationFailed as exc:
            where = (exc.details or {}).get("field") or "file"
            raise ValidationFailed(
                exc.message,
                code=exc.code,
                details={**(exc.details or {}), "field": f"scans.{scan.component}.{where}"},
            ) from None
    return checked


def receive(
    actor,
    sub: dict[str, Any],
    *,
    payment: dict[str, Any] | None = None,
    scans: list[Scan] = (),
    idempotency_key: str,
    at: datetime | None = None,
    national_databases: list[str] = (),
) -> Received:
    """Receive at the counter; then collect the fee (`payment`: the `pay` action's input) and store the
    scans. A refused payment or scan is reported, and the reception stands."""
    at = services.now(at)
    paying = inputs.validate(machine.BY_ACTION["pay"].Input, payment) if payment else None
    checked = _check_scans(list(scans))
    d = services.submit_dossier(
        actor,
        _at_counter(sub, True),
        at=at,
        idempotency_key=idempotency_key,
        national_databases=national_databases,
    )
    out = Received(d, created=d.submitted_at == at)
    if not out.created:
        return out
    if paying is not None and d.fee_total > d.fee_paid:
        try:
            out.dossier = services.perform(
                actor, d.code, "pay", at=at, method=paying.method, reference=paying.reference
            )
            out.paid = True
        except DomainError as exc:
            out.payment_error = exc
    for scan, meta in checked:
        try:
            out.scans.append(
                files.attach(actor, d.code, scan.upload, component=scan.component, metadata=meta, at=at)
            )
        except DomainError as exc:
            out.scan_errors.append((scan.component, exc))
    return out


def guide(
    actor,
    sub: dict[str, Any],
    *,
    reason: str,
    other_items: list[str] = (),
    idempotency_key: str,
    at: datetime | None = None,
    national_databases: list[str] = (),
) -> Dossier:
    """Register without receiving and guide once in writing (Form 02): the items are the demanded papers
    of the case that were not handed in, then `other_items`. All of it or nothing."""
    at = services.now(at)
    with transaction.atomic():
        d = services.submit_dossier(
            actor,
            _at_counter(sub, False),
            at=at,
            idempotency_key=idempotency_key,
            national_databases=national_databases,
        )
        if d.submitted_at != at:
            return d
        given = {c.code for c in d.components.all()}
        items = [c["name"] for c in missing_components(d.procedure_version, d.case_code, given)]
        items += [i for i in other_items if i not in items]
        if not items:
            raise ValidationFailed(
                "Không có giấy tờ nào cần bổ sung: hồ sơ đủ giấy tờ phải nộp thì tiếp nhận; nếu cần giấy tờ "
                "khác, ghi tên từng giấy tờ.",
                code="missing_field",
                details={"field": "items"},
            )
        return services.perform(actor, d.code, "request_supplement", at=at, reason=reason, items=items)


def refuse(
    actor,
    sub: dict[str, Any],
    *,
    reason: str,
    idempotency_key: str,
    at: datetime | None = None,
    national_databases: list[str] = (),
) -> Dossier:
    """Register without receiving and refuse with the reason (Form 03). All of it or nothing."""
    at = services.now(at)
    with transaction.atomic():
        d = services.submit_dossier(
            actor,
            _at_counter(sub, False),
            at=at,
            idempotency_key=idempotency_key,
            national_databases=national_databases,
        )
        if d.submitted_at != at:
            return d
        return services.perform(actor, d.code, "refuse", at=at, reason=reason)
