"""The online-submission benchmark's code, at a tiny scale (the real run is `make bench`)."""

from __future__ import annotations

import pytest

from benchmarks import bench_intake, bench_online
from motcua.dossiers.models import Dossier, DossierFile, Reuse


@pytest.mark.django_db
def test_the_benchmark_files_through_pages_and_api_and_prints_rates(settings, capsys):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    bench_intake.build()
    rates = bench_online.measure(n=1, rounds=1)
    bench_online.report(rates)
    out = capsys.readouterr().out
    assert "online page flow" in out and "API POST /dossiers + 2 file uploads" in out
    assert all(len(r) == 1 and r[0] > 0 for r in rates.values())
    # 1 warehouse dossier + (3 warm-up + 1) per path: pages, API, API + files.
    assert Dossier.objects.count() == 1 + 4 * 3
    assert DossierFile.objects.filter(reused=Reuse.WAREHOUSE).count() == 4
