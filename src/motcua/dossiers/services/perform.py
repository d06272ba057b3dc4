"""Actions: the one door through which a dossier's status changes after intake (ADR 0004).

`perform` locks the row, asks `permissions.check` whether this caller may take this action on this
dossier now (404, 403, 409 before the input is even looked at), validates the input with the action's
own schema (422), lets the action change the row (`machine`), and appends the event and outbox message,
all in one transaction. A refused call changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from motcua.core import inputs, statements
from motcua.core.errors import NotFound

from .. import machine, permissions
from ..machine import Status
from ..models import Dossier
from . import events
from .intake import now
from .lock import lock

_ROW_FIELDS = tuple((f.name, f.attname) for f in Dossier._meta.concrete_fields if not f.primary_key)


def _row_values(d: Dossier) -> dict[str, Any]:
    return {name: getattr(d, attname) for name, attname in _ROW_FIELDS}


def perform(
    actor,
    code: str,
    action: str,
    *,
    at: datetime | None = None,
    expected_version: int | None = None,
    system: str | None = None,
    **given: Any,
) -> Dossier:
    """Take one lifecycle action on a dossier (contract §4) with its input as keyword arguments
    (`reason=`, `items=`, ...: the action's `Input` schema); returns the changed dossier.

    `system`: the actor kind of a system party acting without an account (`machine.PLATFORM`, the payment
    gateway's verified confirmation); `actor` is then None and only that kind's rows apply."""
    at = now(at)
    spec = machine.BY_ACTION.get(action)
    if spec is None or action not in machine.BY_NAME:
        raise NotFound(f"Không có thao tác '{action}'.", code="unknown_action")
    with transaction.atomic(), statements.one_cursor():
        d = lock(code)
        if system is not None:
            kinds = {system}
            row = permissions.row_for(d, action, at, kinds)
        else:
            kinds = permissions.actor_kinds(actor, d)
            row = permissions.check(actor, d, action, at, kinds)
        permissions.check_version(d, expected_version)
        typed = inputs.validate(spec.Input, given)
        from_status = d.status
        before = _row_values(d)
        data = spec.apply(machine.Step(d, actor, kinds, at, row), typed)
        d.status = row.target_from(from_status, d.paused_from_status, d)
        if d.status != Status.WAITING:
            d.paused_at = d.paused_from_status = None
        d.version += 1
        d.updated_at = at
        # The row is locked and was read in this transaction: writing only what changed is the same row.
        statements.update(d, [name for name, value in _row_values(d).items() if before[name] != value])
        # One event per version: submission writes version 1 with event 1, every action adds one of each.
        events.record(
            d,
            actor,
            action,
            from_status,
            at=at,
            note=typed.note,
            reason=getattr(typed, "reason", ""),
            data=data,
        )
    return d
