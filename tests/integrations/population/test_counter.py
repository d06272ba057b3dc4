"""The population database lookup at the counter: the reception form filled and verified from the registry,
every lookup in the audit log, and DSKetNoiCSDL on the dossier the verified form files."""

from __future__ import annotations

import logging
import re

import pytest
from django.test import Client

from motcua.dossiers.models import Dossier
from motcua.integrations.population.models import Lookup
from tests.portal.test_pages import visible
from tests.workspace.counter_data import make_procedure
from tests.workspace.test_counter import HTMX, URL, form

from .sim import HOA, set_mode

pytestmark = pytest.mark.django_db
LOOKUP = "/can-bo/tiep-nhan/tra-cuu-dan-cu/"
HOA_ID, HOA_NAME, HOA_BORN = HOA


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer(people, agencies):
    make_procedure(agencies)
    client = Client()
    client.force_login(people["tiepnhan"])
    return client


def applicant(officer, **values) -> dict:
    """The applicant part of a fresh counter form, as the lookup button posts it (htmx's hx-params)."""
    body = form(officer, id_number=HOA_ID, name=HOA_NAME, birth_date=HOA_BORN, address="", phone="")
    body.update(values)
    keep = ("idem", "kind", "id_number", "tax_code", "name", "birth_date", "phone", "email", "address")
    return {k: v for k, v in body.items() if k in keep}


def test_the_button_shows_only_when_the_platform_is_configured(officer, platform, settings):
    assert 'id="applicant-population"' in officer.get(URL, {"thu_tuc": "1.001193"}).content.decode()
    settings.POPULATION_URL = ""
    assert 'id="applicant-population"' not in officer.get(URL, {"thu_tuc": "1.001193"}).content.decode()


def test_a_match_fills_and_verifies_the_applicant(officer, platform, people, django_assert_max_num_queries):
    body = applicant(officer, name="nguyễn thị hoa")
    # session, user, roles, agencies, throttle check, its count (savepoint, insert, update, purge, release),
    # the audit row
    with django_assert_max_num_queries(11):
        r = officer.post(LOOKUP, body, **HTMX)
    assert r.status_code == 200, visible(r)
    html = r.content.decode()
    assert html.lstrip().startswith('<fieldset id="counter-applicant"')
    assert 'value="Nguyễn Thị Hoa"' in html and 'value="15/03/1990"' in html
    assert 'value="Số 12 ngõ 5 đường Lê Lợi, phường Thành Vinh, tỉnh Nghệ An"' in html  # permanent address
    text = visible(r)
    assert "Đã đối chiếu với CSDL quốc gia về dân cư" in text and "Giới tính Nữ" in text
    assert re.search(r'<input type="hidden" name="population" value="[^"]+"', html)
    row = Lookup.objects.get()
    assert (row.user, row.id_number, row.purpose, row.outcome) == (
        people["tiepnhan"],
        HOA_ID,
        "counter",
        "match",
    )
    assert row.reference == f"counter:{body['idem']}" and row.dossier is None and row.transaction
    # Without JavaScript the whole page comes back, filled, the rest of the form kept.
    page = officer.post(LOOKUP, {**form(officer, id_number=HOA_ID, name=HOA_NAME, birth_date=HOA_BORN)})
    assert page.status_code == 200 and 'id="tp-TP1"' in page.content.decode()
    assert "Đã đối chiếu" in visible(page)


def test_mismatch_not_found_and_invalid_input(officer, platform):
    r = officer.post(LOOKUP, applicant(officer, birth_date="16/03/1990"), **HTMX)
    assert r.status_code == 200 and "không khớp: Ngày sinh" in visible(r)
    assert 'name="population"' not in r.content.decode() and "Nguyễn Thị Hoa" in r.content.decode()
    r = officer.post(LOOKUP, applicant(officer, id_number="001090000001", birth_date="01/01/1990"), **HTMX)
    assert r.status_code == 200 and "Không có số định danh này" in visible(r)
    r = officer.post(LOOKUP, applicant(officer, birth_date=""), **HTMX)
    assert r.status_code == 422 and "Nhập ngày sinh" in visible(r)
    r = officer.post(LOOKUP, applicant(officer, id_number="12345"), **HTMX)
    assert r.status_code == 422 and "12 chữ số" in visible(r)
    outcomes = list(Lookup.objects.order_by("id").values_list("outcome", "mismatched"))
    assert outcomes == [("mismatch", ["birth_date"]), ("not_found", [])]  # invalid input is never sent
    assert officer.get(LOOKUP).status_code == 405


