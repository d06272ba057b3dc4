"""Demo dossier history: every status, consistent events, real outbox rows, and idempotent."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.demo import history
from motcua.demo import services as demo
from motcua.documents.models import Result
from motcua.dossiers import replay
from motcua.dossiers.machine import timeliness
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.integrations.models import OutboxMessage
from motcua.notifications.models import Notification

COUNT = 60


@pytest.fixture
def demo_base(db, settings):
    """The demo data set without its history (the same steps load_demo runs before it)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for _title, step in demo.STEPS:
        if step is demo.load_history:
            break
        step()


def test_history_covers_every_status_consistently_and_once(demo_base):
    now = timezone.now()
    lines: list[str] = []

    summary = history.load_history(lines.append, count=COUNT, now=now)

    dossiers = list(
        Dossier.objects.filter(idempotency_key__startswith=history.KEY_PREFIX).prefetch_related("events")
    )
    assert len(dossiers) == COUNT, summary
    assert f"{COUNT} hồ sơ" in summary and lines  # progress was shown
    statuses = Counter(d.status for d in dossiers)
    assert set(statuses) == set(range(1, 11)), statuses
    assert {d.channel for d in dossiers} == {1, 2, 3} or {d.channel for d in dossiers} >= {1, 2}

    year_ago = now - timedelta(days=366)
    for d in dossiers:
        events = sorted(d.events.all(), key=lambda e: e.seq)
        # The append-only history replays to the stored state.
        rebuilt = replay.rebuild_from_events(events)
        assert {k: getattr(d, k) for k in rebuilt} == rebuilt, d.code
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert all(year_ago <= e.at <= now for e in events)
        assert [e.at for e in events] == sorted(e.at for e in events)
        # One outbox message per event, keyed by the dossier.
        assert OutboxMessage.objects.filter(key=d.code).count() == len(events)
        assert d.applicant_id_number or d.applicant_tax_code
    # Twelve months written after the fact tell no applicant anything (ADR 0013).
    assert not Notification.objects.exists()
    # Realistic timeliness: finished dossiers are mostly early/on time, some late; some running are overdue.
    kinds = Counter(timeliness(d, now) for d in dossiers)
    assert kinds["early"] + kinds["on_time"] > kinds["late"] > 0, kinds
    # Done by the demo's staff accounts.
    actors = set(DossierEvent.objects.filter(dossier__in=dossiers).values_list("actor__username", flat=True))
    assert {"tiepnhan", "chuyenvien", "lanhdao"} <= actors or {"chuyenvien", "lanhdao"} & actors

    # Electronic results only for congdan's completed dossiers and a few recent others (ADR 0019).
    completed = [d for d in dossiers if d.result_name]
    mine = {d.pk for d in completed if d.applicant_user and d.applicant_user.username == "congdan"}
    issued = set(Result.objects.filter(dossier__in=dossiers).values_list("dossier_id", flat=True))
    assert mine <= issued and len(issued - mine) <= history.RECENT_RESULTS < len(completed)
    assert f"{len(issued)} kết quả điện tử" in summary

    # A second run adds nothing.
    before = (Dossier.objects.count(), DossierEvent.objects.count(), OutboxMessage.objects.count())
    again = history.load_history(count=COUNT, now=now + timedelta(minutes=5))
    assert (Dossier.objects.count(), DossierEvent.objects.count(), OutboxMessage.objects.count()) == before
    assert "không thêm" in again
