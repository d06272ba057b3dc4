"""The portal sync rate (766 indicator 1.4) per receiving unit and period, and the pending list, through the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from motcua.directory.models import Role
from motcua.integrations.dvcqg.models import PortalSync
from tests.dossiers.conftest import local

ACKED = datetime(2025, 8, 15, 8, tzinfo=UTC)


def acked(d, version: int) -> None:
    PortalSync.objects.create(
        dossier=d, acked_version=version, acked_status=2, first_acked_at=ACKED, acked_at=ACKED
    )


@pytest.fixture
def world(people, counter, perform):
    """Four counter dossiers received at the provincial centre on 15/08/2025: the portal holds the first at
    its latest state, the second at an older one, not the third; the fourth is received in September."""
    ds = [counter(at=local(2025, 8, 15, 9 + i)) for i in range(3)]
    perform("tiepnhan", ds[1], "forward", local(2025, 8, 15, 14))
    acked(ds[0], 1)
    acked(ds[1], 1)
    late = counter(at=local(2025, 9, 2, 9))
    return ds + [late]


def test_the_rate_counts_received_held_and_current_per_receiving_unit(world, people, api_as):
    r = api_as(people["tiepnhan"]).get("/reports/dvcqg-sync", **{"from": "2025-08-01", "to": "2025-08-31"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["from"], body["to"]) == ("2025-08-01", "2025-08-31")
    [row] = body["items"]
    assert row["agency"] == "000.00.00.H40" and row["name"].startswith("Trung tâm Phục vụ")
    assert (row["received"], row["synced"], row["current"], row["pending"]) == (3, 2, 1, 2)
    assert row["ratio"] == pytest.approx(0.6667)
    assert body["total"]["received"] == 3 and body["total"]["ratio"] == pytest.approx(0.6667)
    september = api_as(people["admin"]).get(
        "/reports/dvcqg-sync", **{"from": "2025-09-01", "to": "2025-09-30"}
    )
    assert september.json()["total"] == {"received": 1, "synced": 0, "current": 0, "pending": 1, "ratio": 0.0}


def test_the_pending_list_pages_by_keyset_without_personal_data(world, people, api_as):
    client = api_as(people["tiepnhan"])
    period = {"from": "2025-08-01", "to": "2025-08-31", "agency": "000.00.00.H40"}
    first = client.get("/reports/dvcqg-sync/pending", limit=1, **period).json()
    [behind] = first["items"]
    assert behind["code"] == world[1].code and (behind["version"], behind["acked_version"]) == (2, 1)
    assert behind["acked_at"].startswith("2025-08-15T15:00:00+07:00")
    assert set(behind) == {"code", "status", "version", "acked_version", "acked_at", "received_at"}
    second = client.get("/reports/dvcqg-sync/pending", limit=1, cursor=first["next"], **period).json()
    [never] = second["items"]
    assert never["code"] == world[2].code and never["acked_version"] is None and second["next"] is None
    assert "Nguyễn" not in str(first) + str(second)


def test_who_may_read_it(world, people, api_as, make_staff, agencies):
    period = {"from": "2025-08-01", "to": "2025-08-31"}
    assert api_as(people["congdan"]).get("/reports/dvcqg-sync", **period).status_code == 403
    assert api_as(None).get("/reports/dvcqg-sync", **period).status_code == 401
    stranger = make_staff("thanhhoa", Role.RECEPTION, agencies["foreign"])
    r = api_as(stranger).get("/reports/dvcqg-sync", agency="000.00.00.H40", **period)
    assert (r.status_code, r.json()["code"]) == (404, "agency_not_found")
    assert api_as(stranger).get("/reports/dvcqg-sync", **period).json()["items"] == []
    r = api_as(people["chuyenvien"]).get("/reports/dvcqg-sync/pending", agency="000.00.00.H40", **period)
    assert r.status_code == 404, "a department's specialist does not see the centre's dossiers"
    bad = api_as(people["admin"]).get("/reports/dvcqg-sync", **{"from": "2025-09-01", "to": "2025-08-01"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_period")
    long = api_as(people["admin"]).get("/reports/dvcqg-sync", **{"from": "2024-01-01", "to": "2025-08-01"})
    assert long.status_code == 422


def test_the_endpoints_cost_the_same_whatever_the_period_holds(
    people, counter, api_as, django_assert_num_queries
):
    client = api_as(people["tiepnhan"])
    period = {"from": "2025-08-01", "to": "2025-08-31"}
    client.get("/reports/dvcqg-sync", **period)  # warm the token and the role lookup caches of the client
    made = 0
    for n in (1, 6):  # one dossier, then six (half of them held by the portal): the same statements
        while made < n:
            d = counter(at=local(2025, 8, 15, 9))
            if made % 2:
                acked(d, 1)
            made += 1
        # PostgreSQL: one more, the planner settings of the aggregate (selectors.sync_rates)
        with django_assert_num_queries(4 + (connection.vendor == "postgresql")):
            client.get("/reports/dvcqg-sync", **period)
        with django_assert_num_queries(4):
            client.get("/reports/dvcqg-sync/pending", limit=2, **period)


def test_the_admin_page_shows_the_rate_and_the_pending_dossiers(world, people, client):
    from django.urls import reverse

    client.force_login(people["admin"])
    page = client.get(reverse("admin:dvcqg_sync_rate"), {"from": "2025-08-01", "to": "2025-08-31"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Trung tâm Phục vụ hành chính công tỉnh Nghệ An" in text and "67 %" in text
    assert world[1].code in text and world[2].code in text and world[0].code not in text
    bad = client.get(reverse("admin:dvcqg_sync_rate"), {"from": "2025-09-01", "to": "2025-08-01"})
    assert bad.status_code == 422
    listing = client.get(reverse("admin:dvcqg_portalsync_changelist"))
    assert listing.status_code == 200 and reverse("admin:dvcqg_sync_rate") in listing.content.decode()
    assert client.get(reverse("admin:dvcqg_portalsync_add")).status_code == 403


def test_the_officer_dossier_page_says_what_the_portal_holds(world, people, client, perform):
    from django.urls import reverse

    client.force_login(people["tiepnhan"])

    def line(d) -> str:
        html = client.get(reverse("workspace:dossier", kwargs={"code": d.code})).content.decode()
        return html.split('id="portal-sync">', 1)[1].split("</dd>", 1)[0]

    assert "đã nhận trạng thái Được tiếp nhận lúc 15/08/2025 15:00" in line(world[0])
    assert "chờ đồng bộ" not in line(world[0])
    assert "đang chờ đồng bộ phiên bản mới" in line(world[1])
    assert "chưa đồng bộ" in line(world[2])
