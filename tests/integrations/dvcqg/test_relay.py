"""The portal transport against the simulator over HTTP: services, dates, batching, coalescing, sessions,
retries, dead letters and replay, and the catch-up command."""

from __future__ import annotations

import re
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from motcua.integrations.dvcqg.models import PortalSync
from motcua.integrations.dvcqg.transport import PREFIX, TOPIC, PortalTransport
from motcua.integrations.models import OutboxMessage
from motcua.integrations.transports import Registry
from motcua.integrations.worker import OutboxWorker
from tests.dossiers.conftest import local

Status = OutboxMessage.Status
STAMP = re.compile(r"^20\d{12}$")


def run(transport: PortalTransport | None = None, **kw) -> OutboxWorker:
    registry = Registry()
    registry.register(PREFIX, transport or PortalTransport())
    worker = OutboxWorker(registry=registry, say=lambda text: None, **kw)
    worker.stats = worker.run_once()
    return worker


def portal_messages(code: str):
    return OutboxMessage.objects.filter(topic=TOPIC, key=f"dvcqg:{code}").order_by("pk")


def test_first_state_then_progress_then_full_refresh(portal, counter, perform):
    d = counter(at=local(2025, 8, 15, 15))
    assert [m.payload for m in portal_messages(d.code)] == [{"code": d.code, "version": 1}]
    run()
    held = portal.dossier(d.code)
    assert [(e["service"], e["lines"]) for e in held["log"]] == [("DongBoHoSoMC", 1)]
    hoso = held["hoso"]
    assert hoso["TrangThaiHoSo"] == 2 and hoso["NgayTiepNhan"] == "20250815150000"
    assert STAMP.match(hoso["NgayHenTra"]) and hoso["QuaTrinhXuLy"][0]["ThoiDiemXuLy"] == "20250815150000"
    sync = PortalSync.objects.get(dossier=d)
    assert (sync.acked_version, sync.acked_status) == (1, 2) and sync.first_acked_at == sync.acked_at

    perform("tiepnhan", d, "forward", local(2025, 8, 15, 16, 5))  # 16:05 on a 24-hour clock
    run()
    held = portal.dossier(d.code)
    assert held["log"][-1]["service"] == "CapNhatTienDoHoSoMC" and held["hoso"]["TrangThaiHoSo"] == 4
    assert held["hoso"]["QuaTrinhXuLy"][-1]["ThoiDiemXuLy"] == "20250815160500"

    perform("chuyenvien", d, "request_supplement", local(2025, 8, 18, 9), reason="Thiếu", items=["Giấy"])
    run()
    held = portal.dossier(d.code)
    assert [e["service"] for e in held["log"]] == ["DongBoHoSoMC", "CapNhatTienDoHoSoMC", "DongBoHoSoMC"]
    assert held["hoso"]["TrangThaiHoSo"] == 5 and len(held["hoso"]["QuaTrinhXuLy"]) == 3
    sync.refresh_from_db()
    assert sync.acked_version == 3 and sync.first_acked_at < sync.acked_at
    assert set(portal_messages(d.code).values_list("status", flat=True)) == {Status.DELIVERED}


def test_queued_changes_go_as_one_current_state_and_dossiers_go_in_one_call(portal, counter, perform):
    codes = []
    for n in range(4):
        d = counter(at=local(2025, 8, 15, 8, n))
        perform("tiepnhan", d, "forward", local(2025, 8, 15, 9, n))
        codes.append(d.code)
    worker = run()
    assert worker.stats.delivered == 8  # four first sends, and their forwards coalesced
    logs = [portal.dossier(code)["log"] for code in codes]
    assert all(len(log) == 1 and log[0]["lines"] == 2 and log[0]["status"] == 4 for log in logs)
    assert len({log[0]["call"] for log in logs}) == 1, "the four dossiers went in one DongBoHoSoMC call"
    assert portal.stats()["counters"]["calls_stored"] == 1


def test_an_expired_session_is_renewed_and_the_call_repeated(portal, counter):
    transport = PortalTransport()
    transport.client().sign_in()
    d = counter(at=local(2025, 8, 15, 15))
    portal.faults(expire_sessions=True)
    run(transport)
    assert portal.dossier(d.code) is not None and portal.stats()["counters"]["expired"] == 1
    portal.faults(session_ttl=0.05)
    transport.client().sign_in(stale=transport.client()._session)
    second = counter(at=local(2025, 8, 15, 15, 30))
    time.sleep(0.1)
    run(transport)
    assert portal.dossier(second.code) is not None and portal.stats()["counters"]["expired"] == 2


