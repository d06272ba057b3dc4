"""The printed forms over HTTP: the API's `/dossiers/{code}/forms/{number}` and `/forms/06`, and the
staff pages' links, with the same answers for whoever may not see a dossier or a book."""

from __future__ import annotations

import pytest

from tests.documents.conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(named, api_as):
    return {name: api_as(user) for name, user in named.items()}


def test_a_form_comes_as_an_inline_pdf_and_its_content_as_json(lifecycle, clients):
    r = clients["congdan"].get(f"/dossiers/{lifecycle.code}/forms/01")  # the applicant's own receipt
    assert r.status_code == 200
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert r["Content-Disposition"] == f'inline; filename="{lifecycle.code}-mau01.pdf"'
    assert (r["Cache-Control"], r["X-Content-Type-Options"]) == ("private, no-store", "nosniff")
    body = clients["chuyenvien"].get(f"/dossiers/{lifecycle.code}/forms/5", format="json").json()
    assert (body["form"], body["format"], body["pdf_available"]) == ("05", "data", True)
    assert body["data"]["rows"][0]["to"] == "Sở Tư pháp tỉnh Nghệ An"
    r = clients["tiepnhan"].get(f"/dossiers/{lifecycle.code}/forms/01", format="docx")
    assert (r.status_code, r.json()["code"], r.json()["details"]["field"]) == (422, "invalid_field", "format")


def test_the_404_rules_of_the_forms(lifecycle, refused, clients, api_as, make_staff, agencies):
    from django.contrib.auth import get_user_model

    stranger = api_as(get_user_model().objects.create_user("nguoikhac", password="x"))
    cases = [
        (stranger, lifecycle.code, "01", "dossier_not_found"),  # not visible: as if it did not exist
        (clients["tiepnhan"], "000.00.00.H40-250815-9999", "01", "dossier_not_found"),
        (stranger, lifecycle.code, "99", "dossier_not_found"),  # the dossier is checked first
        (clients["tiepnhan"], lifecycle.code, "03", "form_not_applicable"),  # it was not refused
        (clients["tiepnhan"], refused.code, "01", "form_not_applicable"),  # never received
        (clients["tiepnhan"], lifecycle.code, "06", "unknown_form"),
        (clients["tiepnhan"], lifecycle.code, "x1", "unknown_form"),
    ]
    for client, code, number, expected in cases:
        for params in ({}, {"format": "json"}):
            r = client.get(f"/dossiers/{code}/forms/{number}", **params)
            assert (r.status_code, r.json()["code"]) == (404, expected), (code, number, params)
    assert api_as(None).get(f"/dossiers/{lifecycle.code}/forms/01").status_code == 401


@pytest.mark.parametrize("number", ["01", "05"])
def test_the_form_endpoint_reads_a_fixed_number_of_rows(
    lifecycle, clients, number, django_assert_num_queries
):
    clients["tiepnhan"].get(f"/dossiers/{lifecycle.code}/forms/{number}")  # warm the calendar and fonts
    # token, roles, dossier (with its procedure, version and agencies), components, fees, events (with
    # their agencies), then the log book line (01) or the names of the people handed to (05), and the
    # issuing unit that signs it
    with django_assert_num_queries(8):
        r = clients["tiepnhan"].get(f"/dossiers/{lifecycle.code}/forms/{number}")
    assert r.status_code == 200


def test_a_form_is_signed_by_the_unit_that_issues_it(lifecycle, clients, settings):
    from motcua.documents import signing
    from motcua.documents.signing import pades

    pdf = clients["tiepnhan"].get(f"/dossiers/{lifecycle.code}/forms/01").content
    check = pades.check(pdf, signing.get().trust_roots())
    assert check.valid, check.reason
    assert check.signed_by == lifecycle.receiving_agency.name
    # A unit without signing credentials still prints its forms (stamped on paper at the counter).
    settings.MOTCUA_SIGNING_AUTO_ENROL = False
    settings.MOTCUA_SIGNING_DIR = settings.MOTCUA_SIGNING_DIR.parent / "nobody"
    unsigned = clients["tiepnhan"].get(f"/dossiers/{lifecycle.code}/forms/01").content
    assert unsigned.startswith(b"%PDF") and b"/ByteRange" not in unsigned


