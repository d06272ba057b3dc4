"""The result pages (ADR 0019): the public verification page /ket-qua/{code}/ (and /ket-qua/), and the
results on the officer's dossier page with the leader's revoke form."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from motcua.documents.models import Result
from tests.documents.test_results import one_byte_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(lifecycle):
    return Result.objects.get(dossier=lifecycle)


def status_of(html: str) -> str:
    return re.search(r'id="result-status"[^>]*data-status="(\w+)"', html).group(1)


def logged(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_public_page_shows_a_valid_result_without_personal_data(issued, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        r = Client().get(f"/ket-qua/{issued.code}/")
    html = r.content.decode()
    assert r.status_code == 200 and status_of(html) == "valid"
    for shown in (issued.code, "Giấy khai sinh", "Sở Tư pháp tỉnh Nghệ An", 'id="verify-upload"'):
        assert shown in html
    assert "Nguyễn Thị Hoa" not in html and "038190001234" not in html and "style=" not in html


def test_an_uploaded_copy_is_judged_on_the_page(issued):
    client = Client()
    data = issued.file.read()
    good = client.post(f"/ket-qua/{issued.code}/", {"file": SimpleUploadedFile("kq.pdf", data)})
    assert status_of(good.content.decode()) == "valid"
    bad = client.post(
        f"/ket-qua/{issued.code}/", {"file": SimpleUploadedFile("kq.pdf", one_byte_changed(data))}
    )
    html = bad.content.decode()
    assert status_of(html) == "invalid" and "không phải bản đã ban hành" in html


def test_a_revoked_result_says_so_with_time_and_reason(issued, named):
    client = logged(named["lanhdao"])
    r = client.post(f"/ket-qua/{issued.code}/thu-hoi/", {"reason": "Cấp nhầm người"})
    assert r.status_code == 302 and r["Location"].endswith(f"/can-bo/ho-so/{issued.dossier.code}/#results")
    html = Client().get(f"/ket-qua/{issued.code}/").content.decode()
    assert status_of(html) == "revoked" and "Cấp nhầm người" in html


def test_the_lookup_form_and_unknown_codes(db):
    client = Client()
    assert client.get("/ket-qua/").status_code == 200
    r = client.get("/ket-qua/", {"ma": " ABC-KQ1 "})
    assert r.status_code == 302 and r["Location"] == "/ket-qua/ABC-KQ1/"
    r = client.get("/ket-qua/ABC-KQ1/")
    assert r.status_code == 404 and "Không có kết quả điện tử mã" in r.content.decode()


def test_the_officer_page_lists_results_and_only_the_leader_gets_the_revoke_form(issued, named):
    url = f"/can-bo/ho-so/{issued.dossier.code}/"
    html = logged(named["lanhdao"]).get(url).content.decode()
    assert 'id="results"' in html and 'id="revoke-1"' in html
    assert f"/api/v1/dossiers/{issued.dossier.code}/results/{issued.code}/file" in html
    html = logged(named["chuyenvien"]).get(url).content.decode()
    assert 'id="results"' in html and issued.code in html and 'id="revoke-1"' not in html
    r = logged(named["chuyenvien"]).post(f"/ket-qua/{issued.code}/thu-hoi/", {"reason": "x"})
    assert r.status_code == 302
    issued.refresh_from_db()
    assert not issued.revoked
    r = logged(named["lanhdao"]).post(f"/ket-qua/{issued.code}/thu-hoi/", {"reason": ""}, follow=True)
    assert "Thiếu" in r.content.decode()
    issued.refresh_from_db()
    assert not issued.revoked
