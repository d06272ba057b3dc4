"""The dossier API end to end as the demo accounts (contract §3-§4), errors, filters and query counts."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.directory.calendars import calendar_for
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from tests.dossiers.conftest import local, state, submission


@pytest.fixture
def clients(people, procedure, api_as):
    return {name: api_as(user) for name, user in people.items()}


def actions_of(client, code: str) -> list[str]:
    r = client.get(f"/dossiers/{code}")
    if r.status_code == 404:
        return []
    assert r.status_code == 200, r.content
    return r.json()["actions"]


def act(
    clients, who: str, code: str, action: str, body: dict | None = None, *, not_for: tuple[str, ...] = ()
):
    """Take `action` as `who`, only after finding it among their buttons, and not among others'."""
    assert action in actions_of(clients[who], code), f"{who} should be offered {action}"
    for other in not_for:
        assert action not in actions_of(clients[other], code), f"{other} must not be offered {action}"
    r = clients[who].post(f"/dossiers/{code}/actions/{action}", body or {})
    assert r.status_code == 200, r.content
    return r.json()


def test_online_dossier_from_submission_to_returned_result(clients):
    r = clients["congdan"].post("/dossiers", submission())
    assert r.status_code == 201, r.content
    d = r.json()
    code = d["code"]
    assert (d["status"], d["status_token"], d["channel"], d["due_at"]) == (1, "receiving", 2, None)
    assert d["actions"] == ["withdraw"]
    assert d["applicant"]["id_number"] == "038190001234" and len(d["components"]) == 2
    assert d["fees"] == [
        {
            "name": "Lệ phí",
            "kind": "charge",
            "amount": 10000,
            "base_amount": 10000,
            "reduction": "",
            "reduction_percent": 0,
            "paid_at": None,
            "method": "",
        }
    ]

    d = act(clients, "tiepnhan", code, "accept", not_for=("congdan", "chuyenvien", "lanhdao"))
    assert (d["status"], d["status_token"], d["timeliness"]) == (2, "new", "in_time")
    assert d["due_at"] and d["received_at"]
    d = act(clients, "tiepnhan", code, "forward", not_for=("congdan", "chuyenvien", "lanhdao"))
    assert (d["status"], d["current_agency"]) == (4, "000.00.15.H40")
    d = act(
        clients,
        "chuyenvien",
        code,
        "request_supplement",
        {"reason": "Bản sao chưa chứng thực", "items": ["Giấy chứng sinh (bản sao chứng thực)"]},
        not_for=("congdan",),
    )
    assert (d["status"], d["status_token"], d["supplement_count"]) == (5, "waiting", 1)
    d = act(
        clients,
        "congdan",
        code,
        "supplement",
        {"note": "Đã bổ sung bản sao chứng thực"},
        not_for=("chuyenvien", "lanhdao"),
    )
    assert d["status"] == 4
    d = act(clients, "chuyenvien", code, "forward", {"to": "lanhdao"}, not_for=("congdan", "tiepnhan"))
    assert d["assignee"] == "lanhdao"
    d = act(
        clients,
        "lanhdao",
        code,
        "complete",
        {"result": {"name": "Giấy khai sinh"}},
        not_for=("chuyenvien", "tiepnhan", "congdan"),
    )
    assert (d["status"], d["status_token"], d["result_name"]) == (9, "releasing", "Giấy khai sinh")
    assert d["timeliness"] in ("early", "on_time")
    d = act(clients, "tiepnhan", code, "return_result", not_for=("congdan", "lanhdao", "chuyenvien"))
    assert (d["status"], d["status_token"]) == (10, "done") and d["returned_at"]
    for who in ("congdan", "tiepnhan", "chuyenvien", "lanhdao"):
        assert actions_of(clients[who], code) == []

    r = clients["congdan"].get(f"/dossiers/{code}/events")
    assert r.status_code == 200
    events = r.json()["items"]
    assert [e["action"] for e in events] == [
        "submit",
        "accept",
        "forward",
        "request_supplement",
        "supplement",
        "forward",
        "complete",
        "return_result",
    ]
    assert [e["to_status"] for e in events] == [1, 2, 4, 5, 4, 4, 9, 10]
    assert events[3]["reason"] == "Bản sao chưa chứng thực" and events[1]["actor"] == "tiepnhan"
    assert all(
        {"at", "actor", "action", "from_status", "to_status", "note", "due_at"} <= set(e) for e in events
    )


