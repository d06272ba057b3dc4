"""Search at national scale (docs/adr/0025): pasted names, spelling variants, results, synonyms, ranking.

Run on a synthetic catalogue (catalog.synthetic: the bench's generator, smaller) on SQLite and
PostgreSQL alike; the engine answers in Python, so the expectations are the same on both.
"""

from __future__ import annotations

import unicodedata

import pytest

from motcua.catalog import search_engine, synthetic
from motcua.catalog.models import Field, Procedure, ProcedureResult, SearchSynonym
from motcua.catalog.selectors import match_of, page_of, search_procedures
from motcua.catalog.services import save_procedure, set_search_columns
from motcua.core.errors import ValidationFailed

LONG = "Đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"
N = 200


@pytest.fixture
def catalogue(db):
    codes = synthetic.load(N)
    return {e.code: e for e in synthetic.entries(N)} | {"codes": codes}


def top(q: str, n: int = 1, **kwargs) -> list[str]:
    return [p.code for p in page_of(search_procedures(q, **kwargs), 1, n)[0]]


def first(q: str) -> Procedure:
    items, _ = page_of(search_procedures(q), 1, 1)
    assert items, f"nothing found for {q!r}"
    return items[0]


def names_of(e: synthetic.Entry) -> list[str]:
    """A name as people paste it: as is, without punctuation, upper-case, decomposed, with quotes/dot."""
    bare = e.name.replace(",", " ").replace("/", " ")
    return [
        e.name,
        bare,
        e.name.upper(),
        unicodedata.normalize("NFD", e.name),
        f"“{e.name}.”",
        f"  {e.name.replace(' ', '   ')}\t",
        e.name.replace(", ", " - "),
    ]


def test_catalogue_is_realistic():
    entries = synthetic.entries(2500)
    lengths = [len(e.name.split()) for e in entries]
    assert len({e.name for e in entries}) == len({e.code for e in entries}) == 2500
    assert min(lengths) >= 4 and max(lengths) <= 45  # real names can be longer than generated ones
    assert max(lengths[len(synthetic.REAL) :]) <= 30
    assert sum(n >= 15 for n in lengths) > 1000  # long names are common, as in the national catalogue


@pytest.mark.django_db
class TestPastedNames:
    def test_every_long_name_pasted_comes_first(self, catalogue):
        long = [e for e in synthetic.entries(N) if len(e.name.split()) >= 12]
        assert len(long) > 40
        for e in long:
            for q in names_of(e)[:2]:
                hit = first(q)
                assert (hit.code, match_of(hit.rank)) == (e.code, "name"), q

    def test_punctuation_case_and_unicode_forms_do_not_matter(self, catalogue):
        e = next(x for x in synthetic.entries(N) if x.name == LONG)
        for q in names_of(e):
            assert top(q) == [e.code], q
        assert first(LONG).rank == search_engine.EXACT

    def test_a_pasted_name_with_a_word_changed_is_still_found_first(self, catalogue):
        hit = first(LONG.replace("dưới 6 tuổi", "dưới sáu tuổi"))  # 'sau' is in no name: nothing has all
        assert hit.code == "1.001193"
        assert match_of(hit.rank) in ("partial", "corrected")

    def test_names_up_to_the_cap_are_searched_and_beyond_it_refused(self, catalogue):
        q = (LONG + " ") * 5
        assert len(q) < 500
        assert top(q) == ["1.001193"]
        with pytest.raises(ValidationFailed) as caught:
            search_procedures("khai sinh " * 51)
        assert caught.value.code == "query_too_long"
        assert "500" in caught.value.message


