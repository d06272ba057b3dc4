"""Keyset orders: NULLs last in both directions, merged runs, cursors that belong to one order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from motcua.core import keyset
from motcua.core.errors import ValidationFailed
from motcua.dossiers.models import Dossier

T1, T2 = datetime(2025, 8, 1, tzinfo=UTC), datetime(2025, 8, 2, tzinfo=UTC)
UP = keyset.Order("up", ("due_at", "id"), nullable=frozenset({"due_at"}))
DOWN = keyset.Order("down", ("-due_at", "-id"), nullable=frozenset({"due_at"}))


def test_an_order_must_end_with_the_primary_key():
    with pytest.raises(ValueError):
        keyset.Order("bad", ("-submitted_at",))


@pytest.mark.parametrize(
    "order, runs, merged",
    [
        (
            UP,
            [[(T1, 1), (None, 4)], [(T1, 2), (T2, 3), (None, 5)]],
            [(T1, 1), (T1, 2), (T2, 3), (None, 4), (None, 5)],
        ),
        (
            DOWN,
            [[(T2, 3), (None, 5)], [(T2, 2), (T1, 9), (None, 4)]],
            [(T2, 3), (T2, 2), (T1, 9), (None, 5), (None, 4)],
        ),
    ],
)
def test_runs_merge_in_their_order_with_nulls_last(order, runs, merged):
    assert order.merged(runs) == merged


def test_a_cursor_carries_its_order_and_values():
    cursor = keyset.encode(UP, [T1, 7])
    assert keyset.decode(UP, cursor, Dossier) == [T1, 7]
    assert keyset.decode(UP, keyset.encode(UP, [None, 8]), Dossier) == [None, 8]
    for bad in (keyset.encode(DOWN, [T1, 7]), "%%%", cursor[:-3], keyset.encode(UP, ["x", 7])):
        with pytest.raises(ValidationFailed) as caught:
            keyset.decode(UP, bad, Dossier)
        assert caught.value.details == {"field": "cursor"}
