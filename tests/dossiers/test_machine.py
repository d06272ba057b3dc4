"""The state machine table and the timeliness classification, as pure data (domain.md §2.1-§2.3)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

from motcua.core.formatting import LOCAL_TZ
from motcua.dossiers import machine
from motcua.dossiers.machine import RESUME, SAME, TERMINAL, TRANSITIONS, Status, timeliness


def at(d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2025, 8, d, hh, mm, tzinfo=LOCAL_TZ)


def test_ten_national_statuses_with_names_and_tokens():
    assert [s.value for s in Status] == list(range(1, 11))
    assert machine.TOKENS == {
        1: "receiving",
        2: "new",
        3: "denied",
        4: "processing",
        5: "waiting",
        6: "paying",
        7: "cancelled",
        8: "unresolved",
        9: "releasing",
        10: "done",
    }
    assert Status(5).label == "Yêu cầu bổ sung giấy tờ"
    assert Status(7).label == "Công dân yêu cầu rút hồ sơ"
    assert TERMINAL == {3, 7, 8, 10}


@pytest.mark.parametrize("row", TRANSITIONS, ids=lambda r: f"{r.name}:{sorted(r.sources)}")
def test_every_row_is_legal(row):
    assert row.sources and row.sources <= machine.STATUSES
    assert not row.sources & TERMINAL, "terminal states have no outgoing action"
    assert row.target in machine.STATUSES | {SAME, RESUME, machine.SETTLED}
    assert row.roles and row.roles <= {*machine.ACTOR_KINDS, machine.PLATFORM}
    assert row.label


def test_terminal_states_have_no_outgoing_actions_and_others_do():
    for status in Status:
        targets = machine.possible_targets(status)
        assert (not targets) == (status in TERMINAL), status


def test_one_row_per_action_and_status():
    seen = set()
    for row in TRANSITIONS:
        for s in row.sources:
            assert (row.name, s) not in seen, f"{row.name} twice from {s}"
            seen.add((row.name, s))


def test_key_rules_of_the_law_are_in_the_table():
    rows = {(r.name, s): r for r in TRANSITIONS for s in r.sources}
    assert rows[("accept", 1)].target == Status.NEW and rows[("accept", 1)].form == "01"
    assert rows[("refuse", 1)].target == Status.DENIED and rows[("refuse", 1)].form == "03"
    assert rows[("request_supplement", 1)].guard is machine._guidance_once
    assert rows[("request_supplement", 4)].guard is None, "a second request is allowed, and late (766)"
    assert rows[("supplement", 5)].target == RESUME
    assert rows[("apologize", 4)].guard is machine._apology and rows[("apologize", 4)].target == SAME
    assert rows[("pay", 6)].roles == {"reception"}, "only the one-stop records a payment it collected"
    assert rows[("pay", 2)].target == SAME and rows[("pay", 2)].guard is machine._fees_due, (
        "fee at the counter"
    )
    assert rows[("complete", 4)].roles == {"leader"}
    assert ("withdraw", 9) not in rows, "a ready result cannot be withdrawn"
    assert {s for (name, s) in rows if name == "withdraw"} == {1, 2, 4, 5, 6}


def _d(status, due=None, received=None, finished=None, supplements=0, paused_at=None, paused_from=None):
    return SimpleNamespace(
        status=status,
        due_at=due,
        received_at=received or (at(15, 15) if due else None),
        finished_at=finished,
        supplement_count=supplements,
        paused_at=paused_at,
        paused_from_status=paused_from,
    )


DUE = at(20, 15)  # Wed 20/08/2025 15:00


@pytest.mark.parametrize(
    "finished, expected",
    [
        (at(19, 16), "early"),  # a calendar day before the due day
        (at(20, 9), "on_time"),  # on the due day, before the due time
        (at(20, 15), "on_time"),  # exactly at the due instant
        (at(20, 15, 1), "late"),
        (at(21, 8), "late"),
    ],
)
def test_finished_dossiers_are_early_on_time_or_late(finished, expected):
    for status in (Status.RELEASING, Status.DONE, Status.UNRESOLVED, Status.CANCELLED):
        assert timeliness(_d(status, DUE, finished=finished), at(25, 9)) == expected


def test_running_dossiers_are_in_time_or_overdue():
    assert timeliness(_d(Status.PROCESSING, DUE), at(20, 15)) == "in_time"
    assert timeliness(_d(Status.PROCESSING, DUE), at(20, 15, 1)) == "overdue"
    assert timeliness(_d(Status.PAYING, DUE), at(22, 9)) == "overdue"


def test_a_paused_dossier_is_judged_at_the_request_time():
    waiting = _d(Status.WAITING, DUE, supplements=1, paused_at=at(19, 9), paused_from=Status.PROCESSING)
    assert timeliness(waiting, at(29, 9)) == "in_time"


def test_more_than_one_supplement_request_is_late_whatever_the_dates():
    assert timeliness(_d(Status.PROCESSING, DUE, supplements=2), at(18, 9)) == "overdue"
    assert timeliness(_d(Status.DONE, DUE, finished=at(18, 9), supplements=2), at(18, 9)) == "late"


def test_no_due_date_no_timeliness():
    assert timeliness(_d(Status.RECEIVING), at(18, 9)) is None
    assert timeliness(_d(Status.DENIED), at(18, 9)) is None


def required_inputs(name: str) -> set[str]:
    return {f for f, info in machine.BY_ACTION[name].Input.model_fields.items() if info.is_required()}


def test_each_action_declares_its_own_typed_input():
    """One home per action: what an action needs is declared by its own schema, next to its rows."""
    assert required_inputs("accept") == set() and required_inputs("return_result") == set()
    assert required_inputs("refuse") == required_inputs("stop") == required_inputs("withdraw") == {"reason"}
    assert required_inputs("request_supplement") == {"reason", "items"}
    assert required_inputs("request_payment") == {"amount"}
    assert required_inputs("pay") == {"method"}
    assert required_inputs("apologize") == {"reason", "new_due_at"}
    assert required_inputs("complete") == {"result"}
    for spec in machine.ACTIONS:
        assert "note" in spec.Input.model_fields, f"{spec.name} must accept a note (contract §4)"
        assert all(r.name == spec.name for r in spec.rows)


def test_every_logged_action_replays():
    assert set(machine.BY_ACTION) == {*machine.ACTION_NAMES, "submit", "receive", "digitise", "refund"}
