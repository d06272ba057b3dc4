"""A lone surrogate ("\\udfff": valid JSON text, not encodable Unicode) in any text field of any JSON body is
refused with 422 `{code, message}`, not a 500 when the database or a page tries to encode it.

The fields are read from the OpenAPI document, so a field added later is covered without touching this
file. Each action is sent by someone it is offered to (the dossier's `actions`), so the input is looked at.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from motcua.api.router import api
from motcua.dossiers import machine
from tests.api import world as world_module
from tests.dossiers.conftest import procedure, submission  # noqa: F401 - fixture

SURROGATE = "\udfff"
SUBMIT = "/api/v1/dossiers"
ACT = "/api/v1/dossiers/{code}/actions/{action}"


def document() -> dict:
    return api.get_openapi_schema()


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def text_fields(schema: dict, components: dict, prefix: tuple = ()) -> list[tuple]:
    """Paths to every place a string may go in a body of this schema: ('applicant', 'name'), ('items', 0)."""
    schema = _resolve(schema, components)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return sorted({p for o in options for p in text_fields(o, components, prefix)}, key=str)
    kind = schema.get("type")
    if kind == "string":
        return [prefix]
    if kind == "array":
        return text_fields(schema.get("items", {}), components, (*prefix, 0))
    if kind == "object" or "properties" in schema:
        out = []
        for name, sub in schema.get("properties", {}).items():
            out += text_fields(sub, components, (*prefix, name))
        extra = schema.get("additionalProperties")
        if extra is not None and extra is not False:
            out += [(*prefix, "name")]  # a free-form object, such as an action's `result`
        return out
    return [prefix] if not kind and prefix else []  # Any: a string fits


def body_fields(path: str) -> list[tuple]:
    doc = document()
    body = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return text_fields(body, doc["components"]["schemas"])


def with_value(body: dict, path: tuple, value: Any) -> dict:
    body = json.loads(json.dumps(body))
    node = body
    for key, nxt in zip(path, path[1:], strict=False):
        if isinstance(node, list):
            while len(node) <= key:
                node.append({} if isinstance(nxt, str) else [])
            node = node[key]
        else:
            if not isinstance(node.get(key), dict | list):
                node[key] = {} if isinstance(nxt, str) else []
            node = node[key]
    last = path[-1]
    if isinstance(node, list):
        node[last:] = [value]
    else:
        node[last] = value
    return body


@pytest.fixture
def world(people, procedure, api_as):  # noqa: F811
    clients = {name: api_as(user) for name, user in people.items()}
    return world_module.build(clients), clients


def send(clients, who: str, path: str, body: dict):
    """One POST, rolled back: every field starts from the same world."""
    raw = Client(raise_request_exception=False)
    with transaction.atomic():
        r = raw.post(path, json.dumps(body), content_type="application/json", **clients[who].headers)
        transaction.set_rollback(True)
    return r


def refused(r) -> bool:
    return r.status_code == 422 and bool(json.loads(r.content).get("code"))


def test_the_bodies_have_text_fields():
    assert ("applicant", "name") in body_fields(SUBMIT)
    assert {("reason",), ("items", 0), ("result", "name")} <= set(body_fields(ACT))


@pytest.mark.django_db
def test_a_lone_surrogate_in_any_field_of_a_submission_is_refused(world):
    _, clients = world
    failures = []
    for who, channel in (("congdan", 2), ("tiepnhan", 1)):
        for field in body_fields(SUBMIT):
            r = send(clients, who, SUBMIT, with_value(submission(channel=channel), field, SURROGATE))
            if not refused(r):
                failures.append((who, field, r.status_code, r.content[:120]))
    assert failures == [], "\n".join(map(str, failures))


@pytest.mark.django_db
def test_a_lone_surrogate_in_any_field_of_an_action_is_refused(world):
    w, clients = world
    offered = {}  # action -> (who, code): someone it is offered to, on a dossier of the world
    for code in w.dossiers.values():
        for who in ("congdan", "tiepnhan", "chuyenvien", "lanhdao"):
            r = clients[who].get(f"/dossiers/{code}")
            for action in r.json()["actions"] if r.status_code == 200 else []:
                offered.setdefault(action, (who, code))
    assert {"accept", "forward", "withdraw", "supplement"} <= set(offered)
    failures = []
    for action, (who, code) in sorted(offered.items()):
        reads = set(machine.BY_ACTION[action].Input.model_fields)
        for field in body_fields(ACT):
            r = send(
                clients, who, f"/api/v1/dossiers/{code}/actions/{action}", with_value({}, field, SURROGATE)
            )
            # A field the action reads is refused; one it ignores (another action's) is never stored.
            if (not refused(r)) if field[0] in reads else r.status_code >= 500:
                failures.append((action, who, field, r.status_code, r.content[:80]))
    assert failures == [], "\n".join(map(str, failures))