@pytest.mark.django_db
class TestSpelling:
    @pytest.mark.parametrize(
        ("q", "name"),
        [
            ("dang ki khai sinh", "Đăng ký khai sinh"),  # i for y
            ("Đăng kí khai sinh", "Đăng ký khai sinh"),
            ("dang ky khai sinh", "Đăng ký khai sinh"),
            ("đang kỹ khải sình", "Đăng ký khai sinh"),  # wrong tone marks
            ("cap phieu li lich tu phap", "Cấp phiếu lý lịch tư pháp"),
            ("phiếu lí lịch tư pháp", "phiếu lý lịch tư pháp"),
        ],
    )
    def test_i_y_and_tone_marks_are_variants_not_corrections(self, catalogue, q, name):
        hit = first(q)
        assert name.lower() in hit.name.lower()
        assert match_of(hit.rank) == "name"
        assert search_procedures(q).outcome.suggestion == ""

    def test_keys(self):
        key = search_engine.key
        assert key("ky") == key("ki") == "ki"
        assert key("ly") == key("li") and key("my") == key("mi") and key("quy") == key("qui")
        # 'ay', 'uy' are other vowels: 'tay' is not 'tai', 'huy' is not 'hui'.
        assert key("tay") == "tay" and key("huy") == "huy"
        assert search_engine.keys_of("Mĩ") == search_engine.keys_of("mỹ") == ["mi"]

    @pytest.mark.parametrize(
        ("q", "name", "suggestion"),
        [
            ("dang ky khai sinhh", "Đăng ký khai sinh", "dang ky khai sinh"),  # a letter too many
            ("dang ky thuogn tru", "Đăng ký thường trú", "dang ky thường tru"),  # two letters swapped
            ("dangky khai sinh", "Đăng ký khai sinh", "đăng ký khai sinh"),  # two words typed as one
            ("ddawng kys khai sinh", "Đăng ký khai sinh", "đăng ký khai sinh"),  # Telex, input method off
            ("d9a8ng ky1 khai sinh", "Đăng ký khai sinh", "đăng ký khai sinh"),  # VNI
            ("Cấp phiếu lý lịch tư phápp", "Cấp phiếu lý lịch tư pháp", "cấp phiếu lý lịch tư pháp"),
            ("cap the can cuocc", "Cấp thẻ căn cước", "cap the can cước"),
        ],
    )
    def test_typos_are_corrected_and_said(self, catalogue, q, name, suggestion):
        qs = search_procedures(q)
        assert qs.outcome.suggestion == suggestion
        hit = page_of(qs, 1, 1)[0][0]
        assert hit.name.lower().startswith(name.lower()), hit.name
        assert match_of(hit.rank) == "corrected"

    def test_thuong_tru_with_a_doubled_letter(self, catalogue):
        qs = search_procedures("dang ky thuong trru")
        assert qs.outcome.corrected == ["dang", "ki", "thuong", "tru"]
        assert all(match_of(p.rank) == "corrected" for p in page_of(qs, 1, 20)[0])
        assert "thường trú" in page_of(qs, 1, 1)[0][0].name

    def test_short_unknown_words_are_not_guessed(self, catalogue):
        # One wrong letter in a 3-letter word has too many neighbours to guess from.
        assert top("khai sinh qzx") == []
        assert search_procedures("khai sinh qzx").outcome.suggestion == ""


@pytest.mark.django_db
class TestResultsAndSynonyms:
    @pytest.mark.parametrize(
        ("q", "result"),
        [
            ("giấy khai sinh", "Giấy khai sinh"),
            ("thẻ căn cước", "Thẻ căn cước"),
            ("giay phep lai xe", "Giấy phép lái xe"),
            ("lý lịch tư pháp", "Phiếu lý lịch tư pháp"),
            ("trích lục khai tử", "Trích lục khai tử"),
        ],
    )
    def test_the_name_of_a_result_finds_the_procedure_that_issues_it(self, catalogue, q, result):
        hit = first(q)
        assert ProcedureResult.objects.filter(procedure=hit, name=result).exists(), (q, hit.name)

    def test_a_result_name_alone_is_matched_as_result(self, catalogue):
        hit = first("giấy khai sinh")  # no name has 'giấy': the result's name is what matches
        assert (hit.code, match_of(hit.rank)) == ("1.004222", "result")

    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("làm sổ đỏ", "giấy chứng nhận quyền sử dụng đất"),
            ("lam so do", "giấy chứng nhận quyền sử dụng đất"),
            ("làm căn cước", "thẻ căn cước"),
            ("passport", "hộ chiếu"),
            ("bằng lái xe", "giấy phép lái xe"),
            ("mở công ty", "thành lập"),
        ],
    )
    def test_synonyms_find_what_the_catalogue_calls_it(self, catalogue, q, expected):
        items = page_of(search_procedures(q), 1, 20)[0]
        assert expected in items[0].name.lower(), q
        assert match_of(items[0].rank) == "synonym"
        # Synonym hits come before hits on scattered words or other parts of the record.
        ranks = [p.rank for p in items]
        assert ranks == sorted(ranks)

    def test_a_synonym_with_two_meanings_finds_both(self, catalogue):
        found = {p.code: p for p in search_procedures("giấy phép kinh doanh")}
        assert "2.000720" in found  # đăng ký thành lập hộ kinh doanh
        assert match_of(found["2.000720"].rank) == "synonym"
        assert any("doanh nghiệp" in p.name and match_of(p.rank) == "synonym" for p in found.values())

    def test_an_admin_added_synonym_is_seen_at_the_next_search(self, catalogue):
        _put("1.777777", "Cấp thị thực cho người nước ngoài tại cửa khẩu quốc tế", result="Thị thực")
        assert top("visa") == []
        SearchSynonym.objects.create(phrase="visa", meaning="thị thực")
        found = page_of(search_procedures("visa"), 1, 50)[0]
        assert "1.777777" in [p.code for p in found]
        assert {match_of(p.rank) for p in found} == {"synonym"}

    def test_the_reviewed_file_is_well_formed(self):
        pairs = search_engine.read_synonym_file()
        assert len(pairs) >= 40
        assert len(set(pairs)) == len(pairs)
        assert all(search_engine.keys_of(a) != search_engine.keys_of(b) for a, b in pairs)


