"""Random walks over the state machine (hypothesis): whatever the actors try, in whatever order,

* the dossier is never in an illegal state;
* an accepted action appends exactly one event and one outbox message, and was offered in `actions`;
* a refused action changes nothing (row, events, outbox), and a 403/409 one was not offered;
* replaying the event log gives the stored state.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from motcua.core.errors import DomainError
from motcua.directory.calendars import calendar_for
from motcua.directory.models import Role
from motcua.dossiers import machine, replay, services
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.selectors import available_actions
from tests.dossiers.conftest import local, state, submission

ACTORS = ("congdan", "tiepnhan", "chuyenvien", "lanhdao", "yte")
TARGETS = (None, "lanhdao", "chuyenvien", "000.00.18.H40", "000.00.15.H40", "yte")
START = local(2025, 8, 15, 15)

# (actor, action, minutes later, forward target, take the n-th offered action instead when >= 0): the
# last item steers half the steps through offered actions, so that walks get deep into the lifecycle.
step = st.tuples(
    st.sampled_from(ACTORS),
    st.sampled_from(machine.ACTION_NAMES),
    st.integers(min_value=1, max_value=1500),
    st.sampled_from(TARGETS),
    st.integers(min_value=-6, max_value=5),
)


def payload_for(action: str, d: Dossier, to: str | None) -> dict:
    p = {"note": "ghi chú"}
    if action in ("refuse", "stop", "withdraw", "request_supplement", "apologize"):
        p["reason"] = "lý do"
    if action == "request_supplement":
        p["items"] = ["Bản sao giấy tờ"]
    if action == "request_payment":
        p["amount"] = 50000
    if action == "complete":
        p["result"] = {"name": "Giấy chứng nhận"}
    if action == "forward" and to:
        p["to"] = to
    if action == "apologize":
        base = d.due_at or START
        p["new_due_at"] = calendar_for(d.agency).add(base, 1, "working_days").isoformat()
    return p


def check_invariants(d: Dossier) -> None:
    assert d.status in machine.STATUSES
    assert (d.status == 5) == (d.paused_at is not None) == (d.paused_from_status is not None)
    if d.status in (2, 4, 6, 8, 9, 10):
        assert d.received_at is not None and d.due_at is not None
    if d.status in (7, 8, 9, 10):
        assert d.finished_at is not None
    assert (d.status == 10) == (d.returned_at is not None)
    assert (d.status == 3) == (d.refused_at is not None)
    if d.due_at and d.original_due_at:
        assert d.due_at >= d.original_due_at
    assert d.apology_count <= 1 and d.guidance_count <= 1
    assert d.fee_paid <= d.fee_total
    rebuilt = replay.rebuild_from_events(list(DossierEvent.objects.filter(dossier=d)))
    assert rebuilt == {f: getattr(d, f) for f in replay.REBUILT_FIELDS}


@pytest.fixture
def cast(people, make_staff, agencies, procedure):
    people["yte"] = make_staff("yte", Role.SPECIALIST, agencies["health"])
    return people


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(at_counter=st.booleans(), steps=st.lists(step, min_size=1, max_size=20))
def test_random_walks_keep_the_dossier_legal(cast, at_counter, steps):
    with transaction.atomic():
        if at_counter:
            d = services.submit_dossier(cast["tiepnhan"], submission(channel=1), at=START)
        else:
            d = services.submit_dossier(cast["congdan"], submission(), at=START)
        check_invariants(d)
        at = START
        for who, action, minutes, to, pick in steps:
            at += timedelta(minutes=minutes)
            d = Dossier.objects.select_related("agency", "current_agency").get(pk=d.pk)
            if pick >= 0:
                # Steer: someone takes an offered action; endings (withdraw, refuse, stop) only on a 5,
                # so that most walks get deep into the lifecycle.
                options = [
                    (w, a)
                    for w in ACTORS
                    for a in available_actions(cast[w], d, at)
                    if pick == 5 or a not in ("withdraw", "refuse", "stop")
                ]
                if options:
                    who, action = options[(pick + minutes) % len(options)]
            user = cast[who]
            actions = available_actions(user, d, at)
            offered = action in actions
            before = state(d.code)
            try:
                after = services.perform(user, d.code, action, at=at, **payload_for(action, d, to))
            except DomainError as exc:
                assert state(d.code) == before, f"{who} {action}: refused but changed something"
                if exc.status in (403, 409):
                    assert not offered, f"{who} was offered {action} but got {exc.code}"
                continue
            assert offered, f"{who} did {action} without it being offered"
            row, events, messages = state(d.code)
            assert (events, messages) == (before[1] + 1, before[2] + 1)
            last = DossierEvent.objects.filter(dossier=after).order_by("-seq").first()
            assert (last.seq, last.action, last.to_status, last.at) == (events, action, after.status, at)
            assert last.from_status == before[0]["status"]
            assert after.status in machine.possible_targets(
                before[0]["status"], before[0]["paused_from_status"]
            )
            check_invariants(Dossier.objects.get(pk=d.pk))
        event(f"final status {Dossier.objects.get(pk=d.pk).status}")
        transaction.set_rollback(True)
