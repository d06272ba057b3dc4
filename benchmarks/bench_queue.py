"""The officers' work queue at a million dossiers on PostgreSQL, against an indexed single-dossier read.

Data: `queue_world` builds a province's year (1,000,000 dossiers by default; ~6 % still pending) into its
own database, `motcua_bench_queue` (BENCH_QUEUE_URL or --db), which later runs reuse when it already holds
that many dossiers (--rebuild starts again). Rows are written with COPY; building takes a few minutes.

Measured through Django's test client, as real requests (authentication, permissions, JSON): the dossier
list and the queue counts, as `tiepnhan` (reception at the provincial centre: sees the whole province)
and as `chuyenvien` (specialist at Sở Tư pháp, with a large personal queue). The floor is
`GET /api/v1/dossiers/{code}` of a dossier the same officer may see, measured in the same rounds.

Each round runs every scenario once (interleaved, so a slow spell of the shared machine hits all of them);
p50 and p95 are taken over the rounds. Target: p95 <= 100 ms and <= 5x the floor's p95.

Adding a page is one line in SCENARIOS, e.g. `Scenario("work queue page", "/can-bo/", session=True)`:
session scenarios sign in with a session cookie instead of a bearer token.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from benchmarks.common import pct

DEFAULT_URL = os.environ.get("BENCH_QUEUE_URL", "postgres://postgres@127.0.0.1:5432/motcua_bench_queue")
# `python -m benchmarks` runs this module on this database only (a million rows on SQLite is not the point).
TARGETS = [("PostgreSQL", DEFAULT_URL)]
N = int(os.environ.get("BENCH_QUEUE_N", "1000000"))
ROUNDS = int(os.environ.get("BENCH_QUEUE_ROUNDS", "100"))
USERS = ("tiepnhan", "chuyenvien")
P95_BUDGET_MS, RATIO_BUDGET = 100.0, 5.0


@dataclass(frozen=True)
class Scenario:
    label: str
    path: str
    params: dict = field(default_factory=dict)
    session: bool = False  # a page: signed in with a session cookie, not a bearer token


def month_range(today: date) -> dict[str, str]:
    """The last full calendar month before today."""
    end = today.replace(day=1) - timedelta(days=1)
    return {"received_from": end.replace(day=1).isoformat(), "received_to": end.isoformat()}


def scenarios(today: date) -> list[Scenario]:
    return [
        Scenario("list, default order", "/api/v1/dossiers"),
        Scenario("list, assignee=me", "/api/v1/dossiers", {"assignee": "me"}),
        Scenario("list, view=unit", "/api/v1/dossiers", {"view": "unit"}),
        Scenario("list, due=overdue", "/api/v1/dossiers", {"due": "overdue"}),
        Scenario("list, due=due_today", "/api/v1/dossiers", {"due": "due_today"}),
        Scenario("list, received in one month", "/api/v1/dossiers", month_range(today)),
        Scenario("list, search by name", "/api/v1/dossiers", {"q": "Trần Thị Hằng"}),
        Scenario("list, page 1,000 (cursor)", "/api/v1/dossiers", {"cursor": DEEP}),
        Scenario("queue counts", "/api/v1/dossiers/queue"),
        # The HTML work queue as the officer sees it (counts of both views + one page of 30 rows).
        Scenario("page /can-bo/ (own default view)", "/can-bo/", session=True),
        Scenario("page, view=unit", "/can-bo/", {"view": "unit"}, session=True),
        Scenario("page, unit overdue", "/can-bo/", {"view": "unit", "group": "overdue"}, session=True),
        Scenario("page, unit due today", "/can-bo/", {"view": "unit", "group": "due_today"}, session=True),
        Scenario(
            "page 1,000 of the unit (cursor)", "/can-bo/", {"view": "unit", "cursor": DEEP}, session=True
        ),
    ]


DEEP = "<deep cursor>"  # replaced per user by the cursor of row 19,980 of the default list


# --------------------------------------------------------------------------------------------- data
def ensure_database(url: str, *, rebuild: bool) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and rebuild:
            conn.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def build(n: int, *, shape=None, **world) -> float:
    """Build the world and n dossiers unless the database already has them; seconds spent (`shape`: see
    queue_world.write_dossiers)."""
    from django.db import connection
    from django.utils import timezone

    from benchmarks import queue_world
    from motcua.dossiers.models import Dossier

    have = Dossier.objects.count()
    if have >= n:
        newest = Dossier.objects.order_by("-submitted_at").values_list("submitted_at", flat=True).first()
        print(f"  reusing {have:,} dossiers (newest submitted {newest:%d/%m/%Y %H:%M}; --rebuild to renew)")
        return 0.0
    if have:
        raise SystemExit(f"the database holds {have:,} dossiers, not {n:,}: run with --rebuild")
    t0 = time.perf_counter()
    w = queue_world.build_directory(timezone.now(), **world)
    step = max(n // 10, 1)

    def progress(done: int) -> None:
        if done % step == 0 or done == n:
            print(f"    {done:>9,} dossiers  {time.perf_counter() - t0:6.1f} s", flush=True)

    queue_world.write_dossiers(w, n, progress=progress, shape=shape)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    return time.perf_counter() - t0


# ------------------------------------------------------------------------------------------ measure
class Caller:
    """One officer's clients: bearer token for the API, session cookie for pages."""

    def __init__(self, username: str):
        from django.contrib.auth import get_user_model
        from django.test import Client

        from motcua.access.auth import issue_token

        self.user = get_user_model().objects.get(username=username)
        self.api = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(self.user)}")
        self.browser = Client()
        self.browser.force_login(self.user)

    def get(self, s: Scenario, params: dict | None = None):
        client = self.browser if s.session else self.api
        r = client.get(s.path, params if params is not None else s.params)
        if r.status_code != 200:
            raise RuntimeError(f"{s.label}: {r.status_code} {r.content[:300]!r}")
        return r