def _put(code: str, name: str, result: str = "Văn bản trả lời", field: str = "Tư pháp") -> Procedure:
    f, _ = Field.objects.get_or_create(code=field[:8], defaults={"name": field})
    p = Procedure(code=code, name=name, field=f, publication_state="published", subjects=["Công dân"])
    set_search_columns(p, f)
    p.save()
    ProcedureResult.objects.create(procedure=p, name=result)
    return p


@pytest.mark.django_db
class TestRanking:
    def test_rank_classes_in_order(self):
        _put("1.000009", "Thủ tục mẫu")
        _put("1.000001", "Thủ tục cấp giấy xác nhận nhân thân mẫu 1.000009")  # code in name only
        _put("1.000002", "Cấp giấy xác nhận nhân thân")  # exact
        _put("1.000003", "Cấp giấy xác nhận nhân thân cho người nước ngoài")  # starts with
        _put("1.000004", "Đề nghị cấp lại giấy xác nhận về nhân thân")  # every word in the name
        _put("1.000005", "Giải quyết yêu cầu", result="Giấy xác nhận nhân thân cấp")  # result
        _put("1.000006", "Cấp xác nhận", result="Giấy nhân thân", field="Giấy tờ")  # name + result
        _put("1.000008", "Cấp xác nhận", result="Văn bản", field="Giấy nhân thân")  # name + field
        _put("1.000007", "Xác nhận giấy tờ cấp cho nhân thân")  # every word, scattered
        hits = list(search_procedures("cap giay xac nhan nhan than"))
        assert [(p.code, p.rank) for p in hits] == [
            ("1.000002", search_engine.EXACT),
            ("1.000003", search_engine.STARTS),
            ("1.000001", search_engine.PHRASE),
            ("1.000005", search_engine.RESULT),
            ("1.000007", search_engine.NAME),  # shorter than 1.000004
            ("1.000004", search_engine.NAME),
            ("1.000006", search_engine.MIXED),
            ("1.000008", search_engine.ELSEWHERE),
        ]
        assert [match_of(p.rank) for p in hits] == [
            *("name", "name", "name", "result", "name", "name", "other", "other")
        ]
        assert [p.code for p in search_procedures("1.000009")] == ["1.000009", "1.000001"]
        assert search_procedures("1.000009")[0].rank == search_engine.CODE

    def test_same_order_whether_paged_from_the_index_or_read_in_sql(self, catalogue):
        for q in ("cap", "dang ky khai sinh", "giay phep", "lam so do", "khai sinhh", LONG):
            qs = search_procedures(q)
            paged = [p.code for page in (1, 2, 3) for p in page_of(qs, page, 7)[0]]
            in_sql = [p.code for p in qs.filter(pk__gt=0)[:21]]  # filter(): a plain SQL-ordered queryset
            assert paged == in_sql, q
            assert qs.count() == qs.filter(pk__gt=0).count()

    def test_filters_apply_to_ranked_hits(self, catalogue):
        some = list(search_procedures("khai sinh"))
        field, level = some[-1].field, some[-1].levels[0]
        found = list(search_procedures("khai sinh", field=field.code, level=level))
        assert some[-1] in found and len(found) < len(some)
        assert all(p.field_id == field.pk and level in p.levels for p in found)
        assert len(found) == search_procedures("khai sinh", field=field.code, level=level).count()

    def test_an_edit_is_seen_at_the_next_search(self, catalogue):
        q = "khai thác ngư cụ đánh bắt xa bờ"
        assert top(q) != ["1.004222"]
        p = Procedure.objects.get(code="1.004222")
        p.name = "Cấp phép khai thác ngư cụ đánh bắt xa bờ"
        save_procedure(p)
        assert top(q) == ["1.004222"]
        Procedure.objects.filter(code="1.004222").delete()
        assert top(q) != ["1.004222"]


@pytest.mark.django_db
class TestOddInput:
    @pytest.mark.parametrize(
        "q",
        [
            "😀",
            "\u200b\u200d",
            "\u0301\u0300",
            "ｄａｎｇ ｋｙ",
            "‮dang",
            "%_*",
            "'; DROP TABLE x; --",
            "..",
            "\x00a",
        ],
    )
    def test_odd_text_is_a_search_not_an_error(self, catalogue, q):
        items, count = page_of(search_procedures(q), 1, 5)
        assert count >= len(items)

    def test_fullwidth_letters_fold(self, catalogue):
        assert top("ｄａｎｇ ｋｙ ｋｈａｉ ｓｉｎｈ") == ["1.004222"]
