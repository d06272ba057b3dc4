"""Dossier codes: {receiving agency identifier}-{yymmdd}-{NNNN} (domain.md §1.3).

The per-agency daily counter is bumped with one INSERT ... ON CONFLICT DO UPDATE ... RETURNING, which
PostgreSQL and SQLite (>= 3.35) both execute atomically. Call it inside the transaction that inserts the
dossier: a rolled-back reception rolls its number back too, so numbers never repeat and never skip.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from motcua.core import statements
from motcua.directory.models import Agency, DailySequence

_TABLE = DailySequence._meta.db_table
_UPSERT = (
    f"INSERT INTO {_TABLE} (agency_id, day, last) VALUES (%s, %s, 1) "
    f"ON CONFLICT (agency_id, day) DO UPDATE SET last = {_TABLE}.last + 1 RETURNING last"
)


def local_day(at: datetime) -> date:
    return timezone.localtime(at).date() if timezone.is_aware(at) else at.date()


def next_code(agency: Agency, at: datetime) -> str:
    conn = statements.connection()
    if not conn.in_atomic_block:
        raise RuntimeError("next_code must run inside the transaction that creates the dossier")
    day = local_day(at)
    [(number,)] = statements.execute(conn, _UPSERT, [agency.pk, day])
    return f"{agency.identifier}-{day:%y%m%d}-{number:04d}"


# Dashes a phone keyboard or a word processor may put where the code has a hyphen.
_DASHES = str.maketrans(
    {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"}
)


def normalise(raw: str | None) -> str:
    """A code as typed (any case, spaces anywhere, a typographic dash) as it is stored: upper case, no
    whitespace. ' 000.00.00.h40 - 261201 - 0001 ' -> '000.00.00.H40-261201-0001'."""
    return "".join((raw or "").translate(_DASHES).split()).upper()
