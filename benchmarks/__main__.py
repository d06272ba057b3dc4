"""`make bench`: run every benchmarks/bench_*.py on SQLite and on PostgreSQL, each in a fresh database.

Each module has `main()`; it runs in its own process with DATABASE_URL set to a throw-away database,
migrates it, builds its data, and prints figures as ratios against a floor measured in the same run.
PostgreSQL is used when reachable (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/motcua_bench).
A module that names its own `TARGETS` ([(label, url)]) runs on those only, and keeps its database
(bench_queue: a million dossiers are built once and reused).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/motcua_bench")


def pg_available() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    base = PG_URL.rsplit("/", 1)[0] + "/postgres"
    name = PG_URL.rsplit("/", 1)[1]
    try:
        with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except psycopg.Error as exc:
        print(f"  (PostgreSQL not reachable at {base}: {exc}; skipping)")
        return False


def main() -> int:
    only = sys.argv[1:]
    modules = sorted(p.stem for p in HERE.glob("bench_*.py") if not only or p.stem in only)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{tmp}/bench.sqlite3")]
        for mod in modules:
            own = getattr(importlib.import_module(f"benchmarks.{mod}"), "TARGETS", None)
            chosen = own or list(targets) + ([("PostgreSQL", PG_URL)] if pg_available() else [])
            for label, url in chosen:
                if label == "SQLite":
                    Path(f"{tmp}/bench.sqlite3").unlink(missing_ok=True)
                print(f"\n== {mod} on {label} ==", flush=True)
                env = {
                    **os.environ,
                    "DATABASE_URL": url,
                    "DJANGO_SETTINGS_MODULE": "motcua.settings",
                    "BENCH_DB_LABEL": label,
                }
                rc = subprocess.call([sys.executable, "-m", f"benchmarks.{mod}"], env=env, cwd=HERE.parent)
                failures += rc != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
