"""The counter reception page (/can-bo/tiep-nhan/) driven with the test client as the reception officer."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from motcua.core.formatting import LOCAL_TZ
from motcua.dossiers import replay, services
from motcua.dossiers.models import Dossier, DossierEvent, DossierFile
from motcua.integrations.models import OutboxMessage
from tests.api.catalog_data import make_procedure as make_catalogue_procedure
from tests.portal.test_pages import visible
from tests.workspace.counter_data import CODE, FULL_METADATA, PDF, PID, make_procedure

pytestmark = pytest.mark.django_db

URL = "/can-bo/tiep-nhan/"
SEARCH = "/can-bo/tiep-nhan/tim-thu-tuc/"
PARTS = "/can-bo/tiep-nhan/thanh-phan/"
LOOKUP = "/can-bo/tiep-nhan/tra-cuu-nguoi-nop/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def procedure(agencies):
    return make_procedure(agencies)


@pytest.fixture
def foreign_procedure(agencies):
    """A procedure only another province's department carries out: not receivable here."""
    return make_catalogue_procedure(
        "1.009999",
        "Đăng ký khai sinh lưu động",
        levels=["province"],
        agencies=[agencies["foreign"].identifier],
    )


@pytest.fixture
def officer(people, procedure):
    client = Client()
    client.force_login(people["tiepnhan"])
    return client


def page_token(response) -> str:
    return re.search(r'name="idem" value="([^"]+)"', response.content.decode()).group(1)


def form(officer, **extra) -> dict:
    """A complete counter form for the test procedure, as the page posts it."""
    token = page_token(officer.get(URL, {"thu_tuc": CODE}))
    body = {
        "idem": token,
        "procedure": CODE,
        "case": "TH1",
        "agency": "000.00.15.H40",
        "tp": ["TP1", "TP2"],
        "so_ban_TP1": "1",
        "so_ban_TP2": "2",
        "kind": "citizen",
        "id_number": PID,
        "name": "Nguyễn Thị Hoa",
        "birth_date": "04/05/1990",
        "phone": "0912345678",
        "email": "hoa@example.vn",
        "address": "Vinh, Nghệ An",
        "payment": "cash",
        "action": "receive",
    }
    body.update(extra)
    return body