def test_platform_failures_are_said_and_logged_without_personal_data(officer, platform, settings, caplog):
    caplog.set_level(logging.DEBUG)
    set_mode(platform, "loi")
    r = officer.post(LOOKUP, applicant(officer), **HTMX)
    assert r.status_code == 503 and "Không kết nối được Cơ sở dữ liệu quốc gia về dân cư" in visible(r)
    set_mode(platform)
    settings.POPULATION_CLIENT_SECRET = "sai"
    r = officer.post(LOOKUP, applicant(officer), **HTMX)
    assert r.status_code == 502 and "từ chối tài khoản kết nối" in visible(r)
    rows = list(Lookup.objects.order_by("id").values_list("outcome", "error_code"))
    assert rows == [("error", "population_unavailable"), ("error", "population_auth_failed")]
    assert "population_unavailable" in caplog.text
    for personal in (HOA_ID, "Hoa", "1990", "15/03"):
        assert personal not in caplog.text, personal


def test_lookups_are_throttled_per_officer(officer, platform, settings):
    settings.POPULATION_LIMITS_USER = [(2, 3600)]
    for _ in range(2):
        assert officer.post(LOOKUP, applicant(officer), **HTMX).status_code == 200
    r = officer.post(LOOKUP, applicant(officer), **HTMX)
    assert r.status_code == 429 and "quá nhiều lần" in visible(r)
    assert Lookup.objects.count() == 2  # refused before the platform: nothing sent


def test_only_reception_officers(people, platform, agencies):
    make_procedure(agencies)
    for name in ("congdan", "chuyenvien", "admin"):
        client = Client()
        client.force_login(people[name])
        assert client.post(LOOKUP, {"id_number": HOA_ID}).status_code == 404
    assert Lookup.objects.count() == 0


def test_a_verified_form_records_the_population_database(officer, platform):
    body = form(officer, id_number=HOA_ID, name=HOA_NAME, birth_date=HOA_BORN)
    r = officer.post(LOOKUP, body, **HTMX)
    proof = re.search(r'name="population" value="([^"]+)"', r.content.decode()).group(1)
    done = officer.post(URL, {**body, "population": proof})
    assert done.status_code == 200, visible(done)
    d = Dossier.objects.get()
    assert d.national_databases == ["CSDLDC"]
    assert Lookup.objects.get().dossier == d


def test_the_proof_holds_only_for_its_form_number_and_officer(
    officer, platform, people, make_staff, agencies
):
    body = form(officer, id_number=HOA_ID, name=HOA_NAME, birth_date=HOA_BORN)
    proof = re.search(
        r'name="population" value="([^"]+)"', officer.post(LOOKUP, body, **HTMX).content.decode()
    ).group(1)
    # Another number typed after the lookup: the dossier is filed, without DSKetNoiCSDL.
    other = form(officer, id_number="038190001234", name=HOA_NAME, birth_date="04/05/1990")
    officer.post(URL, {**other, "population": proof})
    # Another form (token) with the same number, and a forged proof.
    officer.post(
        URL, {**form(officer, id_number=HOA_ID, name=HOA_NAME, birth_date=HOA_BORN), "population": proof}
    )
    officer.post(
        URL, {**form(officer, id_number=HOA_ID, name=HOA_NAME, birth_date=HOA_BORN), "population": "x:y"}
    )
    assert [d.national_databases for d in Dossier.objects.order_by("id")] == [[], [], []]
    assert Lookup.objects.get().dossier is None
