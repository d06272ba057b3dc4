"""Read side of the population database lookup: what a form's lookups established."""

from __future__ import annotations

from django.conf import settings

from .models import Lookup


def configured() -> bool:
    """Whether the lookup is offered at all (the buttons show only then)."""
    return bool(settings.POPULATION_URL)


def latest(actor, reference: str) -> dict[str, Lookup]:
    """The latest lookup of each purpose `actor` made for the form `reference` (one query)."""
    out: dict[str, Lookup] = {}
    if not reference:
        return out
    for row in Lookup.objects.filter(user=actor, reference=reference[:80]).order_by("-at", "-id")[:20]:
        out.setdefault(row.purpose, row)
    return out


def verified(rows: dict[str, Lookup], purpose: str, id_number: str) -> bool:
    row = rows.get(purpose)
    return bool(row and row.outcome == Lookup.Outcome.MATCH and id_number and row.id_number == id_number)


def databases(verified_applicant: bool) -> list[str]:
    """DSKetNoiCSDL for a dossier: the population database's MaCSDL when its applicant was verified."""
    return [settings.POPULATION_MA_CSDL] if verified_applicant else []
