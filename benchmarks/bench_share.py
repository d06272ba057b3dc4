"""The online-payment share report (payments/reports.py, ADR 0034) at a million dossiers on PostgreSQL.

Data: the work-queue benchmark's province year (`queue_world`: 1,000,000 dossiers, 150 agencies) in a
database of its own, `motcua_bench_share` (BENCH_SHARE_URL or --db; reused when it holds that many, --rebuild
starts again), then fees and payments written with INSERT ... SELECT: 60 % of dossiers owe a fee (20,000-
200,000 ₫); of the received ones, 5 in 6 paid; of those paid, 30 % on the national platform, 10 % through a
local gateway, the rest at the counter; one in 20 also paid a processing obligation at the counter (two
payments: the report must count the dossier once); refused, withdrawn and stopped dossiers' payments are
refunded.

Measured, in interleaved rounds: the report for every agency (system administrator), for the province as the
centre's reception officer sees it, for one busy department, and per procedure of that department, over a
month, a quarter and a year; and `GET /api/v1/reports/online-payment` for the month. The floor, in the same
rounds, is the cheapest read of the same rows: COUNT(*) of the month's dossiers that had to pay over the
reception-date index. Figures only; nothing here is a timed assertion.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta

from benchmarks.common import pct

DEFAULT_URL = os.environ.get("BENCH_SHARE_URL", "postgres://postgres@127.0.0.1:5432/motcua_bench_share")
TARGETS = [("PostgreSQL", DEFAULT_URL)]
N = int(os.environ.get("BENCH_SHARE_N", "1000000"))
ROUNDS = int(os.environ.get("BENCH_SHARE_ROUNDS", "15"))

# The fee columns are set as the rows are written (`shaped`); the SQL below reads them back. A base fee is
# a multiple of 20,000 ₫; a dossier that also paid a 150,000 ₫ processing obligation owes 10,000 ₫ more
# than a multiple, which tells the second request apart.
SECOND_FEE = 150000
REQUESTS = """
INSERT INTO payments_paymentrequest (dossier_id, kind, amount, reason, state, requested_at, settled_at)
SELECT id, 'filing', CASE WHEN fee_total % 20000 = 10000 THEN fee_total - 150000 ELSE fee_total END,
       'Phí, lệ phí của thủ tục', CASE WHEN fee_paid > 0 THEN 'paid' ELSE 'open' END, submitted_at,
       CASE WHEN fee_paid > 0 THEN received_at END
FROM dossiers_dossier WHERE fee_total > 0
"""
SECOND = """
INSERT INTO payments_paymentrequest (dossier_id, kind, amount, reason, state, requested_at, settled_at)
SELECT id, 'processing', 150000, 'Phí thẩm định', 'paid', received_at, received_at + interval '2 days'
FROM dossiers_dossier WHERE fee_total % 20000 = 10000 AND fee_paid > 0
"""
PAYMENTS = """
INSERT INTO payments_payment (dossier_id, request_id, amount, method, online, reference, paid_at, payer_name,
    agency_id, receipt_form, receipt_series, receipt_file, receipt_sha256)
SELECT d.id, r.id, r.amount, CASE WHEN r.kind = 'filing' AND d.paid_online > 0 THEN 'online' ELSE 'cash' END,
       CASE WHEN r.kind = 'filing' THEN d.paid_online ELSE 0 END, '', r.settled_at, d.applicant_name,
       d.agency_id, '', '', '', ''
FROM payments_paymentrequest r JOIN dossiers_dossier d ON d.id = r.dossier_id
WHERE r.state = 'paid'
"""
REFUNDS = """
INSERT INTO payments_refund (payment_id, amount, reason, reference, at)
SELECT p.id, p.amount, 'Hồ sơ không được giải quyết', '', COALESCE(d.finished_at, d.refused_at, p.paid_at)
FROM payments_payment p JOIN dossiers_dossier d ON d.id = p.dossier_id WHERE d.status IN (3, 7, 8)
"""


def shaped(rows):
    """The queue world's rows with fees: 60 % owe 20,000-200,000 ₫; 5 in 6 of the received ones paid, 30 % of
    those on the national platform, 10 % through a local gateway; one in 20 paid also an obligation."""
    from benchmarks.queue_world import DOSSIER_COLUMNS

    total, paid, online, received = (
        DOSSIER_COLUMNS.index(c) for c in ("fee_total", "fee_paid", "paid_online", "received_at")
    )
    for k, row in enumerate(rows):
        if k % 10 < 4:
            yield row
            continue
        row = list(row)
        fee = 20000 + (k % 10) * 20000
        pays = row[received] is not None and k % 6 != 5
        if pays and k % 20 == 19:
            fee += SECOND_FEE
        row[total], row[paid] = fee, fee if pays else 0
        row[online] = (1 if k % 100 < 30 else 2 if k % 100 < 40 else 0) if pays else 0
        yield tuple(row)


def build(url: str, n: int, *, rebuild: bool) -> None:
    from django.db import connection

    from benchmarks import bench_queue
    from motcua.payments.models import Payment

    spent = bench_queue.build(n, shape=shaped)
    if spent:
        print(f"  built {n:,} dossiers in {spent:.0f} s (queue_world: Python rows, COPY)")
    if Payment.objects.exists():
        print(f"  reusing {Payment.objects.count():,} payments")
        return
    t0 = time.perf_counter()
    add_payments()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"  fees, payments and refunds written in {time.perf_counter() - t0:.0f} s")


def add_payments() -> None:
    """Fees, payments and refunds for the dossiers there (PostgreSQL: INSERT ... SELECT, a minute a million)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        for sql in (REQUESTS, SECOND, PAYMENTS, REFUNDS):
            cur.execute(sql)