def scan(name: str = "to-khai.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


# ------------------------------------------------------------------------------------------ access
def test_only_reception_officers_open_the_counter(people, procedure, make_staff, agencies):
    assert Client().get(URL)["Location"].startswith("/dang-nhap/?next=")
    for name in ("congdan", "chuyenvien", "lanhdao", "admin"):
        client = Client()
        client.force_login(people[name])
        for path in (URL, f"{SEARCH}?q=khai+sinh", f"{PARTS}?thu_tuc={CODE}"):
            assert client.get(path).status_code == 404, (name, path)
        assert client.post(LOOKUP, {"id_number": PID}).status_code == 404, name
    assert Dossier.objects.count() == 0


def test_the_page_is_vietnamese_and_starts_in_the_search_box(officer, django_assert_max_num_queries):
    # (+1: the header's count of flagged payments, for a reception officer)
    with django_assert_max_num_queries(5):
        r = officer.get(URL)
    assert r.status_code == 200
    html = r.content.decode()
    assert re.search(r'<input id="counter-q"[^>]*accesskey="t"[^>]*autofocus', html, re.S)
    assert "Tìm thủ tục" in visible(r) and "<kbd>Alt+T</kbd>" in html
    assert "<script>" not in html and 'style="' not in html  # CSP: static files only


# ------------------------------------------------------------------------------------------ search
def test_search_is_accent_insensitive_and_shows_only_what_the_officer_may_receive(
    officer, foreign_procedure, django_assert_max_num_queries
):
    officer.get(SEARCH, {"q": "khai"}, **HTMX)  # the first search after a catalogue change builds the index
    # session, user, roles, the officer's agencies (header), the search index's generation check (ADR 0025),
    # the search itself
    with django_assert_max_num_queries(6):
        r = officer.get(SEARCH, {"q": "dang ky khai sinh"}, **HTMX)
    assert r.status_code == 200
    html = r.content.decode()
    assert f'id="thu-tuc-{CODE}"' in html and f'href="{URL}?thu_tuc={CODE}"' in html
    assert "1.009999" not in html, "another province's procedure is not offered"
    accented = officer.get(SEARCH, {"q": "Đăng ký khai sinh"}, **HTMX).content.decode()
    assert f'id="thu-tuc-{CODE}"' in accented
    assert "Không có thủ tục nào khớp" in visible(officer.get(SEARCH, {"q": "xyzxyz"}))
    # Without JavaScript the search form reloads the page with the same results.
    assert f'id="thu-tuc-{CODE}"' in officer.get(URL, {"q": "dang ky khai sinh"}).content.decode()


def test_a_chosen_procedure_shows_cases_papers_time_due_date_and_fee(officer, django_assert_max_num_queries):
    officer.get(URL, {"thu_tuc": CODE})  # the calendar snapshot and the version are cached per process
    # session, user, roles, the officer's agencies, the procedure, its agencies the officer may receive for,
    # the header's count of flagged payments
    with django_assert_max_num_queries(7):
        r = officer.get(URL, {"thu_tuc": CODE})
    assert r.status_code == 200
    html, text = r.content.decode(), visible(r)
    assert '<select id="counter-case" name="truong_hop"' in html and "Đăng ký quá hạn" in text
    assert 'id="tp-TP1"' in html and 'id="tp-TP2"' in html and 'id="tp-TP4"' not in html  # TH2's paper
    assert re.search(r'id="tp-TP3"(?![^>]*data-demanded)', html), "a paper replaced by data is not demanded"
    assert "Không yêu cầu nộp (đã thay thế bằng dữ liệu)" in text
    assert "3 ngày làm việc" in text and re.search(
        r'id="counter-due-preview">\d\d:\d\d \d\d/\d\d/\d{4}<', html
    )
    assert "8.000 ₫" in text and 'id="fee-method"' in html
    assert re.search(r'id="scan-TP1" name="scan_TP1"', html)
    # Another case: its papers replace the list (htmx).
    parts = officer.get(PARTS, {"thu_tuc": CODE, "truong_hop": "TH2", "co_quan": "000.00.15.H40"}, **HTMX)
    assert 'id="tp-TP4"' in parts.content.decode() and 'name="case" value="TH2"' in parts.content.decode()
    assert officer.get(URL, {"thu_tuc": "1.009999"}).status_code == 404


# ------------------------------------------------------------------------------------------ receive
def test_receive_with_the_fee_collected_in_cash(officer, people, django_assert_max_num_queries):
    body = form(officer)
    # the page's reads (7, with the header's count of flagged payments), intake with its receipt notices (15:
    # one transaction), pay (8: another), per event the portal's own outbox message (2, ADR 0023), and the
    # payments whose receipts the result offers
    with django_assert_max_num_queries(38):
        r = officer.post(URL, body)
    assert r.status_code == 200, visible(r)
    d = Dossier.objects.get()
    assert (d.status, d.channel, d.case_code, d.applicant_name) == (2, 1, "TH1", "Nguyễn Thị Hoa")
    assert d.applicant_birth_date == date(1990, 5, 4), "typed dd/mm/yyyy as on the papers"
    assert sorted(d.components.values_list("code", "copies")) == [("TP1", 1), ("TP2", 2)]
    fee = d.fees.get()
    assert (fee.amount, fee.method, fee.paid_at is not None) == (8000, "cash", True)
    assert (d.fee_total, d.fee_paid) == (8000, 8000)
    pay = d.events.get(action="pay")
    assert (pay.actor, pay.from_status, pay.to_status) == (people["tiepnhan"], 2, 2)
    html, text = r.content.decode(), visible(r)
    assert f'<strong id="result-code">{d.code}</strong>' in html
    assert f'<strong id="result-due">{d.due_at.astimezone(LOCAL_TZ):%d/%m/%Y}</strong>' in html
    assert re.search(
        rf'<a id="counter-form-01" class="button" href="/api/v1/dossiers/{re.escape(d.code)}/forms/01" target="_blank"',
        html,
    )
    assert f'href="/can-bo/ho-so/{d.code}/"' in html and 'id="counter-new"' in html
    assert "Đã thu phí, lệ phí 8.000 ₫ (Tiền mặt tại bộ phận một cửa)" in text
    assert replay.differences(d) == {}


def test_a_double_submit_creates_one_dossier(officer):
    body = form(officer)
    first = officer.post(URL, body)
    second = officer.post(URL, body)
    assert Dossier.objects.count() == 1 and DossierEvent.objects.filter(action="pay").count() == 1
    code = Dossier.objects.get().code
    assert code in first.content.decode() and code in second.content.decode()
    assert "đã được gửi trước đó" in visible(second)


def test_a_transfer_needs_its_reference_and_nothing_is_created_without_it(officer):
    r = officer.post(URL, form(officer, payment="transfer", reference=""))
    assert r.status_code == 422
    assert not Dossier.objects.exists()
    html = r.content.decode()
    assert re.search(r'<input id="fee-reference"[^>]*autofocus', html)
    assert "mã giao dịch" in visible(r)
    ok = officer.post(URL, form(officer, payment="transfer", reference="FT25227001"))
    assert ok.status_code == 200
    assert Dossier.objects.get().fees.get().reference == "FT25227001"


def test_the_fee_choice_is_explicit_and_can_wait(officer):
    r = officer.post(URL, form(officer, payment=""))
    assert r.status_code == 422 and not Dossier.objects.exists()
    assert "Chọn thu phí" in visible(r)
    r = officer.post(URL, form(officer, payment="later"))
    d = Dossier.objects.get()
    assert (d.status, d.fee_paid) == (2, 0) and "Chưa thu phí, lệ phí 8.000 ₫" in visible(r)


def test_errors_stay_beside_their_fields_and_create_nothing(officer):
    r = officer.post(URL, form(officer, id_number="12345", name=""))
    assert r.status_code == 422 and not Dossier.objects.exists()
    html = r.content.decode()
    assert re.search(r'<input id="applicant-name"[^>]*aria-invalid="true"[^>]*autofocus', html)
    assert 'id="applicant-name-error">Thiếu' in html
    assert 'value="Vinh, Nghệ An"' in html and 'id="tp-TP2" name="tp" value="TP2"' in html, "typed stays"
    r = officer.post(URL, form(officer, id_number="12345"))
    assert r.status_code == 422 and not Dossier.objects.exists()
    assert "12 chữ số" in visible(r) and 'id="applicant-id-number-error"' in r.content.decode()
    r = officer.post(URL, form(officer, birth_date="31/02/1990"))
    assert r.status_code == 422 and not Dossier.objects.exists()
    assert re.search(
        r'<input id="applicant-birth-date"[^>]*value="31/02/1990"[^>]*aria-invalid', r.content.decode()
    )
    assert "dd/mm/yyyy" in visible(r)


def test_a_paper_replaced_by_data_is_not_demanded_but_a_missing_one_is(officer):
    r = officer.post(URL, form(officer, tp=["TP1"]))
    assert r.status_code == 422 and not Dossier.objects.exists()
    html = r.content.decode()
    assert "Giấy chứng sinh" in visible(r) and '<details id="counter-guide" class="counter-alt" open>' in html
    ok = officer.post(URL, form(officer))  # TP3 (replaced by data) not ticked
    assert ok.status_code == 200 and Dossier.objects.get().status == 2


# ------------------------------------------------------------------------------- guide and refuse
def test_guidance_once_in_writing_names_each_missing_paper(officer):
    body = form(
        officer,
        tp=["TP1"],
        action="guide",
        other_items="Bản sao sổ hộ khẩu\n\n",
        reason_guide="Thiếu giấy tờ",
    )
    r = officer.post(URL, body)
    assert r.status_code == 200, visible(r)
    d = Dossier.objects.get()
    assert (d.status, d.guidance_count, d.received_at, d.fee_paid) == (5, 1, None, 0)
    event = d.events.get(action="request_supplement")
    assert (
        event.data["items"] == ["Giấy chứng sinh", "Bản sao sổ hộ khẩu"] and event.reason == "Thiếu giấy tờ"
    )
    html = r.content.decode()
    assert f'href="/api/v1/dossiers/{d.code}/forms/02"' in html and 'target="_blank"' in html
    assert "Giấy chứng sinh" in visible(r)
    again = officer.post(URL, body)
    assert Dossier.objects.count() == 1 and again.status_code == 200


def test_a_guidance_with_nothing_to_guide_creates_nothing(officer):
    r = officer.post(URL, form(officer, action="guide"))
    assert r.status_code == 422 and not Dossier.objects.exists() and not OutboxMessage.objects.exists()
    assert "Không có giấy tờ nào cần bổ sung" in visible(r)
    assert re.search(r'<textarea id="guide-items"[^>]*autofocus', r.content.decode())


def test_refusal_with_its_reason(officer):
    r = officer.post(URL, form(officer, action="refuse", reason_refuse="Không thuộc thẩm quyền"))
    assert r.status_code == 200, visible(r)
    d = Dossier.objects.get()
    assert (d.status, d.refused_at is not None) == (3, True)
    assert d.events.get(action="refuse").reason == "Không thuộc thẩm quyền"
    assert (
        f'id="counter-form-03" class="button" href="/api/v1/dossiers/{d.code}/forms/03"' in r.content.decode()
    )
    r = officer.post(URL, form(officer, action="refuse", reason_refuse=""))
    assert r.status_code == 422 and Dossier.objects.count() == 1
    assert re.search(r'<textarea id="refuse-reason"[^>]*autofocus', r.content.decode())


# ------------------------------------------------------------------------------------------- scans
def test_a_scan_with_complete_metadata_is_digitised_and_the_portal_learns_it(officer, people):
    r = officer.post(URL, {**form(officer), "scan_TP1": scan(), **FULL_METADATA})
    assert r.status_code == 200, visible(r)
    d = Dossier.objects.get()
    f = DossierFile.objects.get()
    # The holder defaults to the applicant's number (blank holder field).
    assert (f.component.code, f.digitised, f.holder_id_number, f.valid_indefinitely) == (
        "TP1",
        True,
        PID,
        True,
    )
    assert f.uploaded_by == people["tiepnhan"]
    assert (
        d.digitised and d.components.get(code="TP1").digitised and not d.components.get(code="TP2").digitised
    )
    event = d.events.get(action="digitise")
    assert (event.from_status, event.to_status, event.data["component"]) == (2, 2, "TP1")
    last = OutboxMessage.objects.filter(key=d.code).order_by("-id").first()
    assert any(m.payload["dossier"]["digitised"] for m in OutboxMessage.objects.filter(key=d.code))
    assert last.payload["event"]["action"] in ("digitise", "pay")
    assert replay.differences(d) == {}
    assert "đã số hóa" in visible(r)


def test_a_scan_without_complete_metadata_is_kept_but_not_digitised(officer):
    partial = {k: v for k, v in FULL_METADATA.items() if not k.endswith("content_summary")}
    r = officer.post(URL, {**form(officer), "scan_TP1": scan(), **partial})
    assert r.status_code == 200
    d = Dossier.objects.get()
    assert DossierFile.objects.get().digitised is False
    assert not d.digitised and not d.components.get(code="TP1").digitised
    assert not d.events.filter(action="digitise").exists()
    assert "chưa đủ siêu dữ liệu" in visible(r)


def test_a_scan_that_is_not_a_pdf_or_image_stops_the_reception(officer):
    r = officer.post(URL, {**form(officer), "scan_TP2": scan("a.pdf", b"MZ\x90\x00 not a pdf")})
    assert r.status_code == 422 and not Dossier.objects.exists()
    assert "Chỉ nhận tệp PDF, JPG hoặc PNG" in visible(r)
    assert re.search(r'<details class="paper-scan" open>', r.content.decode())


def test_api_upload_takes_the_metadata_and_only_the_one_stop_digitises(people, procedure, api_as):
    from tests.dossiers.test_files import pdf, upload

    officer_api, citizen_api = api_as(people["tiepnhan"]), api_as(people["congdan"])
    meta = {k.removeprefix("m_TP1__"): v for k, v in FULL_METADATA.items()}
    online = citizen_api.post("/dossiers", {**_api_body(), "channel": 2}).json()["code"]
    r = citizen_api.upload(
        f"/dossiers/{online}/files", {"file": pdf(), "component": "TP1", "holder_id_number": PID, **meta}
    )
    assert r.status_code == 201, r.content
    assert (r.json()["digitised"], r.json()["metadata"]["holder_id_number"]) == (False, PID)
    assert not Dossier.objects.get(code=online).digitised
    received = officer_api.post("/dossiers", {**_api_body(), "channel": 1}).json()["code"]
    r = officer_api.upload(
        f"/dossiers/{received}/files", {"file": pdf(), "component": "TP1", "holder_id_number": PID, **meta}
    )
    assert r.status_code == 201 and r.json()["digitised"] is True
    assert Dossier.objects.get(code=received).digitised
    bad = officer_api.upload(
        f"/dossiers/{received}/files", {"file": pdf(), "valid_from": "2025-02-01", "valid_to": "2025-01-01"}
    )
    assert (bad.status_code, bad.json()["code"], bad.json()["details"]["field"]) == (
        422,
        "invalid_field",
        "valid_to",
    )
    assert upload(officer_api, received, pdf()).status_code == 201, "metadata stays optional"


def _api_body() -> dict:
    return {
        "procedure": CODE,
        "agency": "000.00.15.H40",
        "applicant": {"kind": "citizen", "name": "Nguyễn Thị Hoa", "id_number": PID},
        "components": [{"code": "TP1"}, {"code": "TP2"}],
    }


# ------------------------------------------------------------------------------------------ lookup
@pytest.fixture
def earlier(people, procedure):
    """An earlier counter dossier of the same person, with contact details."""
    at = datetime(2025, 8, 15, 9, tzinfo=LOCAL_TZ)
    return services.submit_dossier(
        people["tiepnhan"],
        {
            **_api_body(),
            "channel": 1,
            "applicant": {
                "kind": "citizen",
                "name": "Nguyễn Thị Hoa",
                "id_number": PID,
                "birth_date": "1990-05-04",
                "phone": "0987654321",
                "email": "hoa.nguyen@example.vn",
                "address": "Số 5 Lê Lợi, Vinh",
            },
        },
        at=at,
    )


def test_lookup_fills_the_applicant_from_the_latest_dossier(officer, earlier, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        r = officer.post(LOOKUP, {"id_number": PID}, **HTMX)
    assert r.status_code == 200
    html = r.content.decode()
    assert html.lstrip().startswith('<fieldset id="counter-applicant"')
    for value in ("Nguyễn Thị Hoa", "04/05/1990", "0987654321", "hoa.nguyen@example.vn", "Số 5 Lê Lợi, Vinh"):
        assert f'value="{value}"' in html, value
    assert re.search(r'<input id="applicant-name"[^>]*autofocus', html)
    # Without JavaScript the whole page comes back, filled, keeping the rest of the form.
    page = officer.post(LOOKUP, {**form(officer, name="", phone=""), "id_number": PID})
    assert page.status_code == 200 and 'value="0987654321"' in page.content.decode()
    assert 'id="tp-TP1"' in page.content.decode()


def test_lookup_is_posted_checked_and_throttled(officer, earlier, settings):
    assert officer.get(LOOKUP, {"id_number": PID}).status_code == 405
    r = officer.post(LOOKUP, {"id_number": "12345"}, **HTMX)
    assert r.status_code == 422 and "12 chữ số" in visible(r)
    unknown = officer.post(LOOKUP, {"id_number": "001090000001"}, **HTMX)
    assert unknown.status_code == 200 and "Chưa có hồ sơ hay tài khoản" in visible(unknown)
    settings.APPLICANT_LOOKUP_LIMITS_OFFICER = [(3, 3600)]
    for _ in range(2):
        assert officer.post(LOOKUP, {"id_number": PID}, **HTMX).status_code == 200
    blocked = officer.post(LOOKUP, {"id_number": PID}, **HTMX)
    assert blocked.status_code == 429 and "Tra cứu quá nhiều lần" in visible(blocked)
    assert PID not in blocked.content.decode().replace(f'value="{PID}"', "")


def test_lookup_uses_the_citizen_account_when_there_is_no_dossier(officer, people):
    r = officer.post(LOOKUP, {"id_number": PID}, **HTMX)
    html = r.content.decode()
    assert (
        'value="Nguyễn Thị Hoa"' in html and 'value="0912345678"' in html and 'value="hoa@example.vn"' in html
    )