def deep_cursor(user, rows: int = 19_980, **filters) -> str:
    """The cursor a client holds after walking 999 pages of the list with `filters` (read at once): the
    default list's row 19,980 for pages of 20; for a queue shorter than that, its last row."""
    from motcua.core import keyset
    from motcua.dossiers import selectors

    order = selectors.list_order(filters)
    qs = selectors.list_dossiers(user, **filters).prefetch_related(None).select_related(None)
    qs = qs.only(*[name for name, _ in order.columns()])
    rows = min(rows, qs.count()) if filters else rows
    row = qs[rows - 1 : rows].get()
    return keyset.encode(order, order.values_of(row))


def floor_codes(user, k: int = 200) -> list[str]:
    from motcua.dossiers import selectors

    ids = list(selectors.dossiers_visible_to(user).order_by("-id").values_list("id", flat=True)[:50_000])
    picked = random.Random(7).sample(ids, min(k, len(ids)))
    from motcua.dossiers.models import Dossier

    return list(Dossier.objects.filter(id__in=picked).values_list("code", flat=True))


@dataclass
class Result:
    who: str
    label: str
    times: list[float]
    queries: int
    note: str


def measure(
    rounds: int = ROUNDS, users: tuple[str, ...] = USERS, *, today: date | None = None, deep: int = 19_980
) -> list[Result]:
    """p50/p95 of every scenario for every user, and of the floor, over `rounds` interleaved rounds.

    `deep`: the row the "page 1,000" cursor starts after (the smoke test's small world has fewer)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    today = today or timezone.localdate()
    plan: list[tuple[str, Caller, Scenario, dict]] = []
    floors: dict[str, tuple[Caller, list[str]]] = {}
    for who in users:
        caller = Caller(who)
        floors[who] = (caller, floor_codes(caller.user))
        for s in scenarios(today):
            params = s.params
            if s.params.get("cursor") == DEEP:  # pages of 30 on the page, of 20 in the API
                rest = {k: v for k, v in s.params.items() if k != "cursor"}
                rows = deep * 3 // 2 if s.session else deep
                params = {**rest, "cursor": deep_cursor(caller.user, rows, **rest)}
            plan.append((who, caller, s, params))
    floor = Scenario("floor: GET /dossiers/{code}", "")
    times: dict[tuple[str, str], list[float]] = {}
    notes: dict[tuple[str, str], tuple[int, str]] = {}

    def timed(key, fn) -> None:
        t0 = time.perf_counter()
        fn()
        times.setdefault(key, []).append((time.perf_counter() - t0) * 1000)

    for who, caller, s, params in plan:  # warm-up, query counts and what the answer says
        for _ in range(3):
            caller.get(s, params)
        with CaptureQueriesContext(connection) as ctx:
            body = caller.get(s, params)
        notes[(who, s.label)] = (len(ctx.captured_queries), describe(body))
    for who, (caller, codes) in floors.items():
        with CaptureQueriesContext(connection) as ctx:
            caller.get(Scenario("", f"/api/v1/dossiers/{codes[0]}"))
        notes[(who, floor.label)] = (len(ctx.captured_queries), "one dossier")
    # As a server worker does once loaded: keep what exists now out of the collector's way, so that a full
    # collection over the benchmark's own objects does not land inside a measured request.
    gc.collect()
    gc.freeze()
    try:
        for i in range(rounds):
            for who, (caller, codes) in floors.items():
                path = f"/api/v1/dossiers/{codes[i % len(codes)]}"
                timed((who, floor.label), lambda c=caller, p=path: c.get(Scenario("", p)))
            for who, caller, s, params in plan:
                timed((who, s.label), lambda c=caller, s=s, p=params: c.get(s, p))
    finally:
        gc.unfreeze()
    return [Result(who, label, t, *notes[(who, label)]) for (who, label), t in times.items()]


def describe(response) -> str:
    if response.get("Content-Type", "").startswith("application/json"):
        data = response.json()
        if "count" in data:
            return f"{data['count']:,}{'+' if data.get('count_capped') else ''} match, {len(data['items'])} shown"
        if "unit" in data:
            return f"mine {data['mine']['total']:,}, unit {data['unit']['total']:,}"
    return f"{len(response.content):,} bytes"


def report(results: list[Result]) -> bool:
    """Print the table; True when every scenario is within the budget."""
    ok = True
    by_who: dict[str, list[Result]] = {}
    for r in results:
        by_who.setdefault(r.who, []).append(r)
    print(f"  {'scenario':<34}{'p50 ms':>8}{'p95 ms':>8}{'x floor':>9}{'SQL':>5}  answer")
    for who, rows in by_who.items():
        floor = next(r for r in rows if r.label.startswith("floor"))
        floor_p95 = pct(floor.times, 95)
        print(f"  -- as {who}")
        for r in sorted(rows, key=lambda r: not r.label.startswith("floor")):
            p50, p95 = statistics.median(r.times), pct(r.times, 95)
            ratio = p95 / floor_p95
            within = r is floor or (p95 <= P95_BUDGET_MS and ratio <= RATIO_BUDGET)
            ok &= within
            mark = "" if within else "  <-- over budget"
            print(f"  {r.label:<34}{p50:8.1f}{p95:8.1f}{ratio:8.1f}x{r.queries:5}  {r.note}{mark}")
    print(f"  budget: p95 <= {P95_BUDGET_MS:.0f} ms and <= {RATIO_BUDGET:.0f}x the floor's p95")
    return ok


def describe_database() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
        cur.execute("SHOW shared_buffers")
        buffers = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('dossiers_dossier'))")
        size = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FILTER (WHERE status IN (1, 2, 4, 5, 6, 9)), count(*) FROM dossiers_dossier"
        )
        pending, total = cur.fetchone()
    print(
        f"  PostgreSQL {version}, shared_buffers {buffers}; dossiers table {size} with indexes; "
        f"{pending:,} of {total:,} pending ({100 * pending / max(total, 1):.1f} %)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_queue", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--db", default=DEFAULT_URL, help="PostgreSQL URL of the benchmark's own database")
    parser.add_argument("--n", type=int, default=N, help="dossiers to build (default 1,000,000)")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--rebuild", action="store_true", help="drop the database and build it again")
    args = parser.parse_args(argv)
    ensure_database(args.db, rebuild=args.rebuild)
    os.environ["DATABASE_URL"] = args.db
    from benchmarks.common import setup_django

    setup_django()
    from django.db import connection

    print(f"  database {args.db.rsplit('/', 1)[1]} on {connection.display_name}")
    spent = build(args.n)
    if spent:
        print(f"  built {args.n:,} dossiers in {spent:.0f} s (Python rows, COPY, VACUUM ANALYZE)")
    describe_database()
    return 0 if report(measure(args.rounds)) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
