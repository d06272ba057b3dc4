"""The portal relay under chaos (issue 11, "must show"): real dossier changes through the dossier services,
the outbox worker as a process (`motcua outbox_worker`) killed with -9 at random and restarted, the portal
simulator as a process failing 30 % of calls, answering 5 % only after the client's timeout (having stored),
expiring sessions every few seconds, and killed and restarted.

At the end: every dossier's last state is on the simulator, no dossier ever went back to an older state there
(its append-only log, and the count of older states it refused), and repeats are counted against what can
cause them: calls answered too late (the simulator counts their items), and kills (at most one batch each).

    python -m benchmarks.dvcqg_chaos --changes 300 [--json] [--no-migrate] [--calm]

DATABASE_URL must name a database every process can open (a SQLite file or PostgreSQL). tests/integrations/
dvcqg/test_chaos.py runs it small; benchmarks/bench_dvcqg.py at 10,000 changes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

USERNAME, PASSWORD, MADONVI = "motcua-chaos", "mật-khẩu-chaos-0123", "000.00.00.H40"
STEPS = 6  # changes per dossier: receive, forward, request supplement, supplement, forward, stop
BATCH = 100


def motcua() -> str:
    found = shutil.which("motcua", path=str(Path(sys.executable).parent))
    if not found:
        raise SystemExit("the motcua console script is not installed in this environment")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """The simulator and the worker as child processes, restartable, killed with -9."""

    def __init__(self, work: Path, *, calm: bool, seed: int):
        self.work, self.calm, self.seed = work, calm, seed
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sim: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "MOTCUA_DVCQG_USERNAME": USERNAME,
            "MOTCUA_DVCQG_PASSWORD": PASSWORD,
            "MOTCUA_DVCQG_MADONVI": MADONVI,
            "MOTCUA_DVCQG_URL": self.url,
            "MOTCUA_DVCQG_TIMEOUT": "0.5",
            "MOTCUA_DVCQG_BATCH": str(BATCH),
            "MOTCUA_OUTBOX_BACKOFF_BASE": "0.05",
            "MOTCUA_OUTBOX_BACKOFF_CAP": "0.4",
            "MOTCUA_OUTBOX_LEASE": "1",
            "MOTCUA_OUTBOX_MAX_ATTEMPTS": "1000",
        }
        self.sim_starts = self.worker_starts = 0

    def start_sim(self) -> None:
        flags = [] if self.calm else ["--fail", "0.3", "--timeout-after-store", "0.05", "--session-ttl", "2"]
        env = {k: v for k, v in self.env.items() if k != "DATABASE_URL"}
        self.sim = subprocess.Popen(
            [
                motcua(),
                "dvcqg_simulator",
                "--port",
                str(self.port),
                "--data",
                str(self.work / "sim"),
                "--quiet",
                "--late-seconds",
                "1",
                "--seed",
                str(self.seed + self.sim_starts),
                *flags,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.sim_starts += 1
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def start_worker(self) -> None:
        self.worker_out = self.work / f"worker-{self.worker_starts}.out"
        self.worker = subprocess.Popen(
            [motcua(), "outbox_worker", "--sleep", "0.05", "--batch", str(2 * BATCH)],
            env=self.env,
            stdout=self.worker_out.open("w"),
            stderr=(self.work / "worker.log").open("a"),
        )
        self.worker_starts += 1

    def worker_ready(self) -> bool:
        # The worker says it runs once Django is set up (a few seconds on a busy machine).
        return "đang chạy" in self.worker_out.read_text(encoding="utf-8", errors="replace")

    @staticmethod
    def kill(proc: subprocess.Popen | None) -> None:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)

    def stop(self) -> None:
        self.kill(self.worker)
        self.kill(self.sim)


def build_world():
    from django.contrib.auth import get_user_model

    from benchmarks.bench_intake import build
    from motcua.directory.models import Role, StaffAssignment

    citizen, officer, centre = build()
    from motcua.directory.models import Agency

    justice = Agency.objects.get(identifier="000.00.15.H40")
    User = get_user_model()
    staff = {}
    for username, role in (("chuyenvien", Role.SPECIALIST), ("lanhdao", Role.LEADER)):
        user = User.objects.create_user(username, password=None)
        StaffAssignment.objects.create(user=user, agency=justice, role=role)
        staff[username] = user
    return citizen, officer, staff["chuyenvien"], staff["lanhdao"]


def generate(changes: int, rng: random.Random, on_progress=None, duration: float = 0.0) -> list[str]:
    """`changes` dossier changes, interleaved over ceil(changes / 6) dossiers, through the services."""
    from benchmarks.bench_intake import COUNTER_BODY
    from motcua.core.formatting import LOCAL_TZ
    from motcua.dossiers import services

    citizen, officer, specialist, leader = build_world()
    clock = [datetime(2025, 8, 15, 7, 30, tzinfo=LOCAL_TZ)]

    def tick() -> datetime:
        clock[0] += timedelta(seconds=61)
        return clock[0]

    steps = [
        lambda code: services.perform(officer, code, "forward", at=tick()),
        lambda code: services.perform(
            specialist,
            code,
            "request_supplement",
            at=tick(),
            reason="Thiếu bản sao",
            items=["Giấy chứng sinh"],
        ),
        lambda code: services.perform(citizen, code, "supplement", at=tick(), note="Đã nộp bổ sung"),
        lambda code: services.perform(specialist, code, "forward", at=tick(), to="lanhdao"),
        lambda code: services.perform(leader, code, "stop", at=tick(), reason="Không đủ điều kiện"),
    ]
    dossiers = math.ceil(changes / STEPS)
    codes: list[str] = []
    progress = [0] * dossiers
    done = 0
    started = time.perf_counter()
    while done < changes:
        # Pick a dossier at random among the unfinished (new ones first come in order): changes interleave.
        live = [i for i in range(dossiers) if progress[i] < STEPS and (i < len(codes) or i == len(codes))]
        i = rng.choice(live)
        if i == len(codes):
            codes.append(services.submit_dossier(officer, COUNTER_BODY, at=tick()).code)
        else:
            steps[progress[i] - 1](codes[i])
        progress[i] += 1
        done += 1
        ahead = started + duration * done / changes - time.perf_counter()
        if ahead > 0:  # paced: spread over `duration` seconds so that the chaos meets a working relay
            time.sleep(ahead)
        if on_progress and done % 100 == 0:
            on_progress(done)
    return codes


def chaos(procs: Processes, stop: threading.Event, rng: random.Random, kills: dict, least: int = 2) -> None:
    """Kill the worker with -9 0.5-3 s after each (re)started one has begun working, the simulator too about
    one time in three; restart them at once. Goes on until `stop` is set and at least `least` kills happened
    (or a minute more has passed)."""
    hard = None
    while True:
        while not procs.worker_ready():
            if procs.worker.poll() is not None:  # it died by itself: start another
                procs.start_worker()
            time.sleep(0.1)
        time.sleep(rng.uniform(0.5, 3.0))
        if stop.is_set():
            hard = hard or time.monotonic() + 60
            if kills["worker"] >= least or time.monotonic() > hard:
                return
        if rng.random() < 0.3:
            procs.kill(procs.sim)
            kills["simulator"] += 1
            procs.start_sim()
        procs.kill(procs.worker)
        kills["worker"] += 1
        procs.start_worker()


def converge(timeout: float) -> bool:
    from motcua.integrations.models import OutboxMessage

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not OutboxMessage.objects.filter(topic__startswith="dvcqg.").exclude(status="delivered").exists():
            return True
        time.sleep(0.2)
    return False


def verify(codes: list[str], sim_db: Path) -> dict:
    from motcua.dossiers.models import Dossier, DossierEvent
    from motcua.integrations.dvcqg.hoso import portal_time
    from motcua.integrations.models import OutboxMessage

    db = sqlite3.connect(str(sim_db))
    held = {
        ma: (status, lines, latest)
        for ma, status, lines, latest in db.execute("SELECT ma, status, lines, latest FROM hoso")
    }
    last_at = {}
    for code, at in DossierEvent.objects.filter(dossier__code__in=codes).values_list("dossier__code", "at"):
        last_at[code] = max(last_at.get(code, at), at)
    missing = stale = 0
    for code, status, version in Dossier.objects.filter(code__in=codes).values_list(
        "code", "status", "version"
    ):
        got = held.get(code)
        if got is None:
            missing += 1
        elif got != (status, version, portal_time(last_at[code])):
            stale += 1
    backwards = 0
    previous: dict[str, tuple] = {}
    for ma, lines, latest in db.execute("SELECT ma, lines, latest FROM log ORDER BY id"):
        if ma in previous and (lines, latest) < previous[ma]:
            backwards += 1
        previous[ma] = (lines, latest)
    repeats = db.execute("SELECT COUNT(*) FROM log WHERE repeat = 1").fetchone()[0]
    stores = db.execute("SELECT COUNT(*) FROM log").fetchone()[0]
    counters = dict(db.execute("SELECT name, value FROM counters"))
    dead = OutboxMessage.objects.filter(topic__startswith="dvcqg.", status="dead").count()
    return {
        "dossiers": len(codes),
        "missing": missing,
        "stale": stale,
        "backwards": backwards,
        "stores": stores,
        "repeats": repeats,
        "dead": dead,
        "counters": counters,
    }


def run(
    changes: int,
    *,
    migrate: bool = True,
    calm: bool = False,
    seed: int = 11,
    duration: float = 0.0,
    say=print,
) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="dvcqg-chaos-"))
    procs = Processes(work, calm=calm, seed=seed)
    kills = {"worker": 0, "simulator": 0}
    stop = threading.Event()
    try:
        procs.start_sim()
        procs.start_worker()
        monkey = threading.Thread(
            target=chaos, args=(procs, stop, random.Random(seed + 1), kills), daemon=True
        )
        if not calm:
            monkey.start()
        t0 = time.perf_counter()
        codes = generate(
            changes,
            rng,
            on_progress=lambda n: say(f"  … {n} thay đổi", flush=True) if n % 2000 == 0 else None,
            duration=duration,
        )
        generated = time.perf_counter() - t0
        # The chaos goes on a little after the last change, then the processes are left alone to finish.
        time.sleep(0 if calm else 2)
        stop.set()
        if monkey.is_alive():
            monkey.join()
        from django.db import close_old_connections

        close_old_connections()
        converged = converge(timeout=60 + changes / 50)
        total = time.perf_counter() - t0
        procs.stop()
        result = verify(codes, work / "sim" / "dvcqg-simulator.sqlite3")
    finally:
        stop.set()
        procs.stop()
    allowed = result["counters"].get("late_items", 0) + (kills["worker"] + kills["simulator"]) * 2 * BATCH
    result.update(
        changes=changes,
        converged=converged,
        kills=kills,
        repeats_allowed=allowed,
        generate_seconds=round(generated, 2),
        total_seconds=round(total, 2),
    )
    if not os.environ.get("CHAOS_KEEP"):
        shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-migrate", action="store_true")
    parser.add_argument("--calm", action="store_true", help="no faults, no kills (the relay's own rate)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--duration", type=float, default=0.0, help="spread the changes over this many seconds"
    )
    args = parser.parse_args()
    result = run(
        args.changes, migrate=not args.no_migrate, calm=args.calm, seed=args.seed, duration=args.duration
    )
    print(json.dumps(result) if args.json else result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
