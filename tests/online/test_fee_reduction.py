"""The online review page's fee reductions (ADR 0032): shown with the fees, claimed when submitting."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from motcua.catalog.services import apply_record
from motcua.dossiers.models import Dossier
from motcua.online.models import Draft
from tests.api.catalog_data import record
from tests.clients import signed_in
from tests.portal.test_pages import visible

from .conftest import CODE

pytestmark = pytest.mark.django_db

REDUCTIONS = [{"name": "Hộ nghèo", "percent": 100}, {"name": "Người cao tuổi", "percent": 50}]


@pytest.fixture
def procedure(agencies):
    p, _ = apply_record(
        record(
            CODE,
            "Đăng ký khai sinh",
            levels=["province"],
            agencies=[agencies["justice"].identifier],
            cases=[{"code": "TH1", "name": "Đăng ký đúng hạn"}, {"code": "TH2", "name": "Đăng ký quá hạn"}],
            components=[{"code": "TP1", "name": "Tờ khai", "required": False}],
            fees=[
                {
                    "kind": "charge",
                    "amount": 10000,
                    "channel": "online",
                    "case": "TH1",
                    "reductions": REDUCTIONS,
                },
                {"kind": "charge", "amount": 20000, "channel": "online", "case": "TH2"},
            ],
        )
    )
    return p


def draft(citizen, procedure, agencies, case: str = "TH1") -> Draft:
    return Draft.objects.create(
        owner=citizen,
        procedure=procedure,
        case_code=case,
        agency=agencies["justice"],
        step=Draft.Step.REVIEW,
        own_contact={"phone": "0912345678"},
    )


def review_url(d: Draft) -> str:
    return reverse("online:review", args=[CODE, d.key])


def test_the_review_page_lists_the_fees_and_the_reductions(
    citizen, procedure, agencies, django_assert_max_num_queries
):
    client = signed_in(citizen)
    mine = draft(citizen, procedure, agencies)
    client.get(review_url(mine))  # warm: the session, the version cache
    with django_assert_max_num_queries(9):  # tests/online/test_queries.py: the review page's figure
        r = client.get(review_url(mine))
    html = r.content.decode()
    assert r.status_code == 200 and '<strong id="review-fee-total">10.000 ₫</strong>' in html
    select = re.search(r'<select id="fee-reduction" name="fee_reduction".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', select) == ["", "Hộ nghèo", "Người cao tuổi"]
    other = client.get(review_url(draft(citizen, procedure, agencies, "TH2"))).content.decode()
    assert 'id="fee-reduction"' not in other and '<strong id="review-fee-total">20.000 ₫</strong>' in other


def test_submitting_with_a_reduction(citizen, procedure, agencies):
    client = signed_in(citizen)
    r = client.post(review_url(draft(citizen, procedure, agencies)), {"fee_reduction": "Người cao tuổi"})
    assert r.status_code == 302, visible(r)
    d = Dossier.objects.get()
    assert list(d.fees.values_list("amount", "base_amount", "reduction")) == [(5000, 10000, "Người cao tuổi")]


def test_an_exempted_dossier_shows_as_such_in_my_dossiers(citizen, procedure, agencies):
    client = signed_in(citizen)
    client.post(review_url(draft(citizen, procedure, agencies)), {"fee_reduction": "Hộ nghèo"})
    d = Dossier.objects.get()
    assert d.fee_total == 0 and d.fees.get().exempted
    text = visible(client.get(reverse("personal:dossier", kwargs={"code": d.code})))
    assert "Được miễn" in text and "Miễn cho đối tượng “Hộ nghèo” (mức thu 10.000 ₫)." in text


def test_an_unknown_reduction_is_said_beside_the_select_and_files_nothing(citizen, procedure, agencies):
    client = signed_in(citizen)
    mine = draft(citizen, procedure, agencies)
    r = client.post(review_url(mine), {"fee_reduction": "Sinh viên"})
    html = r.content.decode()
    assert r.status_code == 422 and not Dossier.objects.exists() and Draft.objects.filter(pk=mine.pk).exists()
    assert 'id="fee-reduction-error"' in html and "“Sinh viên”" in html
    # The amounts shown are the full ones: the claim was refused.
    assert '<strong id="review-fee-total">10.000 ₫</strong>' in html