def test_counter_reception_lands_at_new_with_its_due_date(clients):
    r = clients["tiepnhan"].post("/dossiers", submission(channel=1))
    assert r.status_code == 201, r.content
    d = r.json()
    assert (d["status"], d["status_token"], d["channel"]) == (2, "new", 1)
    assert d["code"].startswith("000.00.00.H40-") and d["receiving_agency"] == "000.00.00.H40"
    assert d["due_at"] and d["received_at"] and d["timeliness"] == "in_time"
    assert "forward" in d["actions"]
    r = clients["tiepnhan"].get(f"/dossiers/{d['code']}/forms/01")
    assert (r.status_code, r["Content-Type"]) == (200, "application/pdf") and r.content.startswith(b"%PDF")
    form = clients["tiepnhan"].get(f"/dossiers/{d['code']}/forms/01", format="json").json()
    assert (form["format"], form["pdf_available"]) == ("data", True)
    assert form["data"]["code"] == d["code"] and form["title"] == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    r = clients["tiepnhan"].get(f"/dossiers/{d['code']}/forms/03")
    assert (r.status_code, r.json()["code"]) == (404, "form_not_applicable")
    # The citizen whose ID was used at the counter sees it in their own list.
    assert [x["code"] for x in clients["congdan"].get("/dossiers").json()["items"]] == [d["code"]]


def test_refusals_are_4xx_with_a_code_and_change_nothing(clients, api_as):
    code = clients["congdan"].post("/dossiers", submission()).json()["code"]
    before = state(code)
    cases = [
        ("chuyenvien", "accept", {}, 403, "forbidden_action"),
        ("congdan", "accept", {}, 403, "forbidden_action"),
        ("tiepnhan", "return_result", {}, 409, "invalid_transition"),
        ("tiepnhan", "fly", {}, 404, "unknown_action"),
        ("tiepnhan", "refuse", {}, 422, "missing_field"),
        ("tiepnhan", "refuse", {"reason": 5}, 422, "invalid_field"),
        ("tiepnhan", "refuse", {"reason": "x\udfff"}, 422, "invalid_field"),
        ("tiepnhan", "refuse", {"reason": "x", "note": "\x00"}, 422, "invalid_field"),
        ("tiepnhan", "request_supplement", {"reason": "x", "items": []}, 422, "invalid_field"),
    ]
    for who, action, body, status, error in cases:
        r = clients[who].post(f"/dossiers/{code}/actions/{action}", body)
        assert (r.status_code, r.json()["code"]) == (status, error), (who, action, r.content)
        assert r.json()["message"]
    for raw in (b"not json", b"[1, 2]", b'"x"'):
        r = clients["tiepnhan"].client.post(
            f"/api/v1/dossiers/{code}/actions/accept",
            data=raw,
            content_type="application/json",
            **clients["tiepnhan"].headers,
        )
        assert 400 <= r.status_code < 500 and r.json()["code"], raw
    assert api_as(None).post(f"/dossiers/{code}/actions/accept").status_code == 401
    r = clients["tiepnhan"].post("/dossiers/NOPE-000000-0000/actions/accept")
    assert (r.status_code, r.json()["code"]) == (404, "dossier_not_found")
    assert state(code) == before


