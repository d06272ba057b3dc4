"""Shared bench helpers: Django set-up on the target database, timers and percentile printing."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable


def setup_django() -> str:
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return os.environ.get("BENCH_DB_LABEL", "?")


def sample(fn: Callable[[int], object], n: int, warmup: int = 20) -> list[float]:
    """Milliseconds for n calls of fn(i), after warm-up calls."""
    for i in range(warmup):
        fn(i)
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(label: str, values: list[float]) -> tuple[float, float]:
    p50, p95 = statistics.median(values), pct(values, 95)
    print(f"  {label:<44} p50 {p50:7.3f} ms   p95 {p95:7.3f} ms   (n={len(values)})")
    return p50, p95
