"""Malformed input never gets a 500: random JSON at the dossier endpoints gets a 2xx or a 4xx {code, message}."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.dossiers import machine
from tests.dossiers.conftest import submission

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = ("procedure", "agency", "channel", "case", "applicant", "authorised", "components", "summary")
ACTION_FIELDS = ("note", "reason", "items", "to", "amount", "new_due_at", "result", "files", "version")


def mutated(base: dict, fields: tuple[str, ...]):
    return st.dictionaries(st.sampled_from(fields), values, max_size=3).map(lambda extra: {**base, **extra})


def check(response) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        body = response.json()
        assert body["code"] and body["message"]


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=mutated(submission(), FIELDS) | values, who=st.sampled_from(["congdan", "tiepnhan"]))
def test_random_submissions(people, procedure, api_as, body, who):
    client = api_as(people[who])
    with transaction.atomic():
        check(client.post("/dossiers", body))
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=mutated({}, ACTION_FIELDS) | values,
    action=st.sampled_from(machine.ACTION_NAMES),
    who=st.sampled_from(["congdan", "tiepnhan", "chuyenvien", "lanhdao"]),
    params=st.dictionaries(
        st.sampled_from(["status", "due", "received_from", "q", "page", "page_size"]),
        st.text(max_size=12),
        max_size=2,
    ),
)
def test_random_actions_and_filters(people, procedure, api_as, body, action, who, params):
    clients = {name: api_as(people[name]) for name in ("tiepnhan", who)}
    with transaction.atomic():
        code = clients["tiepnhan"].post("/dossiers", submission(channel=1)).json()["code"]
        r = clients[who].client.post(
            f"/api/v1/dossiers/{code}/actions/{action}",
            data=json.dumps(body),
            content_type="application/json",
            **clients[who].headers,
        )
        check(r)
        check(clients[who].get("/dossiers", **params))
        transaction.set_rollback(True)


def test_nul_characters_are_refused_not_crashing(people, procedure, api_as):
    client = api_as(people["tiepnhan"])
    check(client.post("/dossiers", submission(channel=1, summary="a\x00b")))
    code = client.post("/dossiers", submission(channel=1)).json()["code"]
    check(client.post(f"/dossiers/{code}/actions/refuse", {"reason": "x\x00"}))
    check(client.post(f"/dossiers/{code}/actions/forward", {"to": "\x00"}))
    for params in ({"q": "\x00"}, {"agency": "a\x00"}, {"procedure": "\x00"}, {"status": "\x00"}):
        check(client.get("/dossiers", **params))
    check(client.get("/dossiers/a%00b"))
    check(client.get("/dossiers/a%00b/events"))
    check(client.post("/dossiers/a%00b/actions/accept"))
