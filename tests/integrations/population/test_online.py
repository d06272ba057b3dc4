"""The population database lookup on the online form: the account holder (and the person filed for) checked
against the registry, shown as verified, and DSKetNoiCSDL on the dossier the draft files."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers.models import Dossier
from motcua.integrations.population.models import Lookup
from tests.clients import signed_in
from tests.online.conftest import CODE, png_bytes, upload
from tests.portal.test_pages import visible

from .sim import HOA, MINH, set_mode

pytestmark = pytest.mark.django_db


@pytest.fixture
def hoa(people):
    """The demo data set's congdan as load_demo makes her (the simulator knows her)."""
    citizen = people["congdan"]
    citizen.applicant.id_number, citizen.applicant.birth_date = HOA[0], date(1990, 3, 15)
    citizen.applicant.save()
    return citizen


def start(client, agencies) -> str:
    r = client.post(f"/nop-ho-so/{CODE}/", {"case": "TH1", "agency": agencies["justice"].identifier})
    assert r.status_code == 302
    return r["Location"].removesuffix("to-khai/")


def papers(**extra) -> dict:
    body = {
        "own-phone": "0912345678",
        "file-TP1": upload(),
        "file-TP2": SimpleUploadedFile("chung-sinh.png", png_bytes(), content_type="image/png"),
        "action": "next",
    }
    body.update(extra)
    return body


def test_the_account_holder_verified_and_the_dossier_records_it(
    hoa, agencies, procedure, platform, private_files, django_assert_max_num_queries, caplog
):
    caplog.set_level(logging.DEBUG)
    client = signed_in(hoa)
    base = start(client, agencies)
    page = client.get(base + "to-khai/")
    assert "Đối chiếu với CSDL quốc gia về dân cư" in visible(page) and "chưa đối chiếu" in visible(page)
    # session, user, applicant, draft, throttle check and count (5), the audit row
    with django_assert_max_num_queries(12):
        r = client.post(base + "doi-chieu-dan-cu/")
    assert r.status_code == 302 and r["Location"].endswith("to-khai/#population")
    # The form page as pinned in tests/online/test_queries.py (11), and the verdicts: one query more.
    with django_assert_max_num_queries(12):
        page = client.get(base + "to-khai/")
    assert "Chủ tài khoản (Nguyễn Thị Hoa): ✓ Đã đối chiếu với CSDL quốc gia về dân cư" in visible(page)
    row = Lookup.objects.get()
    assert (row.user, row.id_number, row.purpose, row.outcome) == (hoa, HOA[0], "online_self", "match")
    assert client.post(base + "to-khai/", papers()).status_code == 302
    assert client.post(base + "xem-lai/").status_code == 302
    d = Dossier.objects.get()
    assert d.national_databases == ["CSDLDC"] and d.applicant_id_number == HOA[0]
    row.refresh_from_db()
    assert row.dossier == d
    for personal in (HOA[0], "Hoa", "1990-03-15"):
        assert personal not in caplog.text


def test_filing_for_someone_else_verifies_that_person(hoa, agencies, procedure, platform, private_files):
    client = signed_in(hoa)
    base = start(client, agencies)
    behalf = {
        "on_behalf": "1",
        "app-kind": "citizen",
        "app-name": MINH[1],
        "app-id_number": MINH[0],
        "app-birth_date": "1985-07-22",
        "app-phone": "0987654321",
        "action": "save",
    }
    assert client.post(base + "to-khai/", behalf).status_code == 302
    assert client.post(base + "doi-chieu-dan-cu/").status_code == 302
    text = visible(client.get(base + "to-khai/"))
    assert "Người được nộp thay (Trần Văn Minh): ✓ Đã đối chiếu" in text
    assert {r.purpose: r.outcome for r in Lookup.objects.all()} == {
        "online_self": "match",
        "online_behalf": "match",
    }
    client.post(base + "to-khai/", papers(**{k: v for k, v in behalf.items() if k != "action"}))
    assert client.post(base + "xem-lai/").status_code == 302
    assert Dossier.objects.get().national_databases == ["CSDLDC"]


def test_a_mismatch_is_said_and_the_dossier_records_no_database(
    hoa, agencies, procedure, platform, private_files
):
    hoa.applicant.birth_date = date(1990, 3, 16)
    hoa.applicant.save()
    client = signed_in(hoa)
    base = start(client, agencies)
    assert client.post(base + "doi-chieu-dan-cu/").status_code == 302
    assert "Không khớp với CSDL quốc gia về dân cư: ngày sinh" in visible(client.get(base + "to-khai/"))
    client.post(base + "to-khai/", papers())
    assert client.post(base + "xem-lai/").status_code == 302
    assert Dossier.objects.get().national_databases == []


def test_platform_down_throttle_and_other_accounts(hoa, people, agencies, procedure, platform, settings):
    client = signed_in(hoa)
    base = start(client, agencies)
    set_mode(platform, "loi")
    assert client.post(base + "doi-chieu-dan-cu/").status_code == 302
    assert "Chưa đối chiếu được" in visible(client.get(base + "to-khai/"))
    assert Lookup.objects.get().error_code == "population_unavailable"
    set_mode(platform)
    settings.POPULATION_LIMITS_USER = [(1, 3600)]
    r = client.post(base + "doi-chieu-dan-cu/")
    assert r.status_code == 429 and "quá nhiều lần" in visible(r)
    assert client.get(base + "doi-chieu-dan-cu/").status_code == 405
    # Another account's draft key is simply not found; officers do not file online.
    for name in ("tiepnhan",):
        other = signed_in(people[name])
        assert other.post(base + "doi-chieu-dan-cu/").status_code in (403, 404)
    assert Lookup.objects.count() == 1
