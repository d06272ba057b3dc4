"""Replay of a dossier's event log into the state of its row (ADR 0004).

The row is the current state and the events its history; replaying the events must give the row. The
tests check it after every random walk, and `motcua check_dossiers` checks stored dossiers (after a
restore, a manual repair or a migration) and can repair a row from its history.
"""

from __future__ import annotations

from typing import Any

from django.utils.dateparse import parse_datetime

from . import machine
from .statuses import Status

REBUILT_FIELDS = (
    "status",
    "received_at",
    "due_at",
    "original_due_at",
    "due_at_before_apology",
    "apologized_at",
    "finished_at",
    "returned_at",
    "refused_at",
    "paused_at",
    "paused_from_status",
    "supplement_count",
    "guidance_count",
    "apology_count",
    "current_agency_id",
    "assignee_id",
    "step",
    "step_due_at",
    "fee_total",
    "fee_paid",
    "paid_online",
    "result_name",
    "digitised",
    "version",
)


def rebuild_from_events(events) -> dict[str, Any]:
    """Replay an event log (any order: sorted by `seq`) into the state fields of the dossier row."""
    s: dict[str, Any] = dict.fromkeys(REBUILT_FIELDS)
    s.update(
        supplement_count=0,
        guidance_count=0,
        apology_count=0,
        step=0,
        fee_total=0,
        fee_paid=0,
        paid_online=0,
        result_name="",
        digitised=False,
    )
    for e in sorted(events, key=lambda e: e.seq):
        machine.BY_ACTION[e.action].replay(s, e)
        # What every event sets: the status and due date after it, the holder, the version.
        s["status"], s["due_at"] = e.to_status, e.due_at
        if "step_due_at" in e.data:
            s["step_due_at"] = parse_datetime(e.data["step_due_at"]) if e.data["step_due_at"] else None
        s["current_agency_id"], s["version"] = e.agency_id, e.seq
        if e.to_status != Status.WAITING:
            s["paused_at"] = s["paused_from_status"] = None
    return s


def differences(dossier) -> dict[str, tuple[Any, Any]]:
    """{field: (stored, replayed)} where the row and its history disagree; empty when they agree."""
    rebuilt = rebuild_from_events(list(dossier.events.all()))
    return {f: (getattr(dossier, f), rebuilt[f]) for f in REBUILT_FIELDS if getattr(dossier, f) != rebuilt[f]}
