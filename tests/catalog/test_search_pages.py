"""Search at national scale through the API and the public page: match, suggestion, errors, query counts."""

from __future__ import annotations

import html
import re

import pytest

from motcua.catalog import synthetic

pytestmark = pytest.mark.django_db

LONG = synthetic.REAL[1][
    1
]  # 'Đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi'


@pytest.fixture
def catalogue(db):
    return synthetic.load(120)


def visible(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def codes_on_page(response) -> list[str]:
    return re.findall(r'<span class="code">([\d.]+)</span>', response.content.decode())


class TestApi:
    def test_pasted_long_name_first_with_why(self, catalogue, api_as):
        r = api_as(None).get("/procedures", q=LONG)
        assert r.status_code == 200
        body = r.json()
        assert body["items"][0]["code"] == "1.001193"
        assert body["items"][0]["match"] == "name"
        assert body["suggestion"] is None

    def test_misspelt_query_says_what_was_searched(self, catalogue, api_as):
        body = api_as(None).get("/procedures", q="dang ky khai sinhh").json()
        assert body["suggestion"] == "dang ky khai sinh"
        assert body["items"][0]["code"] == "1.004222"
        assert {i["match"] for i in body["items"]} == {"corrected"}

    def test_result_and_synonym_are_named(self, catalogue, api_as):
        client = api_as(None)
        assert client.get("/procedures", q="giấy khai sinh").json()["items"][0]["match"] == "result"
        assert client.get("/procedures", q="làm căn cước").json()["items"][0]["match"] == "synonym"

    def test_without_q_there_is_no_match(self, catalogue, api_as):
        items = api_as(None).get("/procedures", page_size=3).json()["items"]
        assert [i["match"] for i in items] == [None, None, None]

    @pytest.mark.parametrize(
        "q",
        [
            "",
            " ",
            "😀😀",
            "\u200b",
            "\u0301",
            "ｋｈａｉ ｓｉｎｈ",
            "‮khai",
            "%",
            "\\",
            "a" * 500,
            ("khai sinh " * 49),
        ],
    )
    def test_odd_or_long_input_is_answered(self, catalogue, api_as, q):
        r = api_as(None).get("/procedures", q=q)
        assert r.status_code == 200, r.content
        assert r.json()["count"] >= 0

    @pytest.mark.parametrize("q", ["a" * 501, "khai sinh " * 60])
    def test_beyond_the_cap_is_a_clear_422(self, catalogue, api_as, q):
        r = api_as(None).get("/procedures", q=q)
        assert r.status_code == 422
        assert r.json()["code"] in ("invalid_field", "query_too_long")
        assert "500" in r.json()["message"]

    def test_query_count_is_pinned(self, catalogue, api_as, django_assert_num_queries):
        client = api_as(None)
        # The first search after a catalogue change rebuilds the index: procedures, results, synonyms.
        with django_assert_num_queries(5 + 3):
            client.get("/procedures", q="khai sinh")
        for q in ("khai sinh", LONG, "dang ki khai sinhh", "làm sổ đỏ", "giấy khai sinh"):
            # generation check + page + agencies + fees + channels, however many procedures match.
            with django_assert_num_queries(5):
                assert client.get("/procedures", q=q).status_code == 200


class TestPage:
    def test_pasted_name_on_the_public_page(self, catalogue, client):
        r = client.get("/thu-tuc/", {"q": LONG})
        assert r.status_code == 200
        assert codes_on_page(r)[0] == "1.001193"

    def test_did_you_mean(self, catalogue, client):
        r = client.get("/thu-tuc/", {"q": "ddawng kys khai sinh"})
        text = visible(r)
        assert "Có phải bạn muốn tìm: đăng ký khai sinh" in text
        assert codes_on_page(r)[0] == "1.004222"
        assert "Theo từ khóa đã sửa chính tả" in text
        assert "Có phải bạn muốn tìm" not in visible(client.get("/thu-tuc/", {"q": "dang ky khai sinh"}))

    def test_why_a_result_or_synonym_hit_is_shown(self, catalogue, client):
        assert "Cấp giấy tờ bạn tìm" in visible(client.get("/thu-tuc/", {"q": "giấy khai sinh"}))
        assert "Theo tên gọi thường dùng" in visible(client.get("/thu-tuc/", {"q": "passport"}))

    def test_too_long_is_a_clear_400_and_keeps_the_page(self, catalogue, client):
        r = client.get("/thu-tuc/", {"q": "khai sinh " * 60})
        assert r.status_code == 400
        assert "Từ khóa dài quá 500 ký tự" in visible(r)
        r = client.get("/thu-tuc/", {"q": ("x" * 499)})
        assert r.status_code == 200

    def test_query_count_is_pinned(self, catalogue, client, django_assert_num_queries):
        client.get("/thu-tuc/", {"q": "khai sinh"})  # builds the index
        for q in ("khai sinh", LONG, "dang ki khai sinhh", "làm sổ đỏ"):
            # generation, page, channels, fees, field options, agency options, centre
            with django_assert_num_queries(7):
                assert client.get("/thu-tuc/", {"q": q}).status_code == 200
