"""The online-payment share benchmark's code at a tiny scale (the real run is `make bench`, a million rows):
its fee and payment SQL builds what the report counts, and every scenario runs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from benchmarks import bench_share, queue_world
from motcua.dossiers.models import Dossier
from motcua.payments.models import Payment, Refund


@pytest.mark.django_db
def test_the_benchmark_builds_payments_and_runs_every_scenario(settings, capsys):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark's data SQL is PostgreSQL's (make bench runs there only)")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = queue_world.build_directory(timezone.now(), departments=2, communes=3)
    queue_world.write_dossiers(world, 600, batch=300, shape=bench_share.shaped)
    bench_share.add_payments()
    owed = Dossier.objects.filter(fee_total__gt=0)
    assert owed.exists() and owed.filter(paid_online=1).exists() and owed.filter(paid_online=2).exists()
    assert Payment.objects.filter(online=0).exists() and Refund.objects.exists()
    # Every dossier's row agrees with its requests and payments, as the ledger keeps them.
    for d in owed[:80]:
        assert d.fee_total == sum(r.amount for r in d.payment_requests.all()), d.code
        assert d.fee_paid == sum(p.amount for p in d.payments.all()), d.code
        assert d.paid_online == max([p.online for p in d.payments.all()] or [0]), d.code
    busy, end = bench_share.describe()
    times = bench_share.measure(1, busy, end)
    out = capsys.readouterr().out
    assert all(len(v) == 1 for v in times.values()) and "x floor" in out
    assert set(times) >= {"month, every agency (sysadmin)", "month, GET /reports/online-payment"}
