"""The officers' work queue: buckets on the agencies' calendars, queue views, keyset pages, capped counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.core import keyset
from motcua.directory.models import CalendarDay, Role
from motcua.dossiers import permissions, queue, selectors
from motcua.dossiers.models import Dossier
from tests.dossiers.conftest import local

NOW = local(2025, 8, 19, 9)  # Tuesday 09:00; the procedure takes 3 working days


@pytest.fixture
def clients(people, procedure, api_as):
    return {name: api_as(user) for name, user in people.items()}


@pytest.fixture
def world(counter, online, perform):
    """One dossier in each state the queue distinguishes, at NOW."""
    d = {
        "overdue": counter(at=local(2025, 8, 4, 9)),  # due Thu 07/08
        "due_today": counter(at=local(2025, 8, 14, 15)),  # due Tue 19/08 15:00
        "due_soon": counter(at=local(2025, 8, 15, 15)),  # due Wed 20/08 15:00
        "in_time": counter(at=local(2025, 8, 19, 8)),  # due Fri 22/08 08:00
        "paused": counter(at=local(2025, 8, 14, 15)),
        "twice": counter(at=local(2025, 8, 15, 15)),
        "done": counter(at=local(2025, 8, 11, 9)),
        "released": counter(at=local(2025, 8, 11, 9)),
        "to_receive": online(at=local(2025, 8, 18, 10)),
    }
    for name in ("paused", "twice", "done", "released"):
        perform("tiepnhan", d[name], "forward", local(2025, 8, 15, 16))
    perform("chuyenvien", d["paused"], "request_supplement", local(2025, 8, 18, 9), reason="x", items=["y"])
    for h in (8, 10):
        perform(
            "chuyenvien", d["twice"], "request_supplement", local(2025, 8, 18, h), reason="x", items=["y"]
        )
        perform("congdan", d["twice"], "supplement", local(2025, 8, 18, h + 1))
    for name in ("done", "released"):
        perform("lanhdao", d[name], "complete", local(2025, 8, 18, 9), result={"name": "Giấy khai sinh"})
    perform("tiepnhan", d["done"], "return_result", local(2025, 8, 18, 10))
    return {name: Dossier.objects.get(pk=x.pk) for name, x in d.items()}


def _codes(qs) -> set[str]:
    return set(qs.values_list("code", flat=True))


# -------------------------------------------------------------------------------------------- buckets
def test_each_running_dossier_is_in_exactly_one_bucket_and_the_three_forms_agree(world, people):
    expected = {
        "overdue": {"overdue", "twice"},
        "due_today": {"due_today"},
        "due_soon": {"due_soon"},
        "in_time": {"in_time", "paused"},
    }
    codes = {name: d.code for name, d in world.items()}
    for bucket, names in expected.items():
        wanted = {codes[n] for n in names}
        assert _codes(selectors.due_filter(Dossier.objects.all(), bucket, NOW)) == wanted, bucket
        assert {d.code for d in world.values() if queue.bucket_of(d, NOW) == bucket} == wanted, bucket
    for name in ("done", "released", "to_receive"):
        assert queue.bucket_of(world[name], NOW) is None
    counted = selectors.work_queue_counts(people["tiepnhan"], NOW)["unit"]
    # The centre holds what it received and has not forwarded, plus its results and what waits for it.
    held = {
        n
        for n, d in world.items()
        if d.status in queue.PENDING and d.current_agency.identifier.endswith("00.H40")
    }
    assert counted["total"] == len(held | {"released", "to_receive"})
    assert (counted["to_receive"], counted["to_return"]) == (1, 1)
    for bucket in queue.BUCKETS:
        assert counted[bucket] == sum(1 for n in held if queue.bucket_of(world[n], NOW) == bucket), bucket


def test_the_specialists_queues_count_the_same_buckets(world, people, perform):
    perform("tiepnhan", world["overdue"], "forward", local(2025, 8, 5, 9))
    counted = selectors.work_queue_counts(people["chuyenvien"], NOW)
    assigned = {
        n for n, d in world.items() if Dossier.objects.get(pk=d.pk).assignee_id == people["chuyenvien"].pk
    }
    assert assigned == {"overdue", "paused", "twice", "done", "released"}, "finished ones stay assigned"
    assert {k: counted["mine"][k] for k in (*queue.BUCKETS, "total")} == {
        "overdue": 2,
        "due_today": 0,
        "due_soon": 0,
        "in_time": 1,
        "total": 3,
    }
    # Sở Tư pháp: what was forwarded to it and still runs, and the online dossier waiting at its counter;
    # the result it released waits at the centre's counter, which received it.
    assert (counted["unit"]["total"], counted["unit"]["to_receive"], counted["unit"]["to_return"]) == (
        4,
        1,
        0,
    )


@pytest.mark.parametrize(
    "now, today, soon",
    [
        (local(2025, 8, 19, 18), set(), {"due_soon"}),  # after hours: today's 15:00 is overdue by now
        (local(2025, 8, 16, 10), set(), {"due_today"}),  # Saturday: nothing falls due today
    ],
)
def test_due_today_ends_with_todays_working_time(world, now, today, soon):
    names = {d.code: n for n, d in world.items()}
    assert {names[c] for c in _codes(selectors.due_filter(Dossier.objects.all(), "due_today", now))} == today
    found = {names[c] for c in _codes(selectors.due_filter(Dossier.objects.all(), "due_soon", now))}
    assert found == soon
    for d in world.values():
        b = queue.bucket_of(d, now)
        assert (b == "due_today") == (names[d.code] in today) and (b == "due_soon") == (names[d.code] in soon)


def test_a_day_off_of_the_competent_agency_moves_its_dossier_from_today_to_soon(world, agencies):
    assert _codes(selectors.due_filter(Dossier.objects.all(), "due_today", NOW)) == {world["due_today"].code}
    CalendarDay.objects.create(
        date=date(2025, 8, 19),
        kind=CalendarDay.Kind.CLOSURE,
        name="Chuyển trụ sở",
        agency=agencies["justice"],
    )
    assert not selectors.due_filter(Dossier.objects.all(), "due_today", NOW).exists()
    assert world["due_today"].code in _codes(selectors.due_filter(Dossier.objects.all(), "due_soon", NOW))
    assert queue.bucket_of(Dossier.objects.get(pk=world["due_today"].pk), NOW) == "due_soon"


# ------------------------------------------------------------------------------------------- the list
def test_a_work_queue_filter_lists_open_dossiers_unless_a_status_is_asked(world, people, perform):
    chuyenvien = people["chuyenvien"]
    perform("tiepnhan", world["overdue"], "forward", local(2025, 8, 5, 9))
    perform("chuyenvien", world["overdue"], "forward", local(2025, 8, 6, 9), to="chuyenvien")
    mine = {world[n].code for n in ("overdue", "paused", "twice")}
    assert _codes(selectors.list_dossiers(chuyenvien, assignee="me", now=NOW)) == mine
    assert _codes(selectors.list_dossiers(chuyenvien, view="mine", now=NOW)) == mine
    done = {world["done"].code, world["released"].code}  # still assigned to chuyenvien, but finished
    assert _codes(selectors.list_dossiers(chuyenvien, assignee="me", status="9,10", now=NOW)) == done
    assert _codes(selectors.list_dossiers(people["lanhdao"], assignee="me", now=NOW)) == set()


def test_filters_by_field_channel_procedure_and_search(world, people):
    tiepnhan = people["tiepnhan"]

    def found(**f):
        return _codes(selectors.list_dossiers(tiepnhan, now=NOW, **f))

    everything = {d.code for d in world.values()}
    assert found(field="G09-HT01") == everything and found(field="G09-XX99") == set()
    assert found(channel=2) == {world["to_receive"].code} and found(channel=1) == everything - found(
        channel=2
    )
    assert found(procedure="1.001193") == everything and found(procedure="9.999999") == set()
    for q in ("nguyen thi hoa", "Nguyễn Thị Hoa", "NGUYEN THI", "thị hoa"):
        assert found(q=q) == everything, q
    code = world["paused"].code
    assert found(q=code.lower()) == {code} and found(q=code[-9:]) == {code}
    assert found(q="Trần Văn") == set()


def test_keyset_pages_never_repeat_or_skip_rows_even_when_they_tie(counter, clients):
    same = local(2025, 8, 15, 10)
    made = {counter(at=same).code for _ in range(9)} | {
        counter(at=local(2025, 8, 15, h)).code for h in (8, 9)
    }
    t = clients["tiepnhan"]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"page_size": 4, **({"cursor": cursor} if cursor else {})}
        r = t.get("/dossiers", **params).json()
        seen += [x["code"] for x in r["items"]]
        assert r["count"] == len(made) and not r["count_capped"]
        pages += 1
        cursor = r["next"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == len(made) and set(seen) == made
    by_offset = [
        x["code"] for p in (1, 2, 3) for x in t.get("/dossiers", page_size=4, page=p).json()["items"]
    ]
    assert seen == by_offset, "cursor and page walk the same order"
    assert seen == list(Dossier.objects.order_by("-submitted_at", "-id").values_list("code", flat=True))


def test_the_unit_queue_pages_by_due_date_with_undated_dossiers_last(world, clients):
    t = clients["tiepnhan"]
    seen, cursor = [], None
    while True:
        r = t.get("/dossiers", view="unit", page_size=2, **({"cursor": cursor} if cursor else {})).json()
        seen += r["items"]
        cursor = r["next"]
        if cursor is None:
            break
    dues = [x["due_at"] for x in seen]
    dated = [d for d in dues if d is not None]
    assert dated == sorted(dated) and dues[len(dated) :] == [None] * (len(dues) - len(dated))
    assert len({x["code"] for x in seen}) == len(seen) == r["count"]
    assert world["to_receive"].code == seen[-1]["code"]


def test_cursors_and_pages_are_checked(world, clients):
    t = clients["tiepnhan"]
    for bad in ("x", "eyJ4IjoxfQ", keyset.encode(selectors.BY_DUE, [NOW, 1])):
        r = t.get("/dossiers", cursor=bad)
        assert (r.status_code, r.json()["code"], r.json()["details"]["field"]) == (
            422,
            "invalid_field",
            "cursor",
        )
    r = t.get("/dossiers", page=102, page_size=20)
    assert (r.status_code, r.json()["code"]) == (422, "page_too_deep")
    assert t.get("/dossiers", page=101, page_size=20).json()["items"] == []


def test_counts_stop_at_the_cap_and_say_so(world, people, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    page = selectors.dossier_page(people["tiepnhan"], size=2, now=NOW)
    assert (page.count, page.count_capped, len(page.items)) == (3, True, 2) and page.next
    later = selectors.dossier_page(people["tiepnhan"], size=2, cursor=page.next, now=NOW)
    assert (later.count, later.count_capped, len(later.items)) == (3, True, 2), "the same count on every page"
    page = selectors.dossier_page(people["tiepnhan"], size=2, now=NOW, view="unit")
    assert (page.count, page.count_capped) == (3, True)
    page = selectors.dossier_page(people["tiepnhan"], size=2, now=NOW, due="overdue")
    assert (page.count, page.count_capped) == (2, False)


# ------------------------------------------------------------------------------------------ visibility
def test_an_officer_of_another_agency_sees_nothing_of_it(world, people, make_staff, agencies, api_as):
    stranger = make_staff("ngoaitinh2", Role.SPECIALIST, agencies["foreign"])
    client = api_as(stranger)
    for params in ({}, {"view": "unit"}, {"view": "mine"}, {"due": "overdue"}, {"q": "hoa"}):
        assert client.get("/dossiers", **params).json()["items"] == [], params
    counts = client.get("/dossiers/queue").json()
    assert counts["mine"]["total"] == counts["unit"]["total"] == 0
    assert client.get(f"/dossiers/{world['overdue'].code}").status_code == 404


def test_the_unit_queue_lies_inside_what_each_officer_may_see(world, people, perform):
    perform("tiepnhan", world["overdue"], "forward", local(2025, 8, 5, 9))
    for name, user in people.items():
        seen = {d.pk for d in Dossier.objects.all() if permissions.can_see(user, d)}
        assert set(selectors.dossiers_visible_to(user).values_list("pk", flat=True)) == seen, name
        assert set(selectors.dossiers_visible_to(user, listing=True).values_list("pk", flat=True)) == seen
        for d in selectors.list_dossiers(user, view="unit", now=NOW):
            assert permissions.can_see(user, d), (name, d.code)
        unit = {d.pk for d in selectors.list_dossiers(user, view="unit", now=NOW)}
        counted = selectors.work_queue_counts(user, NOW)["unit"]["total"]
        assert counted == len(unit), name


# -------------------------------------------------------------------------------------- query counts
def _queries(client, path: str, **params) -> int:
    client.get(path, **params)  # warm: token stamp, calendars
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, **params)
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "who, params, expected",
    [
        # token, roles, (receivable agencies), keys and count in one, rows, components, files, fees
        ("tiepnhan", {}, 8),
        ("chuyenvien", {}, 7),
        ("chuyenvien", {"assignee": "me"}, 7),
        ("chuyenvien", {"due": "overdue"}, 8),  # + the agencies with a calendar of their own
        ("tiepnhan", {"view": "unit"}, 11),  # read in its three parts, counted in one statement
        ("chuyenvien", {"view": "unit"}, 9),  # two parts: a specialist receives nothing
        ("tiepnhan", {"view": "unit", "due": "overdue"}, 12),  # the calendars read once for all parts
        ("tiepnhan", {"received_from": "2025-08-01", "received_to": "2025-08-31"}, 8),
    ],
)
def test_list_query_counts_are_pinned(world, clients, monkeypatch, who, params, expected):
    from motcua.directory import calendars

    monkeypatch.setattr(calendars, "SNAPSHOT_TTL", 3600.0)
    assert _queries(clients[who], "/dossiers", page_size=3, **params) == expected
    assert _queries(clients[who], "/dossiers", page_size=20, **params) == expected


@pytest.mark.parametrize("who, params, expected", [("tiepnhan", {}, 9), ("tiepnhan", {"view": "unit"}, 11)])
def test_later_pages_count_apart_and_do_not_grow(world, clients, monkeypatch, who, params, expected):
    """After the first page the count is its own statement (a unit's queue: its keys part by part)."""
    from motcua.directory import calendars

    monkeypatch.setattr(calendars, "SNAPSHOT_TTL", 3600.0)
    cursor = clients[who].get("/dossiers", page_size=2, **params).json()["next"]
    assert _queries(clients[who], "/dossiers", page_size=2, cursor=cursor, **params) == expected
    assert _queries(clients[who], "/dossiers", page_size=2, page=2, **params) == expected


@pytest.mark.parametrize("who, expected", [("tiepnhan", 6), ("chuyenvien", 5), ("congdan", 4)])
def test_queue_counts_query_counts_are_pinned(world, clients, monkeypatch, who, expected):
    from motcua.directory import calendars

    monkeypatch.setattr(calendars, "SNAPSHOT_TTL", 3600.0)
    # token, roles, (receivable agencies), agencies with their own calendar, mine, unit
    assert _queries(clients[who], "/dossiers/queue") == expected


def test_the_queue_endpoint_answers_every_bucket(world, clients):
    body = clients["tiepnhan"].get("/dossiers/queue").json()
    assert set(body) == {"at", "mine", "unit"}
    assert set(body["unit"]) == {*queue.BUCKETS, "to_receive", "to_return", "total"}
    assert body["unit"]["to_receive"] == 1 and body["unit"]["total"] >= 3
