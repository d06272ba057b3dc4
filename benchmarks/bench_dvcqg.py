"""The portal relay (issue 11): the simulator's own echo rate next to the relay's throughput, and the chaos run.

* echo: pre-built DongBoHoSoMC calls of 100 HoSo posted straight to the simulator (one connection, one call
  at a time, as the relay does): the most the relay could reach against this simulator on this machine.
* relay: dossier changes made through the dossier services while the portal is not configured (they wait in
  the outbox), then the outbox worker sends them all (current state per dossier, batched, PortalSync
  written): dossier changes per second from outbox to simulator, and HoSo items per second. Target >= 1,000
  changes a second against a national peak near 150 (domain.md §8).
* chaos: benchmarks/dvcqg_chaos.py at BENCH_DVCQG_CHAOS changes (default 10,000) on its own SQLite file:
  faults, kills, and the checks (every last state arrives, none backwards, repeats explained).

Figures only; nothing here is a timed assertion.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import urllib3

from benchmarks.common import setup_django

RELAY_CHANGES = int(os.environ.get("BENCH_DVCQG_RELAY", "3000"))
CHAOS_CHANGES = int(os.environ.get("BENCH_DVCQG_CHAOS", "10000"))
ECHO_CALLS = int(os.environ.get("BENCH_DVCQG_ECHO", "50"))


def echo_rate(url: str, user: str, password: str, madonvi: str) -> float:
    """HoSo items a second the simulator stores when posted pre-built batches of 100."""
    pool = urllib3.PoolManager(maxsize=1, retries=False)
    session = json.loads(
        pool.request(
            "POST",
            f"{url}/auth",
            body=json.dumps({"username": user, "password": password}),
            headers={"dstcode": madonvi, "Content-Type": "application/json"},
        ).data
    )["session"]
    line = {"MaHoSo": "", "ThoiDiemXuLy": "20250815090000", "NoiDungXuLy": "Tiếp nhận", "TrangThai": 2}
    base = {
        "MaTTHC": "1.001193",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "G09-HT01",
        "KenhThucHien": 1,
        "ChuHoSo": "Nguyễn Thị Hoa",
        "LoaiDoiTuong": "1",
        "SoGiayToChuHoSo": "038190001234",
        "TrichYeuHoSo": "Đăng ký khai sinh cho con",
        "NgayTiepNhan": "20250815090000",
        "NgayHenTra": "20250905170000",
        "TrangThaiHoSo": 2,
        "MaDinhDanh": "000.00.00.H99",
        "DonViXuLy": "000.00.15.H99",
    }
    bodies = []
    for call in range(ECHO_CALLS):
        items = []
        for n in range(100):
            code = f"000.00.00.H99-250815-{call * 100 + n + 1:06d}"
            items.append({**base, "MaHoSo": code, "QuaTrinhXuLy": [{**line, "MaHoSo": code}]})
        body = {
            "session": session,
            "madonvi": madonvi,
            "service": "DongBoHoSoMC",
            "isUpdating": "false",
            "data": items,
        }
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    t0 = time.perf_counter()
    for body in bodies:
        answer = json.loads(
            pool.request(
                "POST", f"{url}/integration", body=body, headers={"Content-Type": "application/json"}
            ).data
        )
        assert answer["error_code"] == 0, answer
    return ECHO_CALLS * 100 / (time.perf_counter() - t0)


def main() -> int:
    label = setup_django()
    import random

    from django.conf import settings

    from benchmarks.dvcqg_chaos import MADONVI, PASSWORD, USERNAME, Processes, generate
    from motcua.integrations.dvcqg.transport import PREFIX, PortalTransport
    from motcua.integrations.models import OutboxMessage
    from motcua.integrations.transports import Registry
    from motcua.integrations.worker import OutboxWorker

    print(f"  database: {label}")
    work = Path(tempfile.mkdtemp(prefix="bench-dvcqg-"))
    procs = Processes(work, calm=True, seed=1)
    procs.start_sim()
    try:
        echo = echo_rate(procs.url, USERNAME, PASSWORD, MADONVI)
        print(f"  simulator echo (pre-built calls of 100)          {echo:9.0f} HoSo/s")

        settings.DVCQG_URL = ""
        t0 = time.perf_counter()
        generate(RELAY_CHANGES, random.Random(5))
        print(
            f"  {RELAY_CHANGES} changes made through the services in {time.perf_counter() - t0:.1f} s (not timed)"
        )
        from django.db import connection

        if connection.vendor == "postgresql":
            # The outbox has just grown by thousands of rows in seconds; autovacuum has not looked at it yet,
            # and with the empty table's statistics the planner runs the claim's NOT EXISTS as a scan: 0.15-
            # 0.6 s a claim, 650 changes/s instead of ~3,000. A running system's autovacuum analyses it.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        settings.DVCQG_URL, settings.DVCQG_TIMEOUT = procs.url, 30.0
        settings.DVCQG_USERNAME, settings.DVCQG_PASSWORD, settings.DVCQG_MADONVI = USERNAME, PASSWORD, MADONVI
        registry = Registry()
        registry.register(PREFIX, PortalTransport())
        worker = OutboxWorker(registry=registry, batch=500, say=lambda text: None)
        before = 0
        # The URL configuration (file links in the HoSo) is imported once per process: a running worker has
        # paid that long before, so it is not part of the rate.
        from django.urls import get_resolver

        _ = get_resolver().url_patterns
        t0 = time.perf_counter()
        stats = worker.run_once()
        elapsed = time.perf_counter() - t0
        left = OutboxMessage.objects.filter(topic__startswith=PREFIX).exclude(status="delivered").count()
        import requests

        counters = requests.get(f"{procs.url}/_sim/stats", timeout=10).json()["counters"]
        worker_items = counters.get("items_stored", 0) - ECHO_CALLS * 100 - before
        print(
            f"  relay outbox -> simulator                        {stats.delivered / elapsed:9.0f} changes/s "
            f"({worker_items / elapsed:.0f} HoSo/s; {stats.delivered} changes, {worker_items} HoSo, "
            f"{elapsed:.2f} s, {left} left)"
        )
        print(f"  relay / echo (HoSo)                              {worker_items / elapsed / echo:9.2f}x")
        print("  target >= 1,000 changes/s; national peak ~150/s (domain.md §8)")
    finally:
        procs.stop()

    if label != "SQLite":
        print("  chaos: run once, on its own SQLite file (see the SQLite section)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/chaos.sqlite3", "MOTCUA_VAR_DIR": f"{tmp}/var"}
        print(f"  chaos at {CHAOS_CHANGES} changes (own SQLite file) …", flush=True)
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.dvcqg_chaos", "--changes", str(CHAOS_CHANGES), "--json"],
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            print(done.stderr[-2000:])
            return 1
        r = json.loads(done.stdout.strip().splitlines()[-1])
        c = r["counters"]
        print(
            f"  chaos: {r['changes']} changes, {r['dossiers']} dossiers, converged {r['converged']}, "
            f"missing {r['missing']}, stale {r['stale']}, backwards {r['backwards']}, dead {r['dead']}"
        )
        print(
            f"  chaos: failed calls {c.get('failed', 0)}, late calls {c.get('late_calls', 0)} "
            f"({c.get('late_items', 0)} HoSo), expired sessions {c.get('expired', 0)}, isUpdating refusals "
            f"{c.get('refused', 0)}, older states refused {c.get('refused_older', 0)}, kills worker "
            f"{r['kills']['worker']} simulator {r['kills']['simulator']}"
        )
        print(
            f"  chaos: {r['stores']} stores, {r['repeats']} repeats (allowed by late answers and kills: "
            f"{r['repeats_allowed']}); {r['generate_seconds']} s generating, {r['total_seconds']} s in all"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
