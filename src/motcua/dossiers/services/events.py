"""The history half of every write: one `DossierEvent` and one outbox message per dossier version.

The outbox message says what changed in motcua's own terms (`change`); what the national portal or any
other receiver needs is derived from it at the integration edge (`integrations/dvcqg`), never here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from motcua.core import names, statements
from motcua.core.formatting import LOCAL_TZ
from motcua.directory import selectors as directory
from motcua.integrations import outbox

from .. import machine
from ..models import ApplicantKind, Dossier, DossierEvent, DossierFee

OUTBOX_TOPIC = "dossier.status"


def actor_name(user) -> str:
    if user is None:
        return "Hệ thống"
    name = names.full_name(user) if (user.first_name or user.last_name) else ""
    if not name:  # only then the applicant record (a staff account has no such row: no lookup)
        applicant = directory.applicant_of(user)
        name = (applicant.full_name if applicant else "") or user.get_username()
    return name[:200]


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(LOCAL_TZ).isoformat() if value else None


def fee_rows(d: Dossier) -> list[tuple[str, str, int]]:
    """The dossier's (name, kind, amount) fee rows in id order."""
    # A fee row has a positive amount unless a 100 % reduction waived it (ADR 0032: the line stays, with
    # amount 0, so the portal sees the fee as exempted); only non-zero catalogue amounts are copied and
    # request_payment takes >= 1. So a dossier with nothing to pay has fee rows only when its version
    # lists a full exemption: otherwise there is nothing to read.
    if not d.fee_total and not lists_exemption(d.procedure_version.record):
        return []

    def build(conn):
        qn = conn.ops.quote_name
        return (
            f"SELECT {qn('name')}, {qn('kind')}, {qn('amount')} FROM {qn(DossierFee._meta.db_table)} "
            f"WHERE {qn('dossier_id')} = %s ORDER BY {qn('id')} ASC"
        )

    conn, sql = statements.plan("dossier:fees", build)
    # d.fees.values_list("name", "kind", "amount"), precompiled
    return [tuple(row) for row in statements.execute(conn, sql, [d.pk])]


def lists_exemption(record: dict) -> bool:
    """Whether a fee row of this catalogue record lists a 100 % reduction."""
    return any(r.get("percent") == 100 for f in record.get("fees") or () for r in f.get("reductions") or ())


def change(d: Dossier, event: DossierEvent, fees: list[tuple[str, str, int]]) -> dict[str, Any]:
    """What one event changed, with the dossier as it stands after it (the outbox message's payload)."""
    record = d.procedure_version.record
    field = record.get("field") or {}
    return {
        "dossier": {
            "code": d.code,
            "procedure": {"code": d.procedure.code, "name": d.procedure.name},
            "field": {"code": field.get("code", ""), "name": field.get("name", "")},
            "case": d.case_code,
            "channel": d.channel,
            "agency": d.agency.identifier,
            "receiving_agency": d.receiving_agency.identifier,
            "current_agency": {"identifier": d.current_agency.identifier, "name": d.current_agency.name},
            "applicant": {
                "kind": "citizen" if d.applicant_kind == ApplicantKind.CITIZEN else "organisation",
                "name": d.applicant_name,
                "id_number": d.applicant_id_number,
                "tax_code": d.applicant_tax_code,
                "phone": d.applicant_phone,
                "email": d.applicant_email,
            },
            "authorised": (
                {"name": d.authorised_name, "id_number": d.authorised_id_number} if d.authorised else None
            ),
            "summary": d.summary,
            "status": d.status,
            "submitted_at": _iso(d.submitted_at),
            "received_at": _iso(d.received_at),
            "due_at": _iso(d.due_at),
            "step_due_at": _iso(d.step_due_at),
            "finished_at": _iso(d.finished_at),
            "returned_at": _iso(d.returned_at),
            "refused_at": _iso(d.refused_at),
            "digitised": d.digitised,
            "vneid_verified": d.vneid_verified,
            "paid_online": d.paid_online,
            "fees": [{"name": name, "kind": kind, "amount": amount} for name, kind, amount in fees],
        },
        "event": {
            "seq": event.seq,
            "action": event.action,
            "label": machine.label_of(event.action, event.from_status),
            "actor": event.actor_name,
            "at": _iso(event.at),
            "from_status": event.from_status,
            "to_status": event.to_status,
            "note": event.note,
            "reason": event.reason,
            "due_at": _iso(event.due_at),
            # What the action recorded beyond note and reason: the papers asked for, the replaced due
            # date, the result's name (machine.py, each action's `apply`).
            "data": event.data,
        },
    }


def record(
    d: Dossier,
    actor,
    action: str,
    from_status: int | None,
    *,
    at: datetime,
    note: str = "",
    reason: str = "",
    data: dict | None = None,
    fees: list[tuple[str, str, int]] | None = None,
) -> DossierEvent:
    """Append the event of version `d.version` and its outbox message (inside the change's transaction).

    `fees`: the dossier's fee rows when the caller has them already (intake), else read back."""
    event = statements.new(
        DossierEvent,
        dossier=d,
        seq=d.version,
        at=at,
        actor=actor,
        actor_name=actor_name(actor),
        action=action,
        from_status=from_status,
        to_status=d.status,
        note=note,
        reason=reason,
        data=data or {},
        due_at=d.due_at,
        agency=d.current_agency,
    )
    statements.insert(event)
    payload = change(d, event, fee_rows(d) if fees is None else fees)
    outbox.enqueue(OUTBOX_TOPIC, d.code, payload, idempotency_key=f"{d.code}:{d.version}", at=at)
    return event