def describe() -> tuple[str, date]:
    """The busiest department and the last full month before the newest dossier."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FILTER (WHERE fee_total > 0), count(*) FILTER (WHERE paid_online > 0), "
            "count(*), max(received_at) FROM dossiers_dossier"
        )
        owed, online, total, newest = cur.fetchone()
        cur.execute("SELECT count(*), count(DISTINCT dossier_id) FROM payments_payment")
        payments, paid = cur.fetchone()
        cur.execute("SELECT count(*) FROM payments_refund")
        (refunds,) = cur.fetchone()
        cur.execute(
            "SELECT a.identifier FROM dossiers_dossier d JOIN directory_agency a ON a.id = d.agency_id "
            "WHERE a.kind = 'department' GROUP BY a.identifier ORDER BY count(*) DESC LIMIT 1"
        )
        (busy,) = cur.fetchone()
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('payments_payment'))")
        (size,) = cur.fetchone()
    print(
        f"  {total:,} dossiers, {owed:,} had to pay, {paid:,} paid ({payments:,} payments, {size}), "
        f"{online:,} online, {refunds:,} refunds; busiest department {busy}"
    )
    end = newest.date().replace(day=1) - timedelta(days=1)
    return busy, end


def measure(rounds: int, busy: str, end: date) -> dict[str, list[float]]:
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client

    from motcua.access.auth import issue_token
    from motcua.payments import reports

    User = get_user_model()
    admin, centre = User.objects.get(username="admin"), User.objects.get(username="tiepnhan")
    month = (end.replace(day=1), end)
    quarter = ((end - timedelta(days=88)).replace(day=1), end)
    year = (end - timedelta(days=364), end)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(centre)}")
    since, until = (f"{d:%Y-%m-%d}" for d in month)

    def floor():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM dossiers_dossier WHERE received_at >= %s::date AND "
                "received_at < %s::date + 1 AND fee_total > 0",
                [since, until],
            )
            return cur.fetchone()[0]

    def share(user, span, agency=None, by="agency"):
        return lambda: reports.online_share(user, agency, *span, by=by).total.owed

    def http():
        r = api.get("/api/v1/reports/online-payment", {"from": since, "to": until})
        assert r.status_code == 200, r.content[:300]
        return r.json()["total"]["owed"]

    scenarios = {
        "floor: COUNT(*) of the month's owed rows": floor,
        "month, every agency (sysadmin)": share(admin, month),
        "month, the province (centre reception)": share(centre, month),
        "month, one department": share(admin, month, busy),
        "month, per procedure of it": share(admin, month, busy, "procedure"),
        "month, GET /reports/online-payment": http,
        "quarter, every agency": share(admin, quarter),
        "year, every agency": share(admin, year),
        "year, one department": share(admin, year, busy),
    }
    answers = {label: fn() for label, fn in scenarios.items()}  # warm-up, and what each one counts
    times: dict[str, list[float]] = {label: [] for label in scenarios}
    for _ in range(rounds):
        for label, fn in scenarios.items():
            reset_queries()
            t0 = time.perf_counter()
            fn()
            times[label].append((time.perf_counter() - t0) * 1000)
    print(f"  month {month[0]:%d/%m/%Y}-{month[1]:%d/%m/%Y}; {rounds} rounds")
    base = statistics.median(times["floor: COUNT(*) of the month's owed rows"])
    print(f"  {'scenario':<42}{'p50 ms':>9}{'p95 ms':>9}{'x floor':>9}  dossiers owed")
    for label, values in times.items():
        p50 = statistics.median(values)
        print(f"  {label:<42}{p50:9.1f}{pct(values, 95):9.1f}{p50 / base:8.1f}x  {answers[label]:,}")
    return times


def explain(busy: str, end: date) -> None:
    """The plan of the month's report for every agency (what the figures above come from)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from motcua.payments import reports

    admin = get_user_model().objects.get(username="admin")
    qs = reports._owed(admin, None, end.replace(day=1), end)
    sql, params = reports._grouped_queryset(qs, "agency_id").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF) {sql}", params)
        print("  plan (month, every agency):")
        for (line,) in cur.fetchall():
            print(f"    {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_share", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--db", default=DEFAULT_URL, help="PostgreSQL URL of the benchmark's own database")
    parser.add_argument("--n", type=int, default=N, help="dossiers to build (default 1,000,000)")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--rebuild", action="store_true", help="drop the database and build it again")
    parser.add_argument("--explain", action="store_true", help="print the month's plan")
    args = parser.parse_args(argv)
    from benchmarks import bench_queue

    bench_queue.ensure_database(args.db, rebuild=args.rebuild)
    os.environ["DATABASE_URL"] = args.db
    from benchmarks.common import setup_django

    setup_django()
    build(args.db, args.n, rebuild=args.rebuild)
    busy, end = describe()
    measure(args.rounds, busy, end)
    if args.explain:
        explain(busy, end)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
