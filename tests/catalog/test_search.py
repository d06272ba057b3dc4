"""Catalogue search (selectors.search_procedures / procedure_detail) on SQLite and PostgreSQL alike."""

from __future__ import annotations

import unicodedata

import pytest

from motcua.catalog.models import Procedure
from motcua.catalog.selectors import procedure_detail, search_procedures
from motcua.core.errors import NotFound, ValidationFailed
from tests.api.catalog_data import make_procedure

BIRTH_FIELD = {"code": "G09-HT02", "name": "Khai sinh, khai tử"}


@pytest.fixture
def catalogue(agencies):
    """Procedures chosen so that each search rank has a member, plus distractors."""
    made = {
        "exact": make_procedure("1.000001", "Đăng ký khai sinh", agencies=["000.01.15.H40"]),
        "prefix": make_procedure(
            "1.000002",
            "Đăng ký khai sinh có yếu tố nước ngoài",
            levels=["province"],
            agencies=["000.00.15.H40"],
            online_level="partial",
        ),
        "words_long": make_procedure("1.000005", "Đăng ký khai tử và đăng ký lại khai sinh kết hợp"),
        "words": make_procedure("1.000003", "Đăng ký lại khai sinh"),
        "tie_b": make_procedure("2.000010", "Khai sinh, đăng ký cho trẻ"),
        "tie_a": make_procedure("1.000010", "Khai sinh, đăng ký cho trẻ"),
        # Matches only through its field's name: 'khai sinh' is not in the procedure name.
        "other": make_procedure("1.000004", "Đăng ký nhận cha, mẹ, con", field=BIRTH_FIELD),
        "draft": make_procedure("1.000006", "Đăng ký khai sinh lưu động", publication_state="draft"),
        "build": make_procedure(
            "1.009999",
            "Cấp giấy phép xây dựng nhà ở riêng lẻ",
            field={"code": "G12-XD05", "name": "Xây dựng"},
            levels=["province"],
            agencies=["000.00.18.H40"],
            online_level="none",
            kind="internal",
            results=[{"name": "Giấy phép xây dựng"}],
        ),
    }
    return {k: v.code for k, v in made.items()}


def codes(qs) -> list[str]:
    return [p.code for p in qs]


@pytest.mark.django_db
class TestFolding:
    @pytest.mark.parametrize(
        "q",
        [
            "dang ky khai sinh",
            "Đăng ký khai sinh",
            "DANG KY KHAI SINH",
            "ĐĂNG KÝ KHAI SINH",
            unicodedata.normalize("NFD", "Đăng ký khai sinh"),
            "   đăng   ký\tkhai  sinh  ",
            "Đăng ký, khai-sinh.",
        ],
    )
    def test_every_spelling_finds_the_same_procedures(self, catalogue, q):
        expected = ["1.000001", "1.000002", "1.000003", "1.000010", "2.000010", "1.000005", "1.000004"]
        assert codes(search_procedures(q)) == expected

    def test_d_with_stroke_folds_to_d(self, catalogue):
        assert codes(search_procedures("đăng ký nhận cha")) == ["1.000004"]
        assert codes(search_procedures("Đang ky nhan cha")) == ["1.000004"]

    def test_code_finds_its_procedure(self, catalogue):
        assert codes(search_procedures("1.009999")) == ["1.009999"]
        assert codes(search_procedures(" 1.009999. ")) == ["1.009999"]
        # A code is one word, matched from its start.
        assert codes(search_procedures("1.0099")) == ["1.009999"]
        assert codes(search_procedures("009999")) == []

    def test_every_word_must_match(self, catalogue):
        assert codes(search_procedures("khai sinh xây dựng")) == []
        assert codes(search_procedures("giấy phép xây dựng")) == ["1.009999"]

    def test_words_match_from_their_start(self, catalogue):
        assert codes(search_procedures("kha sin nuo")) == ["1.000002"]
        assert codes(search_procedures("giay phep xay")) == ["1.009999"]
        assert codes(search_procedures("iay phep")) == []  # not inside a word

    def test_index_follows_updates_and_deletes(self, catalogue):
        from motcua.catalog.services import apply_record
        from tests.api.catalog_data import record

        apply_record(
            record("1.009999", "Cấp phép khai thác ngư cụ", field={"code": "G12-XD05", "name": "Xây dựng"})
        )
        assert codes(search_procedures("ngu cu")) == ["1.009999"]
        assert codes(search_procedures("rieng le")) == []
        Procedure.objects.filter(code="1.009999").delete()
        assert codes(search_procedures("ngu cu")) == []

    def test_punctuation_only_query_lists_everything_published(self, catalogue):
        assert codes(search_procedures("?!")) == codes(search_procedures(""))
        assert len(codes(search_procedures(""))) == 8


@pytest.mark.django_db
class TestRanking:
    def test_name_matches_first_then_shorter_names_then_code(self, catalogue):
        result = list(search_procedures("đăng ký khai sinh"))
        assert [p.code for p in result] == [
            "1.000001",  # exact name
            "1.000002",  # name starts with the query
            "1.000003",  # every word in the name, shortest name first
            "1.000010",  # same rank and length: by code
            "2.000010",
            "1.000005",  # longest name of that rank
            "1.000004",  # words only in the field name
        ]
        assert [p.rank for p in result] == [1, 2, 6, 6, 6, 6, 7]  # last: name + result

    def test_exact_code_ranks_first(self, catalogue):
        make_procedure("1.100000", "Thủ tục có mã 1.000001 trong tên")
        assert codes(search_procedures("1.000001")) == ["1.000001", "1.100000"]

    def test_without_query_orders_by_code(self, catalogue):
        assert codes(search_procedures()) == sorted(codes(search_procedures()))