def test_the_log_book_endpoint_answers_pdf_or_xlsx_to_the_units_staff(lifecycle, clients):
    period = {"agency": "000.00.00.H40", "from": "2025-08-01", "to": "2025-08-31"}
    r = clients["tiepnhan"].get("/forms/06", **period)
    assert (r.status_code, r["Content-Type"]) == (200, "application/pdf") and r.content.startswith(b"%PDF")
    assert r["Content-Disposition"] == 'inline; filename="000.00.00.H40-mau06-20250801-20250831.pdf"'
    r = clients["tiepnhan"].get("/forms/06", format="xlsx", **period)
    assert r.status_code == 200 and r.content.startswith(b"PK")  # a zip: the XLSX container
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r["Content-Disposition"] == 'attachment; filename="000.00.00.H40-mau06-20250801-20250831.xlsx"'
    refusals = [
        (clients["chuyenvien"], period, 403, "logbook_forbidden"),
        (clients["congdan"], period, 403, "logbook_forbidden"),
        (clients["tiepnhan"], {**period, "agency": "nope"}, 404, "agency_not_found"),
        (clients["tiepnhan"], {**period, "to": "2024-08-01"}, 422, "invalid_period"),
        (clients["tiepnhan"], {**period, "from": "2024-01-01"}, 422, "invalid_period"),
        (clients["tiepnhan"], {**period, "format": "csv"}, 422, "invalid_field"),
        (clients["tiepnhan"], {"from": "2025-08-01"}, 422, "missing_field"),
    ]
    for client, params, status, code in refusals:
        r = client.get("/forms/06", **params)
        assert (r.status_code, r.json()["code"]) == (status, code), params


def test_the_log_book_reads_a_fixed_number_of_rows_however_long(
    named, counter, clients, django_assert_num_queries
):
    for day in range(1, 21):
        counter(at=local(2025, 8, day, 9))
    params = {"agency": "000.00.00.H40", "from": "2025-08-10", "to": "2025-08-31", "format": "xlsx"}
    clients["tiepnhan"].get("/forms/06", **params)
    # token, agency (with its former identifiers and counters), roles, the lines with their first
    # hand-over, and the count of the year's lines before the period
    with django_assert_num_queries(7):
        r = clients["tiepnhan"].get("/forms/06", **params)
    assert r.status_code == 200


def test_a_supplement_request_takes_plain_items_or_items_with_their_own_reasons(named, counter, clients):
    d = counter(at=local(2025, 8, 15, 9))
    assert clients["tiepnhan"].post(f"/dossiers/{d.code}/actions/forward").status_code == 200
    bad = clients["chuyenvien"].post(
        f"/dossiers/{d.code}/actions/request_supplement", {"reason": "Thiếu", "items": [{"reason": "x"}]}
    )
    assert (bad.status_code, bad.json()["details"]["field"]) == (422, "items[0].name")
    body = {
        "reason": "Hồ sơ chưa đầy đủ",
        "items": ["Tờ khai", {"name": "Giấy chứng sinh", "reason": "Bản chụp, cần bản sao chứng thực"}],
    }
    r = clients["chuyenvien"].post(f"/dossiers/{d.code}/actions/request_supplement", body)
    assert r.status_code == 200, r.content
    items = clients["congdan"].get(f"/dossiers/{d.code}/forms/02", format="json").json()["data"]["items"]
    assert items == [
        {"name": "Tờ khai", "reason": "Hồ sơ chưa đầy đủ"},
        {"name": "Giấy chứng sinh", "reason": "Bản chụp, cần bản sao chứng thực"},
    ]
