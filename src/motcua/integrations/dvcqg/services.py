"""Writes of what the National Public Service Portal holds (PortalSync), after its `error_code: 0` answers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from .models import PortalSync


@dataclass(frozen=True)
class Ack:
    dossier_id: int
    version: int
    status: int


def record_acks(acks: Iterable[Ack], *, at: datetime) -> int:
    """Record that the portal stored these states: `acked_version` only grows (an acknowledgement of an
    older state arriving late changes nothing), `first_acked_at` is set once. Two bulk statements at most."""
    latest: dict[int, Ack] = {}
    for ack in acks:
        if ack.dossier_id not in latest or ack.version > latest[ack.dossier_id].version:
            latest[ack.dossier_id] = ack
    if not latest:
        return 0
    with transaction.atomic():
        rows = PortalSync.objects.filter(dossier_id__in=list(latest))
        found = {row.dossier_id: row for row in rows.select_for_update()}
        changed = []
        for dossier_id, ack in latest.items():
            row = found.get(dossier_id)
            if row is None:
                continue
            row.acked_at = at
            row.first_acked_at = row.first_acked_at or at
            if ack.version >= row.acked_version:
                row.acked_version, row.acked_status = ack.version, ack.status
            changed.append(row)
        if changed:
            PortalSync.objects.bulk_update(
                changed, ["acked_version", "acked_status", "first_acked_at", "acked_at"]
            )
        PortalSync.objects.bulk_create(
            [
                PortalSync(
                    dossier_id=a.dossier_id,
                    acked_version=a.version,
                    acked_status=a.status,
                    first_acked_at=at,
                    acked_at=at,
                )
                for dossier_id, a in latest.items()
                if dossier_id not in found
            ]
        )
    return len(latest)
