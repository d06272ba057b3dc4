"""The officer's work queue page /can-bo/: views, urgency groups with counts, filters, search, keyset pages."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from motcua.dossiers.models import Dossier
from motcua.workspace import queue as page
from tests.clients import signed_in
from tests.dossiers import test_queue
from tests.dossiers.conftest import counter, online, perform, procedure  # noqa: F401 - fixtures
from tests.portal.test_pages import visible

pytestmark = pytest.mark.django_db
NOW = test_queue.NOW
world = test_queue.world  # one dossier in each state the queue distinguishes


@pytest.fixture
def at_now(monkeypatch):
    """The page's clock at the world's NOW (Tuesday 19/08/2025 09:00)."""
    monkeypatch.setattr(page.timezone, "now", lambda: NOW)


def codes(response) -> list[str]:
    return re.findall(r'class="queue-code" href="/can-bo/ho-so/([^/]+)/"', response.content.decode())


def group_count(response, key: str) -> int:
    html = response.content.decode()
    m = re.search(rf'id="group-{key}".*?<span class="count">(\d+)</span>', html, re.S)
    return int(m.group(1))


def test_reception_sees_its_units_queue_grouped_by_urgency(world, people, at_now):
    r = signed_in(people["tiepnhan"]).get("/can-bo/")
    assert r.status_code == 200
    text = visible(r)
    assert "Của đơn vị" in text and "Quá hạn" in text and "Đến hạn hôm nay" in text
    # The centre holds what it received and has not handed on; one waits for reception, one for hand-over.
    assert group_count(r, "to_receive") == 1 and group_count(r, "to_return") == 1
    assert group_count(r, "overdue") == 1 and group_count(r, "due_today") == 1
    shown = codes(r)
    assert world["overdue"].code == shown[0], "the most urgent first"
    assert world["done"].code not in shown, "finished dossiers are not work"
    assert world["due_today"].code in shown and world["to_receive"].code in shown


def test_a_group_lists_only_its_dossiers(world, people, at_now):
    client = signed_in(people["tiepnhan"])
    assert codes(client.get("/can-bo/", {"group": "due_today"})) == [world["due_today"].code]
    assert codes(client.get("/can-bo/", {"group": "to_receive"})) == [world["to_receive"].code]
    assert codes(client.get("/can-bo/", {"group": "to_return"})) == [world["released"].code]


def test_a_specialist_sees_their_own_first_and_the_unit_on_request(world, people, at_now):
    client = signed_in(people["chuyenvien"])
    mine = client.get("/can-bo/")
    assert (
        'id="view-mine" aria-current="page"' in mine.content.decode()
        or "aria-current" in mine.content.decode()
    )
    unit = codes(client.get("/can-bo/", {"view": "unit"}))
    # The department holds the paused and the twice-asked dossiers (forwarded to it).
    assert world["paused"].code in unit and world["twice"].code in unit
    assert world["due_today"].code not in unit, "still at the centre"


def test_search_by_part_of_the_code_in_any_case_or_the_name_without_accents(world, people, at_now):
    client = signed_in(people["tiepnhan"])
    code = world["due_today"].code
    assert codes(client.get("/can-bo/", {"q": code[-9:].lower()})) == [code]
    Dossier.objects.filter(pk=world["due_today"].pk).update(
        applicant_name="Trần Thị Lan", applicant_name_folded="tran thi lan"
    )
    assert codes(client.get("/can-bo/", {"q": "tran thi lan"})) == [code]
    assert codes(client.get("/can-bo/", {"q": "khong co ai"})) == []


def test_filters_by_status_channel_and_reception_dates(world, people, at_now):
    client = signed_in(people["tiepnhan"])
    assert codes(client.get("/can-bo/", {"channel": "2"})) == [world["to_receive"].code]
    assert codes(client.get("/can-bo/", {"status": "1"})) == [world["to_receive"].code]
    r = client.get("/can-bo/", {"received_from": "2025-08-19", "received_to": "2025-08-19"})
    assert codes(r) == [world["in_time"].code]


def test_bad_filters_are_said_on_the_page_not_a_500(world, people, at_now):
    r = signed_in(people["tiepnhan"]).get("/can-bo/", {"received_from": "19/08/2025x", "status": "99"})
    assert r.status_code == 422 and 'id="queue-error"' in r.content.decode()


def test_pages_follow_each_other_without_repeating_or_skipping(world, people, at_now, monkeypatch):
    monkeypatch.setattr(page, "PAGE_SIZE", 2)
    client = signed_in(people["tiepnhan"])
    r = client.get("/can-bo/")
    seen = codes(r)
    while True:
        m = re.search(r'href="(\?[^"]*cursor=[^"]+)" [^>]*rel="next"', r.content.decode())
        if not m:
            break
        r = client.get("/can-bo/" + m.group(1).replace("&amp;", "&"))
        seen += codes(r)
    assert (
        len(seen)
        == len(set(seen))
        == group_count(client.get("/can-bo/"), "overdue")
        + sum(
            group_count(client.get("/can-bo/"), k)
            for k in ("due_today", "due_soon", "in_time", "to_receive", "to_return")
        )
    )


def test_the_page_runs_a_fixed_number_of_queries(world, people, at_now, counter):  # noqa: F811
    client = signed_in(people["tiepnhan"])
    client.get("/can-bo/")  # warm the calendar and the session
    with CaptureQueriesContext(connection) as few:
        client.get("/can-bo/")
    for _ in range(12):
        counter(at=NOW)
    with CaptureQueriesContext(connection) as more:
        r = client.get("/can-bo/")
    assert len(codes(r)) > 12
    # session, user, roles, agencies (2), receivable agencies, the counts of both views (2), the page in
    # its three parts, their count, and its rows with their papers, fees and files (8), the fields of the
    # filter, the header's count of flagged payments
    assert len(few) == len(more) == 18, "\n".join(q["sql"][:150] for q in more.captured_queries)


def test_citizens_do_not_see_it_and_the_signed_out_sign_in(people):
    assert signed_in(people["congdan"]).get("/can-bo/").status_code == 404
    r = Client().get("/can-bo/?view=unit")
    assert r.status_code == 302 and r["Location"].startswith("/dang-nhap/?next=")


def test_the_header_search_looks_among_every_dossier_the_officer_may_see(world, people, at_now):
    # A finished dossier, and one waiting for a supplement at the department: not work of the counter's
    # queue, yet the code printed on a form must find them.
    client = signed_in(people["tiepnhan"])
    for name in ("done", "paused"):
        code = world[name].code
        assert codes(client.get("/can-bo/", {"q": code.lower()})) == [code], name
        assert code not in codes(client.get("/can-bo/", {"view": "unit", "q": code})), name
