"""Catalogue HTTP API: /procedures, /procedures/{code}, versions, /fields."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from motcua.catalog.services import apply_record
from tests.api.catalog_data import make_procedure, record


@pytest.fixture
def three(agencies):
    make_procedure(
        "1.004222",
        "Đăng ký khai sinh",
        agencies=["000.01.15.H40", "000.00.00.H40"],
        fees=[{"kind": "charge", "amount": 8000, "channel": "counter"}],
        channels=[{"channel": "counter", "fee": 20000}, {"channel": "online", "fee": 10000}],
    )
    make_procedure(
        "1.000656",
        "Đăng ký kết hôn",
        processing_time=None,
        fees=[],
        channels=[],
        results=[{"name": "Giấy chứng nhận kết hôn"}],
    )
    make_procedure(
        "1.009994",
        "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        levels=["province", "commune"],
        field={"code": "G12-XD05", "name": "Xây dựng"},
        online_level="partial",
        processing_time=12.5,
        results=[{"name": "Giấy phép xây dựng"}],
    )


def many(n: int) -> None:
    for i in range(n):
        make_procedure(f"2.{i:06d}", f"Thủ tục đăng ký thứ {i}", agencies=["000.00.15.H40", "000.00.18.H40"])


@pytest.mark.django_db
class TestList:
    def test_summary_shape(self, three, api_as):
        r = api_as(None).get("/procedures", q="dang ky khai sinh")
        assert r.status_code == 200
        body = r.json()
        assert body["count"] == 1
        assert body["items"] == [
            {
                "code": "1.004222",
                "name": "Đăng ký khai sinh",
                "field": {"code": "G09-HT01", "name": "Hộ tịch"},
                "kind": "public",
                "levels": ["commune"],
                "online_level": "full",
                "processing_time": 3,
                "time_unit": "working_days",
                "agencies": ["000.00.00.H40", "000.01.15.H40"],
                "fee": {"free": False, "min": 8000, "max": 20000, "display": "8.000 ₫ – 20.000 ₫"},
                "match": "name",
            }
        ]
        assert body["suggestion"] is None

    def test_free_and_fractional(self, three, api_as):
        items = {i["code"]: i for i in api_as(None).get("/procedures").json()["items"]}
        assert items["1.000656"]["fee"] == {"free": True, "min": 0, "max": 0, "display": "Miễn phí"}
        assert items["1.000656"]["processing_time"] is None
        assert items["1.009994"]["processing_time"] == 12.5
        assert items["1.009994"]["levels"] == ["province", "commune"]

    def test_same_results_with_and_without_accents(self, three, api_as):
        client = api_as(None)
        a = client.get("/procedures", q="Đăng ký").json()
        assert a == client.get("/procedures", q="DANG KY").json()
        assert [i["code"] for i in a["items"]] == ["1.000656", "1.004222"]  # shorter name first

    def test_filters(self, three, api_as):
        client = api_as(None)
        assert [i["code"] for i in client.get("/procedures", level="province").json()["items"]] == [
            "1.009994"
        ]
        assert client.get("/procedures", field="G12-XD05").json()["count"] == 1
        assert client.get("/procedures", agency="000.01.15.H40").json()["count"] == 1
        assert client.get("/procedures", online_level="partial", kind="public").json()["count"] == 1
        assert client.get("/procedures", q="1.004222").json()["items"][0]["name"] == "Đăng ký khai sinh"

    def test_pagination(self, three, api_as):
        client = api_as(None)
        first = client.get("/procedures", page_size=2).json()
        second = client.get("/procedures", page_size=2, page=2).json()
        assert first["count"] == second["count"] == 3
        assert [i["code"] for i in first["items"] + second["items"]] == ["1.000656", "1.004222", "1.009994"]
        beyond = client.get("/procedures", page=50).json()
        assert beyond == {"items": [], "count": 3, "suggestion": None}

    @pytest.mark.parametrize(
        "params",
        [
            {"page": 0},
            {"page": -1},
            {"page": "x"},
            {"page": 10**9},
            {"page_size": 0},
            {"page_size": 101},
            {"level": "county"},
            {"online_level": "4"},
            {"kind": "secret"},
            {"q": "x" * 501},
        ],
    )
    def test_out_of_range_is_422(self, three, api_as, params):
        r = api_as(None).get("/procedures", **params)
        assert r.status_code == 422
        assert r.json()["code"] == "invalid_field"
        assert r.json()["message"]

    @pytest.mark.parametrize(
        ("params", "code"),
        [
            ({"field": "NOPE"}, "unknown_field"),
            ({"agency": "000.00.99.H99"}, "unknown_agency"),
            ({"field": "a\x00"}, "invalid_field"),
        ],
    )
    def test_unknown_filter_values_are_422(self, three, api_as, params, code):
        r = api_as(None).get("/procedures", **params)
        assert r.status_code == 422
        assert r.json()["code"] == code

    def test_drafts_are_not_listed(self, three, api_as):
        make_procedure("1.000001", "Đăng ký khai sinh lưu động", publication_state="draft")
        assert api_as(None).get("/procedures", q="khai sinh luu dong").json()["count"] == 0

    @pytest.mark.parametrize("n", [3, 30])
    def test_query_count_is_constant(self, agencies, api_as, django_assert_num_queries, n):
        many(n)
        client = api_as(None)
        client.get("/procedures", q="dang ky")  # builds the search index (after a catalogue change only)
        # generation check + page + agencies + fees + channels, whatever the number of procedures.
        with django_assert_num_queries(5):
            r = client.get("/procedures", q="dang ky", page_size=2)
        assert len(r.json()["items"]) == 2
        assert r.json()["count"] == n


@pytest.mark.django_db
class TestDetail:
    def test_full_record_with_versions(self, three, api_as):
        r = api_as(None).get("/procedures/1.004222")
        assert r.status_code == 200
        body = r.json()
        assert body["code"] == "1.004222"
        assert body["agencies"] == ["000.00.00.H40", "000.01.15.H40"]
        assert body["components"][0] == {
            "code": "TP1",
            "name": "Tờ khai",
            "case": "TH1",
            "originals": 1,
            "copies": 0,
            "required": True,
            "form_code": "TK1",
            "replaceable_by_data": False,
            "digitise_required": False,
        }
        assert body["legal_bases"][0]["effective_on"] == "2016-01-01"
        assert body["steps"][0]["title"] == "Nộp hồ sơ"
        assert body["channels"][1] == {
            "channel": "online",
            "processing_time": None,
            "time_unit": "working_days",
            "fee": 10000,
            "description": "",
        }
        assert body["version"] == 1
        assert [v["number"] for v in body["versions"]] == [1]
        assert body["versions"][0]["effective_to"] is None

    def test_versions_after_an_update(self, three, api_as):
        apply_record(record("1.004222", "Đăng ký khai sinh (sửa đổi)", publication_state="published_amended"))
        client = api_as(None)
        body = client.get("/procedures/1.004222").json()
        assert body["version"] == 2
        assert [v["number"] for v in body["versions"]] == [1, 2]
        assert body["versions"][0]["effective_to"] == body["versions"][1]["effective_from"]
        old = client.get("/procedures/1.004222/versions/1").json()
        assert old["number"] == 1
        assert old["record"]["name"] == "Đăng ký khai sinh"
        assert (
            client.get("/procedures/1.004222/versions/2").json()["record"]["name"]
            == "Đăng ký khai sinh (sửa đổi)"
        )

    @pytest.mark.parametrize("path", ["/procedures/9.999999", "/procedures/%00", "/procedures/" + "1" * 300])
    def test_missing_procedure(self, three, api_as, path):
        r = api_as(None).get(path)
        assert r.status_code == 404
        assert r.json()["code"] == "procedure_not_found"
        assert "9.999999" in r.json()["message"] or path != "/procedures/9.999999"

    @pytest.mark.parametrize(
        ("path", "status", "code"),
        [
            ("/procedures/1.004222/versions/9", 404, "version_not_found"),
            ("/procedures/9.999999/versions/1", 404, "version_not_found"),
            ("/procedures/1.004222/versions/0", 422, "invalid_field"),
            ("/procedures/1.004222/versions/abc", 422, "invalid_field"),
        ],
    )
    def test_missing_version(self, three, api_as, path, status, code):
        r = api_as(None).get(path)
        assert (r.status_code, r.json()["code"]) == (status, code)

    def test_drafts_only_for_staff(self, three, api_as):
        users = get_user_model().objects
        citizen = users.create_user(username="congdan", password=None)
        admin = users.create_superuser(username="admin", password=None)
        make_procedure("1.000001", "Dự thảo thủ tục", publication_state="draft")
        assert api_as(None).get("/procedures/1.000001").status_code == 404
        assert api_as(citizen).get("/procedures/1.000001").status_code == 404
        assert api_as(None).get("/procedures/1.000001/versions/1").status_code == 404
        assert api_as(admin).get("/procedures/1.000001").json()["publication_state"] == "draft"
        assert api_as(admin).get("/procedures/1.000001/versions/1").json()["number"] == 1

    @pytest.mark.parametrize("n", [3, 30])
    def test_query_count_is_constant(self, agencies, api_as, django_assert_num_queries, n):
        many(n)
        client = api_as(None)
        # procedure + 10 prefetch queries (records.PREFETCH; components__case is two) + versions list.
        with django_assert_num_queries(12):
            assert client.get("/procedures/2.000001").status_code == 200
        with django_assert_num_queries(1):
            assert client.get("/procedures/2.000001/versions/1").status_code == 200


@pytest.mark.django_db
class TestFields:
    @pytest.mark.parametrize("n", [3, 30])
    def test_counts_published_procedures(self, three, api_as, django_assert_num_queries, n):
        many(n)
        make_procedure("1.000001", "Dự thảo", publication_state="draft")
        with django_assert_num_queries(1):
            body = api_as(None).get("/fields").json()
        assert body == {
            "count": 2,
            "items": [
                {"code": "G09-HT01", "name": "Hộ tịch", "procedure_count": 2 + n},
                {"code": "G12-XD05", "name": "Xây dựng", "procedure_count": 1},
            ],
        }
