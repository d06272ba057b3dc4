"""Who may file online, what a stranger sees, and the procedures not offered online."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from motcua.directory.models import Applicant
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier
from motcua.online.models import Draft
from tests.clients import signed_in

from .conftest import CODE, OFFLINE, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(db):
    user = get_user_model().objects.create_user(username="khac", password="x")
    Applicant.objects.create(user=user, full_name="Lê Văn Khác", id_number="040085009999")
    return user


@pytest.fixture
def draft(citizen, agencies, procedure):
    signed_in(citizen).post(f"/nop-ho-so/{CODE}/", {"case": "TH1", "agency": agencies["justice"].identifier})
    return Draft.objects.get()


def test_anonymous_is_sent_to_sign_in(client, procedure):
    response = client.get(f"/nop-ho-so/{CODE}/")
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/?next=")


def test_another_accounts_draft_is_404_everywhere(other, draft, private_files):
    client = signed_in(other)
    base = f"/nop-ho-so/{CODE}/{draft.key}/"
    for path in ("", "truong-hop/", "to-khai/", "xem-lai/"):
        response = client.get(base + path)
        assert response.status_code == 404, path
        assert "Không có hồ sơ nháp này" in response.content.decode()
    for path in ("to-khai/", "xem-lai/", "xoa/", "truong-hop/"):
        assert client.post(base + path, {"own-phone": "0912345678", "file-TP1": upload()}).status_code == 404
    assert Draft.objects.filter(pk=draft.pk).exists() and not draft.files.exists()
    assert not Dossier.objects.exists()
    # The other account's draft list does not show it.
    assert draft.key not in client.get("/nop-ho-so/").content.decode()


def test_a_draft_under_another_procedure_code_is_404(citizen, draft, offline_procedure, agencies):
    from motcua.catalog.services import apply_record
    from tests.api.catalog_data import record

    apply_record(record("1.000001", "Thủ tục khác", agencies=[agencies["justice"].identifier]))
    assert signed_in(citizen).get(f"/nop-ho-so/1.000001/{draft.key}/to-khai/").status_code == 404


@pytest.mark.parametrize("who", ["tiepnhan", "chuyenvien", "admin"])
def test_staff_are_told_officers_receive_at_the_counter(people, procedure, who):
    response = signed_in(people[who]).get(f"/nop-ho-so/{CODE}/")
    assert response.status_code == 403
    assert "Cán bộ tiếp nhận hồ sơ tại quầy" in response.content.decode()
    response = signed_in(people[who]).post(f"/nop-ho-so/{CODE}/", {"case": "TH1", "agency": "000.00.15.H40"})
    assert response.status_code == 403 and not Draft.objects.exists()


def test_an_account_without_applicant_data_is_refused(procedure):
    bare = get_user_model().objects.create_user(username="trong", password="x")
    response = signed_in(bare).get(f"/nop-ho-so/{CODE}/")
    assert response.status_code == 403 and "chưa có thông tin người dân" in response.content.decode()


def test_not_offered_online_says_where_to_go(citizen, client, offline_procedure, agencies):
    for c in (client, signed_in(citizen)):  # said to anyone, before any sign-in
        response = c.get(f"/nop-ho-so/{OFFLINE}/")
        assert response.status_code == 409
        text = response.content.decode()
        assert "chưa được cung cấp dịch vụ công trực tuyến" in text
        assert "bộ phận một cửa" in text and "bưu chính công ích" in text
        assert agencies["justice"].name in text
    assert signed_in(citizen).post(f"/nop-ho-so/{OFFLINE}/", {"case": "TH1"}).status_code == 409
    assert not Draft.objects.exists()


def test_not_offered_online_is_refused_by_the_api_too(citizen, offline_procedure, agencies, api_as):
    response = api_as(citizen).post(
        "/dossiers", {"procedure": OFFLINE, "channel": 2, "components": [{"code": "TP2"}]}
    )
    assert response.status_code == 422 and response.json()["code"] == "not_offered_online"


@pytest.mark.parametrize("code", ["9.999999", "abc", "x" * 300])
def test_unknown_procedure_is_a_404_page(citizen, code):
    response = signed_in(citizen).get(f"/nop-ho-so/{code}/")
    assert response.status_code == 404


def test_unpublished_procedure_is_a_404_page(citizen, agencies):
    from motcua.catalog.services import apply_record
    from tests.api.catalog_data import record

    apply_record(record("1.000777", "Thủ tục nháp", publication_state="draft"))
    assert signed_in(citizen).get("/nop-ho-so/1.000777/").status_code == 404


def test_confirmation_page_is_the_filers_only(citizen, other, procedure, agencies):
    d = dossier_services.submit_dossier(
        citizen,
        {
            "procedure": CODE,
            "agency": agencies["justice"].identifier,
            "channel": 2,
            "case": "TH1",
            "components": [{"code": "TP1"}, {"code": "TP2"}],
        },
    )
    assert signed_in(citizen).get(f"/nop-ho-so/da-nop/{d.code}/").status_code == 200
    assert signed_in(other).get(f"/nop-ho-so/da-nop/{d.code}/").status_code == 404


def test_procedure_page_leads_to_the_online_submission(client, procedure):
    text = client.get(f"/thu-tuc/{CODE}/").content.decode()
    assert f'href="/nop-ho-so/{CODE}/"' in text and "đang được hoàn thiện" not in text
