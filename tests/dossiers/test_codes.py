"""Dossier codes {agency identifier}-{yymmdd}-{NNNN} (domain.md §1.3): per receiving agency and local day,
gap-free, never repeated, also under many simultaneous receptions.

Concurrency needs one connection per thread. On PostgreSQL that is what Django gives every thread. On
SQLite, pytest-django's in-memory test database is a shared-cache database, where concurrent writers get
SQLITE_LOCKED at once (busy_timeout does not apply to shared-cache table locks), so the concurrent tests
copy the test database into a WAL file with the sqlite3 backup API and give each thread its own
connection to that file, with the production OPTIONS (IMMEDIATE transactions, busy_timeout).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction

from motcua.directory.models import Role, StaffAssignment
from motcua.dossiers import services
from motcua.dossiers.codes import next_code
from tests.dossiers.conftest import local, submission

THREADS, PER_THREAD = 16, 10


def code(agency, at: datetime) -> str:
    with transaction.atomic():
        return next_code(agency, at)


def test_format_is_identifier_date_and_four_digits(agencies):
    assert code(agencies["centre"], local(2025, 8, 15)) == "000.00.00.H40-250815-0001"
    assert code(agencies["centre"], local(2025, 8, 15, 16)) == "000.00.00.H40-250815-0002"


def test_each_agency_counts_on_its_own(agencies):
    assert code(agencies["centre"], local(2025, 8, 15)) == "000.00.00.H40-250815-0001"
    assert code(agencies["commune"], local(2025, 8, 15)) == "000.01.15.H40-250815-0001"
    assert code(agencies["centre"], local(2025, 8, 15)) == "000.00.00.H40-250815-0002"


def test_numbering_restarts_every_local_day(agencies):
    centre = agencies["centre"]
    code(centre, local(2025, 8, 15))
    code(centre, local(2025, 8, 15))
    assert code(centre, local(2025, 8, 16, 7, 0)) == "000.00.00.H40-250816-0001"
    # 23:30 UTC on the 16th is already 06:30 on the 17th in Hà Nội: the local day names the code.
    assert code(centre, datetime(2025, 8, 16, 23, 30, tzinfo=UTC)) == "000.00.00.H40-250817-0001"
    # An earlier day keeps its own counter.
    assert code(centre, local(2025, 8, 15, 16)) == "000.00.00.H40-250815-0003"


def test_a_rolled_back_reception_gives_its_number_back(agencies):
    centre = agencies["centre"]
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert next_code(centre, local(2025, 8, 15)) == "000.00.00.H40-250815-0001"
        raise ZeroDivisionError  # the reception fails after taking a number
    assert code(centre, local(2025, 8, 15)) == "000.00.00.H40-250815-0001"


def test_four_digits_grow_past_9999(agencies):
    from motcua.directory.models import DailySequence

    DailySequence.objects.create(agency=agencies["centre"], day=local(2025, 8, 15).date(), last=9999)
    assert code(agencies["centre"], local(2025, 8, 15)) == "000.00.00.H40-250815-10000"


# --------------------------------------------------------------------------------------------- concurrency
def concurrently(fn: Callable[[int], str], tmp_path: Path, per_thread: int = PER_THREAD) -> list[str]:
    """Run fn THREADS x per_thread times from THREADS threads started together; each call commits alone."""
    file_db = None
    wrapper_class, settings_dict = type(connections["default"]), connection.settings_dict
    if connection.vendor == "sqlite":
        file_db = tmp_path / "concurrent.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(file_db)
        connection.connection.backup(target)
        # WAL now, alone: switching the journal mode needs the file to itself, and threads connecting at
        # once (each connection's init_command asks for WAL) could otherwise find it locked.
        target.execute("PRAGMA journal_mode=WAL")
        target.close()
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            if file_db is not None:
                wrapper = wrapper_class({**settings_dict, "NAME": str(file_db)}, "default")
                connections["default"] = wrapper
            barrier.wait(timeout=30)
            for i in range(per_thread):
                value = fn(i)
                with lock:
                    results.append(value)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread below
            errors.append(exc)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if errors:
        raise errors[0]
    return results


def expected(prefix: str, per_thread: int = PER_THREAD) -> list[str]:
    return [f"{prefix}-{n:04d}" for n in range(1, THREADS * per_thread + 1)]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_numbers_are_unique_and_gap_free(agencies, tmp_path):
    centre = agencies["centre"]
    at = local(2025, 8, 15, 9)
    with pytest.raises(RuntimeError):  # outside the dossier's transaction a number could leak
        next_code(centre, at)

    codes = concurrently(lambda i: code(centre, at), tmp_path)

    assert sorted(codes) == expected("000.00.00.H40-250815")


@pytest.mark.django_db(transaction=True)
def test_simultaneous_counter_receptions_through_the_service(agencies, procedure, tmp_path):
    tiepnhan = get_user_model().objects.create_user("tiepnhan", password=None)  # no hashing: fast
    StaffAssignment.objects.create(user=tiepnhan, agency=agencies["centre"], role=Role.RECEPTION)
    at = local(2025, 8, 15, 9)
    body = submission(channel=1)

    # 5 per thread: each whole reception holds the agency's counter row until it commits, so they queue.
    codes = concurrently(
        lambda i: services.submit_dossier(tiepnhan, body, at=at).code, tmp_path, per_thread=5
    )

    assert sorted(codes) == expected("000.00.00.H40-250815", per_thread=5)
    if connection.vendor == "sqlite":
        db = sqlite3.connect(tmp_path / "concurrent.sqlite3")
        counts = [
            db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in (
                "dossiers_dossier",
                "dossiers_dossierevent",
                "integrations_outboxmessage WHERE topic = 'dossier.status'",
                "notifications_notification WHERE channel = 'email'",
            )
        ]
        db.close()
    else:
        from motcua.dossiers.models import Dossier, DossierEvent
        from motcua.integrations.models import OutboxMessage
        from motcua.notifications.models import Notification

        counts = [
            Dossier.objects.count(),
            DossierEvent.objects.count(),
            OutboxMessage.objects.filter(topic="dossier.status").count(),
            Notification.objects.filter(channel="email").count(),  # each receipt noticed once
        ]
    assert counts == [THREADS * 5] * 4