def test_bad_submissions_and_anonymous_callers(clients, api_as):
    assert api_as(None).post("/dossiers", submission()).status_code == 401
    assert api_as(None).get("/dossiers").status_code == 401
    for body in (
        {},
        {"procedure": 1},
        {"procedure": "1.001193", "components": "x"},
        submission(applicant={"name": "Ai đó", "id_number": "99"}),
        submission(channel="abc"),
    ):
        r = clients["congdan"].post("/dossiers", body)
        assert r.status_code in (400, 403, 422) and r.json()["code"], (body, r.content)
    r = clients["chuyenvien"].post("/dossiers", submission(channel=1))
    assert (r.status_code, r.json()["code"]) == (403, "forbidden_action")
    assert not Dossier.objects.exists()


def test_visibility_and_filters(clients, people, make_staff, agencies):
    tiepnhan, congdan = people["tiepnhan"], people["congdan"]
    old = services.submit_dossier(
        tiepnhan,
        submission(
            channel=1, applicant={"kind": "citizen", "name": "Lê Văn Đức", "id_number": "040090001234"}
        ),
        at=local(2025, 8, 4, 9),
    )
    services.perform(tiepnhan, old.code, "forward", at=local(2025, 8, 4, 10))
    fresh = services.submit_dossier(congdan, submission(), at=local(2025, 8, 15, 9))
    t = clients["tiepnhan"]

    def codes(**params):
        r = t.get("/dossiers", **params)
        assert r.status_code == 200, r.content
        assert r.json()["count"] == len(r.json()["items"])
        return {x["code"] for x in r.json()["items"]}

    assert codes() == {old.code, fresh.code}
    assert codes(status="4") == {old.code} and codes(status="1,4") == {old.code, fresh.code}
    assert codes(due="overdue") == {old.code}, "received 04/08 for 3 working days: overdue today"
    assert codes(due="on_time") == set() and codes(due="due_soon") == set()
    assert codes(q="le van duc") == {old.code} and codes(q="Lê Văn Đức") == {old.code}
    assert codes(q=fresh.code[-6:]) == {fresh.code}
    assert codes(received_from="2025-08-04", received_to="2025-08-04") == {old.code}
    assert codes(received_from="2025-08-05") == set()
    assert codes(procedure="1.001193", agency="000.00.15.H40") == {old.code, fresh.code}
    assert codes(agency="000.00.18.H40") == set()
    for bad in (
        {"status": "11"},
        {"status": "x"},
        {"due": "later"},
        {"received_from": "15/08/2025"},
        {"page_size": 1000},
        {"page": 0},
    ):
        r = t.get("/dossiers", **bad)
        assert r.status_code == 422 and r.json()["code"], bad
    page = t.get("/dossiers", page_size=1, page=2).json()
    assert page["count"] == 2 and len(page["items"]) == 1

    assert {x["code"] for x in clients["congdan"].get("/dossiers").json()["items"]} == {fresh.code}
    assert clients["congdan"].get(f"/dossiers/{old.code}").status_code == 404
    assert clients["congdan"].get(f"/dossiers/{old.code}/events").status_code == 404
    assert {x["code"] for x in clients["admin"].get("/dossiers").json()["items"]} == {old.code, fresh.code}
    health = make_staff("yte", "specialist", agencies["health"])
    assert clients["tiepnhan"].get("/dossiers").json()["count"] == 2
    from motcua.access.auth import issue_token
    from tests.conftest import ApiClient

    assert ApiClient(issue_token(health)).get("/dossiers").json() == {
        "items": [],
        "count": 0,
        "count_capped": False,
        "next": None,
    }


