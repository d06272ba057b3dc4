"""The public pages as a citizen sees them: home, catalogue list with filters, procedure page, 404, English."""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings

from . import catalogue as data

pytestmark = pytest.mark.django_db

# Pinned query counts (see test_*_query_count_is_constant): raise them only with a reason.
HOME_QUERIES = 4  # centre, published counts, field counts, online highlights
LIST_QUERIES = 7  # count (or search generation), page, channels, fees, field options, agency options, centre
LIST_FILTERED_QUERIES = 9  # + field lookup + agency lookup in the selector
DETAIL_QUERIES = 12  # procedure + 10 prefetches (agencies, cases, steps, channels, components + their cases, forms, fees, results, legal bases) + centre


def visible(response) -> str:
    """The page's text as a reader sees it: tags dropped, entities decoded, white space collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def result_codes(response) -> list[str]:
    return re.findall(r'<span class="code">([\d.]+)</span>\s*<span class="badge', response.content.decode())


# Home -------------------------------------------------------------------------------------------------


def test_home_has_search_box_fields_levels_and_the_centre_from_data(client, catalogue):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    text = visible(response)
    assert "Tìm thủ tục hành chính" in text
    assert re.search(r'<form[^>]+action="/thu-tuc/"[^>]*method="get"', page)
    assert 'name="q"' in page
    # The site name and the footer come from the first service centre, not from the template.
    assert "Cổng dịch vụ công tỉnh Nghệ An" in text
    assert "Trung tâm Phục vụ hành chính công tỉnh Nghệ An" in text
    assert "16 Trường Thi, phường Trường Vinh, tỉnh Nghệ An" in text
    assert "0238 3599 999" in text
    # Four published procedures (the draft and the abolished one do not count), per field and level.
    assert "4 thủ tục đang công khai" in text
    assert 'href="/thu-tuc/?level=province"' in page and 'href="/thu-tuc/?level=commune"' in page
    assert "Thủ tục cấp tỉnh 2 thủ tục" in text
    assert "Thủ tục cấp xã 2 thủ tục" in text
    assert re.search(
        r'href="/thu-tuc/\?field=G09-TP03"><span>Hộ tịch</span> <span class="count"[^>]*>1</span>', page
    )
    # Online highlights: the full-online procedures.
    assert 'href="/thu-tuc/1.001193/"' in page and 'href="/thu-tuc/1.004222/"' in page
    assert "Cách nộp hồ sơ" in text and "Trực tiếp tại Bộ phận Một cửa" in text
    assert "Đăng nhập" in text and 'href="/dang-nhap/"' in page


def test_home_without_any_centre_or_procedure_still_renders(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "Cổng dịch vụ công" in visible(response)
    assert "0 thủ tục đang công khai" in visible(response)


# Catalogue list ---------------------------------------------------------------------------------------


def test_search_without_accents_finds_the_procedure_with_its_summary(client, catalogue):
    response = client.get("/thu-tuc/", {"q": "dang ky khai sinh"})
    assert response.status_code == 200
    text = visible(response)
    assert result_codes(response) == ["1.001193"]
    assert "Tìm thấy 1 thủ tục cho “dang ky khai sinh”" in text
    assert "Đăng ký khai sinh" in text
    assert "Hộ tịch" in text and "Cấp xã" in text
    assert "Trực tuyến toàn trình" in text
    assert "Thời hạn: 1 ngày làm việc" in text
    assert "Phí, lệ phí: Không thu phí, lệ phí" in text
    assert "đã bãi bỏ" not in text and "nháp" not in text


def test_list_shows_fee_range_and_single_fee_in_vietnamese_format(client, catalogue):
    text = visible(client.get("/thu-tuc/"))
    assert "Tìm thấy" not in text and "4 thủ tục" in text
    assert "10.000 ₫ – 20.000 ₫" in text  # residence: online 10.000, counter 20.000
    assert "1.500.000 ₫" in text  # clinic licence appraisal fee
    assert "Thời hạn: 20 ngày làm việc" in text


FILTER_CASES = [
    ({"field": "G18-YT01"}, ["1.012345"]),
    ({"level": "commune"}, ["1.001193", "1.004222"]),
    ({"level": "province"}, ["1.012345", "2.000488"]),
    ({"online_level": "partial"}, ["1.012345", "2.000488"]),
    ({"online_level": "full", "level": "commune", "q": "thuong tru"}, ["1.004222"]),
]


def test_filters_narrow_the_results(client, catalogue):
    # One catalogue, several requests: cheaper than a parametrised test that rebuilds the data each time.
    for params, codes in FILTER_CASES:
        response = client.get("/thu-tuc/", params)
        assert response.status_code == 200, params
        assert result_codes(response) == codes, params
        # The form keeps the chosen values so the citizen can refine.
        page = response.content.decode()
        for name, value in params.items():
            if name == "q":
                assert f'value="{value}"' in page
            else:
                assert f'<option value="{value}" selected>' in page, (params, name)


def test_agency_filter(client, catalogue, agencies):
    response = client.get("/thu-tuc/", {"agency": agencies["justice"].identifier})
    assert result_codes(response) == ["2.000488"]
    assert f'<option value="{agencies["justice"].identifier}" selected>Sở Tư pháp tỉnh Nghệ An</option>' in (
        response.content.decode()
    )


BAD_FILTERS = [
    ({"level": "galaxy"}, "level"),
    ({"online_level": "4"}, "online_level"),
    ({"field": "KHONG-CO"}, "KHONG-CO"),
    ({"agency": "000.00.99.H99"}, "000.00.99.H99"),
    ({"field": "a" * 80}, "field"),
]


def test_bad_filter_gets_a_friendly_message_not_an_error_page(client, catalogue):
    for params, words in BAD_FILTERS:
        response = client.get("/thu-tuc/", params)
        assert response.status_code == 400, params
        text = visible(response)
        assert "Không thể áp dụng bộ lọc này." in text, params
        assert words in text, params
        assert "Traceback" not in text
        # The page is still the catalogue page, with a way out.
        assert "Bỏ bộ lọc và tìm lại" in text and 'name="q"' in response.content.decode()


ODD_INPUT = [
    {"q": "x" * 1000},
    {"q": "\x00"},
    {"q": "khai\x00sinh"},
    {"page": "abc"},
    {"page": "-1"},
    {"page": "99999"},
    {"q": "' OR 1=1 --"},
    {"q": "%_%"},
    {"q": "đ" * 13},
    {"level": "\x00"},
]


def test_odd_input_never_breaks_the_list(client, catalogue):
    for params in ODD_INPUT:
        response = client.get("/thu-tuc/", params)
        assert response.status_code in (200, 400), params
        assert "Thủ tục hành chính" in visible(response), params


def test_empty_result_has_a_helpful_message(client, catalogue):
    response = client.get("/thu-tuc/", {"q": "tàu vũ trụ", "level": "province"})
    assert response.status_code == 200
    text = visible(response)
    assert "Không tìm thấy thủ tục phù hợp" in text
    assert "dang ky khai sinh" in text  # suggestion: type without accents
    assert "bỏ bộ lọc và tìm lại" in text  # a filter was active
    assert "0238 3599 999" in text  # hotline


def test_pagination_keeps_the_query_and_filters(client, catalogue, agencies):
    data.add_fillers(agencies["justice"], 0, 20)
    response = client.get("/thu-tuc/", {"level": "province"})
    assert len(result_codes(response)) == 20
    text = visible(response)
    assert "22 thủ tục" in text and "Trang 1/2" in text
    assert 'href="?level=province&amp;page=2"' in response.content.decode()
    second = client.get("/thu-tuc/", {"level": "province", "page": 2})
    assert len(result_codes(second)) == 2
    assert set(result_codes(second)).isdisjoint(result_codes(response))


# Procedure page -----------------------------------------------------------------------------------------

SECTIONS = [
    "Mã thủ tục",
    "Lĩnh vực",
    "Cơ quan thực hiện",
    "Mức độ dịch vụ công",
    "Cách thức thực hiện",
    "Trình tự thực hiện",
    "Thời hạn giải quyết",
    "Phí",
    "Lệ phí",
    "Thành phần hồ sơ",
    "Yêu cầu, điều kiện",
    "Căn cứ pháp lý",
    "Biểu mẫu",
    "Kết quả thực hiện",
]


def test_procedure_page_shows_all_fourteen_sections(client, catalogue):
    response = client.get("/thu-tuc/1.012345/")
    assert response.status_code == 200
    page = response.content.decode()
    for title in SECTIONS:
        assert re.search(rf"<(h2|dt)[^>]*>{re.escape(title)}</\1>", page), title


def test_procedure_page_components_fees_and_legal_basis(client, catalogue):
    text = visible(client.get("/thu-tuc/1.012345/"))
    assert "Cấp giấy phép hành nghề khám bệnh, chữa bệnh" in text
    # Components with originals / copies / required / form and the "replaceable by data" flag.
    assert "Đơn đề nghị cấp giấy phép hành nghề 1 0 Bắt buộc M01" in text
    assert "Bản sao hợp lệ văn bằng chuyên môn 0 1 Bắt buộc" in text
    assert "Giấy chứng nhận đủ sức khỏe hành nghề Có thể thay thế bằng dữ liệu" in text
    # Fee in Vietnamese money format, legal basis dates as dd/mm/yyyy.
    assert "1.500.000 ₫" in text
    assert "Phí thẩm định cấp giấy phép hành nghề" in text
    assert "Không thu lệ phí." in text
    assert "15/2023/QH15 Luật Khám bệnh, chữa bệnh 09/01/2023 01/01/2024" in text
    assert "Quyết định số 245/QĐ-UBND ngày 15/02/2024 của Ủy ban nhân dân tỉnh (ban hành mới)" in text
    # Other parts.
    assert "Sở Y tế tỉnh Nghệ An" in text and "Cấp tỉnh" in text
    assert "Công dân Việt Nam; Người nước ngoài" in text
    assert "Có văn bằng chuyên môn phù hợp." in text
    assert "Giấy phép hành nghề khám bệnh, chữa bệnh (GPHN)" in text
    assert "Dịch vụ bưu chính" in text  # a channel
    # Partial online: the call to action is there.
    assert "Nộp hồ sơ trực tuyến" in text


def test_procedure_page_cases_channels_steps_and_forms(client, catalogue):
    response = client.get("/thu-tuc/1.001193/")
    page = response.content.decode()
    text = visible(response)
    assert "Áp dụng cho mọi trường hợp Tên giấy tờ" in text
    assert "Trường hợp: Đăng ký khai sinh đúng hạn" in text and "Giấy chứng sinh" in text
    assert "Trường hợp: Đăng ký khai sinh quá hạn" in text and "Không bắt buộc" in text
    assert 'href="https://example.vn/bieu-mau/to-khai-khai-sinh.docx"' in page
    assert "1. Nộp hồ sơ" not in text  # ordered list numbers come from <ol>, not text
    assert "Nộp hồ sơ Người yêu cầu nộp hồ sơ" in text and "Kiểm tra và ghi Sổ hộ tịch" in text
    assert "Trực tiếp 1 ngày làm việc Không thu Nộp tại Bộ phận Một cửa UBND cấp xã" in text
    assert "60/2014/QH13 Luật Hộ tịch 20/11/2014 01/01/2016" in text
    assert "mã tại địa phương: 1.001193.000.00.00.H40" in text
    assert "Đang công khai từ ngày 01/07/2025." in text
    # A full-online procedure: the call to action explains it.
    assert "Nộp hồ sơ trực tuyến" in text and "trực tuyến toàn trình" in text


def test_procedure_page_fee_per_channel(client, catalogue):
    text = visible(client.get("/thu-tuc/1.004222/"))
    assert "Trực tiếp 7 ngày làm việc 20.000 ₫" in text
    assert "Trực tuyến 7 ngày làm việc 10.000 ₫" in text
    assert "20.000 ₫ Trực tiếp" in text and "10.000 ₫ Trực tuyến" in text  # charge table
    assert "Có bản điện tử" in text


def test_information_only_procedure_has_no_online_button(client, catalogue, agencies):
    data.add_fillers(agencies["justice"], 2, 1)  # filler 2 is information only
    text = visible(client.get("/thu-tuc/3.500002/"))
    assert "Nộp hồ sơ trực tuyến" not in text
    assert "chưa có dịch vụ nộp trực tuyến" in text


def test_abolished_procedure_is_readable_with_a_warning(client, catalogue):
    response = client.get("/thu-tuc/1.888888/")
    assert response.status_code == 200
    text = visible(response)
    assert "Thủ tục này đã bị bãi bỏ theo Quyết định số 99/QĐ-BTP" in text
    assert "Nộp hồ sơ trực tuyến" not in text


def test_unknown_or_draft_code_gets_a_vietnamese_404(client, catalogue):
    for code in ["9.999999", "1.999999", "abc", "1.001193x", "x" * 300, "%00"]:
        response = client.get(f"/thu-tuc/{code}/")
        assert response.status_code == 404, code
        text = visible(response)
        assert "Không tìm thấy thủ tục" in text, code
        assert "Thủ tục nháp" not in text  # 1.999999 is a draft
        assert 'action="/thu-tuc/"' in response.content.decode()  # a search box to carry on


def test_unknown_address_gets_the_portal_404(client, db):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in visible(response)


# Language ----------------------------------------------------------------------------------------------


def test_vietnamese_is_the_default(client, catalogue):
    response = client.get("/")
    assert '<html lang="vi">' in response.content.decode()
    assert "Tìm thủ tục hành chính" in visible(response)


def test_browser_language_does_not_override_vietnamese(client, catalogue):
    # A phone set to English still gets the Vietnamese portal until the user picks English.
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="vi">' in response.content.decode()
    assert "Tìm thủ tục hành chính" in visible(response)


def test_language_cookie_shows_english_home(client, catalogue):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    text = visible(response)
    assert '<html lang="en">' in response.content.decode()
    assert "Find an administrative procedure" in text
    assert "Public service portal, tỉnh Nghệ An" in text
    assert "Browse by level" in text and "Province-level procedures 2 procedures" in text


def test_language_cookie_shows_english_with_english_numbers(client, catalogue):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = visible(client.get("/thu-tuc/1.012345/"))
    assert "Required documents" in text and "Legal basis" in text and "Apply online" in text
    assert "1,500,000 ₫" in text
    assert "01/01/2024" in text  # dates stay dd/mm/yyyy


def test_language_switch_posts_to_set_language(client, catalogue):
    page = client.get("/thu-tuc/").content.decode()
    assert 'action="/i18n/setlang/"' in page and 'name="language" value="en"' in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/thu-tuc/?q=khai+sinh"})
    assert response.status_code == 302 and response["Location"] == "/thu-tuc/?q=khai+sinh"
    assert "Found 1 procedure for “khai sinh”" in visible(client.get(response["Location"]))


# Query counts --------------------------------------------------------------------------------------------


def test_home_query_count_is_constant(client, catalogue, agencies, django_assert_num_queries):
    with django_assert_num_queries(HOME_QUERIES):
        client.get("/")
    data.add_fillers(agencies["health"], 0, 5)
    with django_assert_num_queries(HOME_QUERIES):
        client.get("/")


def test_list_query_count_is_constant(client, catalogue, agencies, django_assert_num_queries):
    with django_assert_num_queries(LIST_QUERIES):
        client.get("/thu-tuc/")
    data.add_fillers(agencies["health"], 0, 21)
    # The first search after a catalogue change rebuilds the search index (procedures, results, synonyms).
    with django_assert_num_queries(LIST_QUERIES + 3):
        client.get("/thu-tuc/", {"q": "thu tuc"})
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/thu-tuc/", {"q": "thu tuc"})
    assert len(result_codes(response)) == 20
    with django_assert_num_queries(LIST_FILTERED_QUERIES):
        client.get(
            "/thu-tuc/", {"field": "X-1", "agency": agencies["health"].identifier, "level": "province"}
        )


def test_detail_query_count_is_constant(client, catalogue, agencies, django_assert_num_queries):
    with django_assert_num_queries(DETAIL_QUERIES):
        client.get("/thu-tuc/1.001193/")
    big = data.filler(99, agencies["health"].identifier)
    big["components"] = [{"code": f"C{i}", "name": f"Giấy tờ {i}", "form_code": "F1"} for i in range(40)]
    big["forms"] = [{"code": "F1", "name": "Mẫu", "url": "https://example.vn/f1.docx"}]
    big["legal_bases"] = [
        {"number": f"{i}/2024/NĐ-CP", "title": "Nghị định", "effective_on": "2024-07-01"} for i in range(15)
    ]
    big["cases"] = [{"code": f"TH{i}", "name": f"Trường hợp {i}"} for i in range(5)]
    for i, comp in enumerate(big["components"]):
        comp["case"] = f"TH{i % 5}" if i % 2 else None
    data.apply_record(big)
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get("/thu-tuc/3.500099/")
    assert "Giấy tờ 39" in visible(response)