def test_failures_are_retried_then_dead_lettered_and_replayed(portal, counter, settings, capsys):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    d = counter(at=local(2025, 8, 15, 15))
    portal.faults(fail=1.0)
    deadline = time.monotonic() + 10
    while portal_messages(d.code).get().status != Status.DEAD:
        run()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    message = portal_messages(d.code).get()
    assert message.attempts == 3 and portal.dossier(d.code) is None
    assert not PortalSync.objects.filter(dossier=d).exists()

    call_command("outbox_replay", "--topic", "dvcqg.", "--key", d.code, "--dry-run")
    assert "1 bản tin" in capsys.readouterr().out and portal_messages(d.code).get().status == Status.DEAD
    call_command("outbox_replay", "--topic", "dvcqg.", "--key", d.code)
    assert "Đã đưa 1 bản tin" in capsys.readouterr().out
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 0)
    portal.faults(fail=0)
    run()
    assert portal.dossier(d.code)["hoso"]["TrangThaiHoSo"] == 2
    with pytest.raises(CommandError) as bad:
        call_command("outbox_replay", "--key", "a b")
    assert bad.value.returncode == 2


def test_a_state_stored_before_a_timeout_is_not_lost_nor_refused(portal, counter, settings):
    """The portal stores and answers too late: the next attempt cannot know whether it holds the dossier,
    so it tries isUpdating "true" alone; the repeat is counted as one."""
    settings.OUTBOX_BACKOFF_BASE = settings.OUTBOX_BACKOFF_CAP = 60
    d = counter(at=local(2025, 8, 15, 15))
    portal.faults(timeout_after_store=1.0, late_seconds=1.5)
    run()
    message = portal_messages(d.code).get()
    assert (
        message.status == Status.PENDING
        and message.attempts == 1
        and "có thể Cổng đã lưu" in message.last_error
    )
    portal.faults(timeout_after_store=0)
    portal_messages(d.code).update(next_attempt_at=message.created_at)
    run()
    held = portal.dossier(d.code)
    assert [e["repeat"] for e in held["log"]] == [False, True]
    assert PortalSync.objects.get(dossier=d).acked_version == 1


def test_without_a_url_everything_waits(portal, counter, settings):
    settings.DVCQG_URL = ""
    d = counter(at=local(2025, 8, 15, 15))
    assert run().stats.handled == 0
    assert portal_messages(d.code).get().status == Status.PENDING and portal.dossier(d.code) is None


def test_dvcqg_sync_catches_up_the_range_and_refuses_bad_input(portal, counter, settings, capsys):
    settings.DVCQG_URL = ""
    inside = counter(at=local(2025, 8, 15, 15))
    outside = counter(at=local(2025, 9, 2, 9))
    for args in (["--since", "31/02/2025"], ["--since", "20/08/2025", "--until", "2025-08-01"]):
        with pytest.raises(CommandError) as bad:
            call_command("dvcqg_sync", *args)
        assert bad.value.returncode == 2
    with pytest.raises(CommandError) as bad:
        call_command("dvcqg_sync", "--since", "01/08/2025")
    assert "MOTCUA_DVCQG_URL" in str(bad.value)
    # The change's own message is dead (say, after an outage); the catch-up revives it.
    portal_messages(inside.code).update(status=Status.DEAD)
    settings.DVCQG_URL = portal.url
    call_command("dvcqg_sync", "--since", "01/08/2025", "--until", "31/08/2025")
    out = capsys.readouterr().out
    # The one dead message revived; the worker's run sends every waiting portal message (outside's too).
    assert "0 đưa vào hàng gửi bù, 1 bản tin lỗi" in out and "đã gửi 2" in out and "còn 0 hồ sơ" in out
    assert portal.dossier(inside.code) is not None and portal.dossier(outside.code) is not None
    PortalSync.objects.filter(dossier=inside).delete()  # say motcua lost track: a catch-up message is queued
    call_command("dvcqg_sync", "--since", "2025-08-15", "--until", "2025-08-31")
    out = capsys.readouterr().out
    assert "1 đưa vào hàng gửi bù" in out and "còn 0 hồ sơ" in out
    assert PortalSync.objects.get(dossier=inside).acked_version == 1


def test_a_message_already_tried_goes_alone_so_one_refused_item_holds_back_no_other():
    from types import SimpleNamespace

    from motcua.integrations.dvcqg.transport import _chunks

    fresh = [(SimpleNamespace(attempts=0), i) for i in range(5)]
    tried = [(SimpleNamespace(attempts=n), 10 + n) for n in (1, 3)]
    calls = _chunks([fresh[0], tried[0], *fresh[1:], tried[1]], 2)
    assert [[pk for _m, pk in call] for call in calls] == [[0, 1], [2, 3], [4], [11], [13]]
