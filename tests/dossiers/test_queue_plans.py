"""PostgreSQL plans of the work queue: with 20,000 dossiers and fresh statistics, every list and count
reads the dossiers through an index, never a sequential scan of the table (ADR 0012)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks import queue_world
from motcua.dossiers import selectors

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans"),
]

LISTS: dict[str, dict] = {
    "default": {},
    "assignee=me": {"assignee": "me"},
    "view=mine": {"view": "mine"},
    "view=unit": {"view": "unit"},
    "overdue": {"due": "overdue"},
    "due today": {"due": "due_today"},
}


@pytest.fixture
def province(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = queue_world.build_directory(timezone.now(), departments=6, communes=20)
    queue_world.write_dossiers(world, 20_000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return world


def _plans(fn) -> list[tuple[str, str]]:
    """(sql, plan) of every statement on the dossier table that `fn` runs."""
    with CaptureQueriesContext(connection) as ctx:
        fn()
    out = []
    for q in ctx.captured_queries:
        if 'FROM "dossiers_dossier"' not in q["sql"]:
            continue
        with connection.cursor() as cur:
            cur.execute("EXPLAIN " + q["sql"])
            out.append((q["sql"], "\n".join(r[0] for r in cur.fetchall())))
    return out


def _month() -> dict[str, str]:
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    return {"received_from": end.replace(day=1).isoformat(), "received_to": end.isoformat()}


def test_lists_counts_and_queue_counts_use_an_index(province):
    """One build of 20,000 rows for every case (the build is most of the time)."""
    seq_scans = []
    lists = {**LISTS, "one month": _month()}
    for who in ("tiepnhan", "chuyenvien"):
        user = get_user_model().objects.get(username=who)
        for name, filters in [*lists.items(), ("queue counts", None)]:
            if filters is None:
                plans = _plans(lambda u=user: selectors.work_queue_counts(u))
            else:
                plans = _plans(lambda u=user, f=filters: selectors.dossier_page(u, size=20, **f))
            assert plans, f"{who} {name}: the dossier table was read"
            seq_scans += [
                f"{who} {name}: {sql}\n{plan}"
                for sql, plan in plans
                if "Seq Scan on dossiers_dossier" in plan
            ]
    assert not seq_scans, "\n\n".join(seq_scans)
