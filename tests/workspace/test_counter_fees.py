"""The counter form's fee reductions (ADR 0032): a select of the case's reductions, applied at reception."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from motcua.catalog.services import apply_record
from motcua.dossiers.models import Dossier
from tests.api.catalog_data import record
from tests.portal.test_pages import visible
from tests.workspace.counter_data import CODE
from tests.workspace.test_counter import PARTS, URL, form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer(people, procedure):
    client = Client()
    client.force_login(people["tiepnhan"])
    return client


REDUCTIONS = [{"name": "Hộ nghèo", "percent": 100}, {"name": "Người cao tuổi", "percent": 50}]


@pytest.fixture
def procedure(agencies):
    """Two cases with their own counter fee; only the first lists reductions."""
    p, _ = apply_record(
        record(
            CODE,
            "Đăng ký khai sinh",
            levels=["province"],
            agencies=[agencies["justice"].identifier],
            cases=[{"code": "TH1", "name": "Đăng ký đúng hạn"}, {"code": "TH2", "name": "Đăng ký quá hạn"}],
            components=[
                {"code": "TP1", "name": "Tờ khai đăng ký khai sinh", "form_code": "TK1"},
                {"code": "TP2", "name": "Giấy chứng sinh", "copies": 1},
            ],
            fees=[
                {
                    "kind": "charge",
                    "amount": 8000,
                    "channel": "counter",
                    "case": "TH1",
                    "reductions": REDUCTIONS,
                },
                {"kind": "charge", "amount": 16000, "channel": "counter", "case": "TH2"},
            ],
        )
    )
    return p


def test_the_select_lists_the_cases_reductions_only_when_there_are_some(officer):
    html = officer.get(URL, {"thu_tuc": CODE}).content.decode()
    select = re.search(r'<select id="fee-reduction" name="fee_reduction".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    assert options == [
        ("", "Không thuộc đối tượng miễn, giảm"),
        ("Hộ nghèo", "Hộ nghèo — miễn"),
        ("Người cao tuổi", "Người cao tuổi — giảm 50%"),
    ]
    assert '<strong id="counter-fee-total">8.000 ₫</strong>' in html
    other = officer.get(PARTS, {"thu_tuc": CODE, "truong_hop": "TH2", "co_quan": "000.00.15.H40"})
    assert 'id="fee-reduction"' not in other.content.decode()
    assert '<strong id="counter-fee-total">16.000 ₫</strong>' in other.content.decode()


def test_receive_with_a_50_percent_reduction(officer, django_assert_max_num_queries):
    body = form(officer, fee_reduction="Người cao tuổi")
    with django_assert_max_num_queries(38):  # as without a reduction (test_counter)
        r = officer.post(URL, body)
    assert r.status_code == 200, visible(r)
    d = Dossier.objects.get()
    fee = d.fees.get()
    assert (fee.amount, fee.base_amount, fee.reduction, fee.reduction_percent) == (
        4000,
        8000,
        "Người cao tuổi",
        50,
    )
    assert (d.fee_total, d.fee_paid, fee.method) == (4000, 4000, "cash")
    assert "Đã thu phí, lệ phí 4.000 ₫" in visible(r)
    page = officer.get(f"/can-bo/ho-so/{d.code}/")
    assert "giảm 50% cho Người cao tuổi (mức thu 8.000 ₫)" in visible(page)


def test_an_exempted_applicant_pays_nothing_and_the_dossier_page_says_so(officer):
    r = officer.post(URL, form(officer, fee_reduction="Hộ nghèo", payment=""))
    assert r.status_code == 200, visible(r)
    d = Dossier.objects.get()
    assert (d.fee_total, d.fee_paid) == (0, 0) and not d.events.filter(action="pay").exists()
    assert (d.fees.get().amount, d.fees.get().exempted) == (0, True)
    text = visible(officer.get(f"/can-bo/ho-so/{d.code}/"))
    assert "Được miễn" in text and "miễn cho Hộ nghèo (mức thu 8.000 ₫)" in text and "Chưa nộp" not in text


def test_a_reduction_the_case_does_not_list_is_refused_beside_the_select(officer):
    r = officer.post(URL, form(officer, case="TH2", fee_reduction="Hộ nghèo"))
    assert r.status_code == 422 and not Dossier.objects.exists()
    # TH2 lists no reduction, so no select: the refusal is said in the fee panel.
    assert re.search(
        r'<p class="error" role="alert" id="fee-reduction-error">[^<]*“Hộ nghèo”', r.content.decode()
    )
    r = officer.post(URL, form(officer, fee_reduction="Sinh viên"))
    html = r.content.decode()
    assert r.status_code == 422 and not Dossier.objects.exists()
    assert re.search(r'<select id="fee-reduction"[^>]*aria-invalid="true"[^>]*autofocus', html)
    assert 'id="fee-reduction-error"' in html and "“Sinh viên”" in html
