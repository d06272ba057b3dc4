"""The work-queue benchmark's code, at a tiny scale (the real run is `make bench`, a million rows)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from benchmarks import bench_queue, queue_world
from motcua.dossiers.models import Dossier


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_the_benchmark_builds_its_province_and_prints_every_scenario(fast_passwords, capsys):
    world = queue_world.build_directory(timezone.now(), departments=2, communes=3)
    queue_world.write_dossiers(world, 400, batch=150)
    assert Dossier.objects.count() == 400
    statuses = set(Dossier.objects.values_list("status", flat=True))
    assert {4, 10} <= statuses, "running and finished dossiers alike"
    assert Dossier.objects.filter(assignee__username="chuyenvien").exists()
    codes = list(Dossier.objects.values_list("code", flat=True))
    assert len(set(codes)) == len(codes)

    results = bench_queue.measure(rounds=2, deep=30)
    bench_queue.report(results)
    out = capsys.readouterr().out
    labels = [s.label for s in bench_queue.scenarios(timezone.localdate())]
    for who in bench_queue.USERS:
        assert f"as {who}" in out
    for label in labels:
        assert out.count(label) == len(bench_queue.USERS), label
    assert all(len(r.times) == 2 for r in results)