@pytest.mark.django_db
class TestFilters:
    def test_published_only_by_default(self, catalogue):
        assert "1.000006" not in codes(search_procedures("khai sinh"))
        assert "1.000006" in codes(search_procedures("khai sinh", published_only=False))

    def test_field(self, catalogue):
        assert codes(search_procedures(field="G12-XD05")) == ["1.009999"]
        assert codes(search_procedures("dang ky", field="G09-HT02")) == ["1.000004"]

    def test_level(self, catalogue):
        assert codes(search_procedures(level="province")) == ["1.000002", "1.009999"]
        assert codes(search_procedures(level="district")) == []

    def test_agency(self, catalogue):
        assert codes(search_procedures(agency="000.01.15.H40")) == ["1.000001"]
        assert codes(search_procedures("khai sinh", agency="000.00.15.H40")) == ["1.000002"]
        # An agency that exists but runs none of the matches.
        assert codes(search_procedures("xay dung", agency="000.00.15.H40")) == []

    def test_online_level_and_kind(self, catalogue):
        assert codes(search_procedures(online_level="partial")) == ["1.000002"]
        assert codes(search_procedures(online_level="none")) == ["1.009999"]
        assert codes(search_procedures(kind="internal")) == ["1.009999"]
        assert "1.009999" not in codes(search_procedures(kind="public"))

    def test_filters_combine(self, catalogue):
        assert codes(
            search_procedures(
                "khai sinh", level="commune", online_level="full", kind="public", field="G09-HT01"
            )
        ) == [
            "1.000010",
            "2.000010",  # start with it
            "1.000001",
            "1.000003",
            "1.000005",
        ]

    def test_empty_filter_values_are_ignored(self, catalogue):
        assert codes(search_procedures("", field="", level="", agency="", online_level="", kind="")) == codes(
            search_procedures()
        )

    def test_result_has_field_loaded(self, catalogue, django_assert_num_queries):
        qs = search_procedures("xay dung")
        with django_assert_num_queries(1):
            assert [p.field.name for p in qs] == ["Xây dựng"]


@pytest.mark.django_db
class TestBadFilters:
    @pytest.mark.parametrize(
        ("kwargs", "code", "words"),
        [
            ({"level": "county"}, "invalid_level", "ministry, province, district, commune"),
            ({"online_level": "4"}, "invalid_online_level", "full, partial, none"),
            ({"kind": "secret"}, "invalid_kind", "public, internal"),
            ({"field": "NOPE"}, "unknown_field", "NOPE"),
            ({"agency": "000.00.99.H99"}, "unknown_agency", "000.00.99.H99"),
            ({"agency": "x" * 41}, "invalid_agency", "invalid agency"),
            ({"field": "a\x00b"}, "invalid_field", "invalid field"),
            ({"q": "khai sinh " * 60}, "query_too_long", "quá 500"),
            ({"q": " ".join(f"w{i}" for i in range(81))}, "query_too_long", "quá 80 từ"),
        ],
    )
    def test_rejected_with_a_clear_message(self, catalogue, kwargs, code, words):
        with pytest.raises(ValidationFailed) as caught:
            search_procedures(**kwargs)
        assert caught.value.code == code
        assert words in caught.value.message


@pytest.mark.django_db
class TestDetail:
    def test_everything_prefetched(self, catalogue, django_assert_num_queries):
        from motcua.catalog.records import procedure_to_record

        p = procedure_detail("1.000001")
        with django_assert_num_queries(0):
            rec = procedure_to_record(p)
        assert rec["name"] == "Đăng ký khai sinh"
        assert rec["agencies"] == ["000.01.15.H40"]
        assert rec["components"][0]["case"] == "TH1"

    @pytest.mark.parametrize("code", ["9.999999", "", "1.000001\x00", "x" * 100])
    def test_missing(self, catalogue, code):
        with pytest.raises(NotFound) as caught:
            procedure_detail(code)
        assert caught.value.code == "procedure_not_found"

    def test_drafts_hidden_when_published_only(self, catalogue):
        assert procedure_detail("1.000006").publication_state == Procedure.PublicationState.DRAFT
        with pytest.raises(NotFound):
            procedure_detail("1.000006", published_only=True)


def test_renaming_a_field_on_import_refolds_every_procedure_of_that_field(agencies):
    from motcua.catalog.services import apply_record
    from tests.api.catalog_data import record

    field = {"code": "G09-HT09", "name": "Chứng thực"}
    make_procedure("1.000101", "Chứng thực bản sao từ bản chính", field=field)
    make_procedure("1.000102", "Chứng thực chữ ký", field=field)
    apply_record(
        record(
            "1.000101",
            "Chứng thực bản sao từ bản chính",
            field={"code": "G09-HT09", "name": "Công chứng và chứng thực điện tử"},
        )
    )
    found = {p.code for p in search_procedures("cong chung dien tu")}
    assert found == {"1.000101", "1.000102"}
