"""The public directory API: /agencies and /admin-units (contract §4)."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.directory.models import AdminUnit, Agency, AgencyIdentifier, Counter

MERGER = date(2025, 7, 1)


@pytest.fixture
def units(province, other_province):
    """Two communes of Nghệ An, one of Thanh Hóa, and a pre-merger commune whose code was retired."""
    mk = AdminUnit.objects.create
    return {
        "truong_vinh": mk(
            code="16690",
            name="Phường Trường Vinh",
            level="commune",
            parent=province,
            division_type="phường",
            valid_from=MERGER,
        ),
        "anh_son": mk(
            code="17329",
            name="Xã Anh Sơn",
            level="commune",
            parent=province,
            division_type="xã",
            valid_from=MERGER,
        ),
        "thanh_hoa": mk(
            code="14758",
            name="Phường Hạc Thành",
            level="commune",
            parent=other_province,
            division_type="phường",
            valid_from=MERGER,
        ),
        "old": mk(
            code="16675",
            name="Phường Lê Mao",
            level="commune",
            parent=province,
            division_type="phường",
            valid_from=date(2008, 1, 1),
            valid_to=date(2025, 6, 30),
        ),
    }


def count_queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    return response, len(ctx.captured_queries)


# --- agencies -------------------------------------------------------------------------------------------------


def test_agencies_list_is_public_and_paginated(api_as, agencies):
    r = api_as(None).get("/agencies", page_size=2)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 5 and len(body["items"]) == 2
    r2 = api_as(None).get("/agencies", page_size=2, page=3)
    assert len(r2.json()["items"]) == 1
    first = api_as(None).get("/agencies", q="Trung tâm Phục vụ").json()["items"][0]
    assert first["identifier"] == "000.00.00.H40"
    assert first["kind"] == "service_centre" and first["kind_label"] == "Trung tâm phục vụ hành chính công"
    assert first["province"] == {"code": "40", "name": "Tỉnh Nghệ An", "level": "province"}


def test_agencies_filter_by_province_level_kind(api_as, agencies):
    client = api_as(None)
    ids = lambda **p: {a["identifier"] for a in client.get("/agencies", **p).json()["items"]}  # noqa: E731
    assert ids(province="38") == {"000.00.15.H38"}
    assert ids(province="40", kind="department") == {"000.00.15.H40", "000.00.18.H40"}
    assert ids(level="commune") == {"000.01.15.H40"}
    assert ids(province="99") == set()


@pytest.mark.parametrize("q", ["so tu phap", "Sở Tư pháp", "SỞ TƯ PHÁP", "tu phap nghe an"])
def test_agencies_search_is_accent_insensitive(api_as, agencies, q):
    names = [a["name"] for a in api_as(None).get("/agencies", q=q).json()["items"]]
    assert "Sở Tư pháp tỉnh Nghệ An" in names
    assert "Sở Y tế tỉnh Nghệ An" not in names


@pytest.mark.parametrize(
    "params",
    [
        {"page": 0},
        {"page": "x"},
        {"page_size": settings.API_MAX_PAGE_SIZE + 1},
        {"page_size": 0},
        {"level": "district-x"},
        {"kind": "bakery"},
        {"province": "4\x000"},
        {"province": "x" * 11},
        {"q": "a" * 201},
    ],
)
def test_agencies_bad_params_are_422_with_a_code(api_as, agencies, params):
    r = api_as(None).get("/agencies", **params)
    assert r.status_code == 422
    body = r.json()
    assert body["code"].startswith("invalid") or body["code"] == "invalid_field"
    assert body["message"]


def test_agency_detail_with_counters_and_identifier_history(api_as, agencies):
    centre = agencies["centre"]
    Counter.objects.create(agency=centre, number=1, name="Quầy Tư pháp")
    Counter.objects.create(agency=centre, number=2, name="Quầy Xây dựng")
    AgencyIdentifier.objects.create(agency=centre, identifier="000.00.00.H40", valid_from=MERGER)
    AgencyIdentifier.objects.create(
        agency=centre, identifier="000.00.01.H40", valid_from=date(2019, 1, 1), valid_to=date(2025, 6, 30)
    )
    body = api_as(None).get("/agencies/000.00.00.H40").json()
    assert body["name"] == "Trung tâm Phục vụ hành chính công tỉnh Nghệ An"
    assert [c["name"] for c in body["counters"]] == ["Quầy Tư pháp", "Quầy Xây dựng"]
    assert [i["identifier"] for i in body["identifiers"]] == ["000.00.00.H40", "000.00.01.H40"]
    # The old, pre-merger identifier still finds the agency, which answers with its current identifier.
    old = api_as(None).get("/agencies/000.00.01.H40")
    assert old.status_code == 200 and old.json()["identifier"] == "000.00.00.H40"


def test_agency_unknown_and_malformed(api_as, agencies):
    r = api_as(None).get("/agencies/000.00.99.H99")
    assert r.status_code == 404 and r.json()["code"] == "agency_not_found"
    r = api_as(None).get("/agencies/" + "9" * 41)
    assert r.status_code == 422 and r.json()["code"] == "invalid_identifier"


def test_inactive_agencies_are_not_listed(api_as, agencies):
    Agency.objects.filter(pk=agencies["health"].pk).update(is_active=False)
    ids = {a["identifier"] for a in api_as(None).get("/agencies").json()["items"]}
    assert "000.00.18.H40" not in ids and len(ids) == 4


# --- admin units ----------------------------------------------------------------------------------------------


def test_admin_units_filters(api_as, units):
    client = api_as(None)
    codes = lambda **p: [u["code"] for u in client.get("/admin-units", **p).json()["items"]]  # noqa: E731
    assert codes(level="province") == ["38", "40"]
    assert codes(parent="40") == ["16690", "17329"]  # the retired Lê Mao is not in force today
    assert codes(q="truong vinh") == ["16690"]
    assert codes(q="Xã ANH SƠN") == ["17329"]
    body = client.get("/admin-units", parent="40").json()
    assert body["count"] == 2
    assert body["items"][0]["parent"] == {"code": "40", "name": "Tỉnh Nghệ An", "level": "province"}
    assert body["items"][0]["level_label"] == "Xã/phường/đặc khu"


def test_admin_units_at_a_date_returns_units_valid_then(api_as, units):
    client = api_as(None)
    before = [u["code"] for u in client.get("/admin-units", parent="40", at="2025-06-30").json()["items"]]
    assert before == ["16675"]
    after = [u["code"] for u in client.get("/admin-units", parent="40", at="2025-07-01").json()["items"]]
    assert after == ["16690", "17329"]


def test_admin_unit_detail_resolves_old_codes(api_as, units):
    client = api_as(None)
    body = client.get("/admin-units/17329").json()
    assert body["name"] == "Xã Anh Sơn" and body["valid_from"] == "2025-07-01" and body["valid_to"] is None
    old = client.get("/admin-units/16675").json()
    assert old["name"] == "Phường Lê Mao" and old["valid_to"] == "2025-06-30"
    assert client.get("/admin-units/16675", at="2025-01-01").status_code == 200
    r = client.get("/admin-units/16675", at="2025-07-01")
    assert r.status_code == 404 and r.json()["code"] == "admin_unit_not_found"


def test_admin_unit_detail_prefers_the_current_row_of_a_reused_code(api_as, units, province):
    AdminUnit.objects.create(
        code="17329",
        name="Xã Anh Sơn (cũ)",
        level="commune",
        parent=province,
        valid_from=date(2010, 1, 1),
        valid_to=date(2025, 6, 30),
    )
    client = api_as(None)
    assert client.get("/admin-units/17329").json()["name"] == "Xã Anh Sơn"
    assert client.get("/admin-units/17329", at="2024-05-01").json()["name"] == "Xã Anh Sơn (cũ)"


@pytest.mark.parametrize(
    "path,params,status",
    [
        ("/admin-units/99999", {}, 404),
        ("/admin-units/a%20b", {}, 422),
        ("/admin-units", {"at": "31/12/2024"}, 422),
        ("/admin-units", {"level": "hamlet"}, 422),
        ("/admin-units", {"parent": "4\x000"}, 422),
        ("/admin-units/40", {"at": "2025-13-01"}, 422),
    ],
)
def test_admin_units_bad_input(api_as, units, path, params, status):
    r = api_as(None).get(path, **params)
    assert r.status_code == status and r.json()["code"] and r.json()["message"]


# --- query counts: constant as rows grow ----------------------------------------------------------------------


def _grow(province, n: int, start: int) -> None:
    for i in range(start, start + n):
        AdminUnit.objects.create(
            code=f"9{i:04d}", name=f"Xã Thử {i}", level="commune", parent=province, valid_from=MERGER
        )
        a = Agency.objects.create(
            identifier=f"000.{i:02d}.99.H40",
            name=f"Cơ quan thử {i}",
            level="commune",
            kind="commune_committee",
            province=province,
            admin_unit=province,
        )
        Counter.objects.create(agency=a, number=1, name="Quầy 1")


@pytest.mark.parametrize(
    "path",
    ["/agencies", "/admin-units", "/agencies/000.00.00.H40", "/admin-units/40", "/agencies/000.00.01.H40"],
)
def test_query_count_is_constant(api_as, agencies, units, province, path):
    AgencyIdentifier.objects.create(
        agency=agencies["centre"],
        identifier="000.00.01.H40",
        valid_from=date(2019, 1, 1),
        valid_to=date(2025, 6, 30),
    )
    client = api_as(None)
    _grow(province, 3, 0)
    r1, small = count_queries(lambda: client.get(path, page_size=50))
    _grow(province, 12, 3)
    r2, large = count_queries(lambda: client.get(path, page_size=50))
    assert r1.status_code == r2.status_code == 200
    assert small == large <= 4


def test_lists_read_top_down_in_the_same_order_on_every_database(api_as, agencies, units):
    client = api_as(None)
    names = [a["name"] for a in client.get("/agencies").json()["items"]]
    # province level first, by accent-folded name (Sở Tư pháp < Sở Y tế < Trung tâm ...), then communes
    assert names == [
        "Sở Tư pháp tỉnh Nghệ An",
        "Sở Tư pháp tỉnh Thanh Hóa",
        "Sở Y tế tỉnh Nghệ An",
        "Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
        "Trung tâm PVHCC xã Anh Sơn",
    ]
    levels = [u["level"] for u in client.get("/admin-units").json()["items"]]
    assert levels == ["province", "province", "commune", "commune", "commune"]


def test_openapi_documents_each_filter_with_its_own_values(api_as):
    spec = api_as(None).get("/openapi.json").json()

    def enum(path: str, name: str) -> list[str]:
        param = next(p for p in spec["paths"][f"/api/v1{path}"]["get"]["parameters"] if p["name"] == name)
        return param["schema"]["anyOf"][0]["enum"]

    assert enum("/agencies", "level") == ["ministry", "province", "commune"]
    assert "service_centre" in enum("/agencies", "kind")
    assert enum("/admin-units", "level") == ["province", "district", "commune"]