def _count(client, path: str, **params) -> int:
    client.get(path, **params)  # warm: token last-use stamp, calendars
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, **params)
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_are_pinned_and_do_not_grow_with_the_list(clients, people, monkeypatch):
    from motcua.directory import calendars

    # The calendar snapshot is re-read after SNAPSHOT_TTL: on a loaded machine that fell inside the counts.
    monkeypatch.setattr(calendars, "SNAPSHOT_TTL", 3600.0)
    calendar_for(None)
    made = []
    for i in range(20):
        d = services.submit_dossier(people["tiepnhan"], submission(channel=1), at=local(2025, 8, 15, 8, i))
        if i % 2:
            services.perform(people["tiepnhan"], d.code, "forward", at=local(2025, 8, 15, 10))
        made.append(d)
    for who in ("tiepnhan", "chuyenvien", "congdan"):
        few = _count(clients[who], "/dossiers", page_size=3)
        many = _count(clients[who], "/dossiers", page_size=20)
        assert few == many, who
    # token, roles, the agencies a reception officer receives for, the page's keys (and the count up to
    # its cap), its rows, components, files, fees
    assert _count(clients["tiepnhan"], "/dossiers", page_size=20) == 8
    assert _count(clients["chuyenvien"], "/dossiers", page_size=20) == 7
    assert _count(clients["chuyenvien"], f"/dossiers/{made[1].code}") == 6
    assert _count(clients["chuyenvien"], f"/dossiers/{made[1].code}/events") == 4


def test_action_body_may_be_empty_or_a_form(clients):
    code = clients["congdan"].post("/dossiers", submission()).json()["code"]
    t = clients["tiepnhan"]
    r = t.client.post(
        f"/api/v1/dossiers/{code}/actions/request_supplement",
        data={"reason": "Thiếu", "items": ["Tờ khai", "Ảnh"]},
        **t.headers,
    )
    assert r.status_code == 200, r.content
    r = clients["congdan"].client.post(
        f"/api/v1/dossiers/{code}/actions/supplement", **clients["congdan"].headers
    )
    assert (r.status_code, r.json()["status"]) == (200, 1)
    r = t.post(f"/dossiers/{code}/actions/accept", {"version": 1})
    assert (r.status_code, r.json()["code"]) == (409, "stale_version")


def test_openapi_documents_the_dossier_endpoints(api_as):
    schema = json.loads(api_as(None).get("/openapi.json").content)
    paths = schema["paths"]
    for path in (
        "/api/v1/dossiers",
        "/api/v1/dossiers/{code}",
        "/api/v1/dossiers/{code}/events",
        "/api/v1/dossiers/{code}/actions/{action}",
        "/api/v1/dossiers/{code}/forms/{number}",
    ):
        assert path in paths, path
    assert "requestBody" in paths["/api/v1/dossiers/{code}/actions/{action}"]["post"]


def test_work_queues_by_assignee(clients, people, make_staff, agencies):
    make_staff("lanhdao2", "leader", agencies["justice"])  # two leaders: the leader step goes to the group
    tiepnhan = people["tiepnhan"]
    mine = services.submit_dossier(tiepnhan, submission(channel=1), at=local(2025, 8, 15, 9))
    services.perform(tiepnhan, mine.code, "forward", at=local(2025, 8, 15, 10))  # -> chuyenvien
    group = services.submit_dossier(tiepnhan, submission(channel=1), at=local(2025, 8, 15, 9, 5))
    services.perform(tiepnhan, group.code, "forward", at=local(2025, 8, 15, 10))
    services.perform(people["chuyenvien"], group.code, "forward", at=local(2025, 8, 15, 11))  # -> leaders

    def codes(client, **params):
        r = client.get("/dossiers", **params)
        assert r.status_code == 200, r.content
        return {x["code"] for x in r.json()["items"]}

    assert codes(clients["chuyenvien"], assignee="me") == {mine.code}
    assert codes(clients["lanhdao"], assignee="none") == {group.code}
    assert codes(clients["lanhdao"], assignee="chuyenvien") == {mine.code}
    assert codes(clients["lanhdao"], assignee="me") == set()
    r = clients["lanhdao"].get("/dossiers", assignee="x" * 200)
    assert r.status_code == 422
