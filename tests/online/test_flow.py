"""The online submission flow through Django's test client: case → e-form → review → submit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.access import vneid
from motcua.dossiers.models import Dossier, DossierFile, Reuse
from motcua.online.models import Draft, DraftFile
from tests.clients import signed_in

from .conftest import CODE, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def start(client, agencies, case="TH1") -> Draft:
    response = client.post(f"/nop-ho-so/{CODE}/", {"case": case, "agency": agencies["justice"].identifier})
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = Draft.objects.get()
    assert response["Location"] == f"/nop-ho-so/{CODE}/{draft.key}/to-khai/"
    return draft


def form_url(draft: Draft) -> str:
    return f"/nop-ho-so/{CODE}/{draft.key}/to-khai/"


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_full_flow_with_upload_and_warehouse_reuse(
    citizen, agencies, procedure, warehouse, private_files, django_capture_on_commit_callbacks
):
    client = signed_in(citizen)
    session = client.session
    session[vneid.SESSION_KEY] = "038190001234"  # as motcua.access.vneid.remember leaves it
    session.save()

    page = client.get(f"/nop-ho-so/{CODE}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="step-case"' in text and "Đăng ký quá hạn" in text and "Sở Y tế tỉnh Nghệ An" in text

    draft = start(client, agencies)
    assert len(draft.key) >= 24 and draft.owner == citizen and draft.case_code == "TH1"

    page = client.get(form_url(draft))
    text = page.content.decode()
    assert page.status_code == 200 and 'id="step-form"' in text
    # Prefilled from the account; identity shown, not editable; contact details editable.
    assert "Nguyễn Thị Hoa" in text and "038190001234" in text
    assert 'name="own-phone" value="0912345678"' in text
    assert 'name="own-name"' not in text and 'name="own-id_number"' not in text
    # The case's papers with required marks; the other case's paper is not there.
    for code in ("TP1", "TP2", "TP3", "TP4"):
        assert f'id="component-{code}"' in text
    assert 'id="component-TP5"' not in text
    assert "Cơ quan tự khai thác dữ liệu" in text
    # The warehouse's papers are offered for reuse.
    result, paper = warehouse["result"], warehouse["paper"]
    assert f'value="r{result.pk}"' in text and f'value="f{paper.pk}"' in text

    # Save a draft with one upload and a reused warehouse paper.
    response = client.post(
        form_url(draft),
        {
            "own-phone": "0987 654 321",
            "own-email": "hoa.moi@example.vn",
            "own-address": "Vinh, Nghệ An",
            "summary": "Đăng ký khai sinh cho con",
            "file-TP1": upload("to-khai.pdf"),
            "reuse-TP2": f"f{paper.pk}",
            "reuse-TP3": f"r{result.pk}",
            "action": "save",
        },
    )
    assert response.status_code == 302 and "saved=1" in response["Location"]
    held = {f.component_code: f for f in DraftFile.objects.filter(draft=draft)}
    assert set(held) == {"TP1", "TP2", "TP3"}
    assert held["TP1"].file and private_files.joinpath(held["TP1"].file.name).is_file()
    assert held["TP2"].reuse_key == f"f{paper.pk}" and not held["TP2"].file
    assert held["TP3"].result_code == result.code
    draft.refresh_from_db()
    assert draft.own_contact == {
        "phone": "0987654321",
        "email": "hoa.moi@example.vn",
        "address": "Vinh, Nghệ An",
    }

    # Resume from the list: the draft link leads back to its step.
    listing = client.get("/nop-ho-so/").content.decode()
    assert f"/nop-ho-so/{CODE}/{draft.key}/" in listing and "Đăng ký khai sinh" in listing
    assert client.get(f"/nop-ho-so/{CODE}/{draft.key}/")["Location"] == form_url(draft)

    # On to the review.
    response = client.post(
        form_url(draft),
        {
            "own-phone": "0987654321",
            "own-email": "hoa.moi@example.vn",
            "summary": "Đăng ký khai sinh cho con",
            "action": "next",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("/xem-lai/")
    review = client.get(response["Location"])
    text = review.content.decode()
    assert review.status_code == 200 and 'id="step-review"' in text and 'id="submit-dossier"' in text
    assert "to-khai.pdf" in text and result.code in text and "Hồ sơ chưa đủ" not in text

    # Submit (the draft's bytes go when the transaction commits).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response["Location"])
    assert response.status_code == 302
    d = Dossier.objects.exclude(pk=warehouse["dossier"].pk).get()
    assert response["Location"] == f"/nop-ho-so/da-nop/{d.code}/"
    assert d.status == 1 and d.channel == 2 and d.case_code == "TH1"
    assert d.applicant_user == citizen and d.applicant_name == "Nguyễn Thị Hoa"
    assert d.applicant_id_number == "038190001234" and d.applicant_phone == "0987654321"
    assert d.authorised is False and d.vneid_verified is True
    assert d.summary == "Đăng ký khai sinh cho con"
    assert sorted(d.components.values_list("code", flat=True)) == ["TP1", "TP2", "TP3"]
    files = {f.component.code: f for f in DossierFile.objects.filter(dossier=d).select_related("component")}
    assert files["TP1"].reused == Reuse.NO and files["TP1"].name == "to-khai.pdf"
    assert files["TP2"].reused == Reuse.WAREHOUSE and files["TP2"].reused_from_id == paper.pk
    assert files["TP2"].sha256 == paper.sha256 and files["TP2"].replacing_result == ""
    assert files["TP3"].reused == Reuse.WAREHOUSE and files["TP3"].replacing_result == result.code
    assert files["TP3"].reused_from_id is None and files["TP3"].sha256 == result.sha256
    for f in files.values():
        assert private_files.joinpath(f.file.name).read_bytes()  # copied, not linked
    # The draft and its bytes are gone; the warehouse originals stay.
    assert not Draft.objects.exists() and not DraftFile.objects.exists()
    assert not list(private_files.joinpath("drafts").rglob("*.pdf"))
    assert (
        private_files.joinpath(paper.file.name).is_file()
        and private_files.joinpath(result.file.name).is_file()
    )

    done = client.get(response["Location"])
    text = done.content.decode()
    assert done.status_code == 200 and f'id="dossier-code">{d.code}<' in text
    assert 'href="/ca-nhan/"' in text and "In biên nhận" in text

    # A second submit of the same draft (a reload) lands on the same dossier.
    again = client.post(f"/nop-ho-so/{CODE}/{draft.key}/xem-lai/")
    assert again.status_code == 302 and again["Location"] == f"/nop-ho-so/da-nop/{d.code}/"
    assert Dossier.objects.count() == 2


def test_filing_for_someone_else_keeps_typed_data_apart(citizen, agencies, procedure):
    client = signed_in(citizen)
    draft = start(client, agencies)
    page = client.get(form_url(draft)).content.decode()
    assert 'id="on-behalf"' in page and 'name="app-name" value=""' in page  # empty, not prefilled
    response = client.post(
        form_url(draft),
        {
            "on_behalf": "1",
            "app-kind": "citizen",
            "app-name": "Trần Văn Bình",
            "app-id_number": "040085001122",
            "app-birth_date": "1985-03-02",
            "app-phone": "0901234567",
            "app-address": "Cửa Lò, Nghệ An",
            # The account's own contact fields are posted too (a browser without JS shows both sections):
            # they must not leak into the typed person.
            "own-phone": "0912345678",
            "own-email": "hoa@example.vn",
            "file-TP1": upload(),
            "file-TP2": SimpleUploadedFile("chung-sinh.png", png_bytes(), content_type="image/png"),
            "action": "next",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    review = client.get(response["Location"]).content.decode()
    assert "Trần Văn Bình" in review and "Người nộp thay (ủy quyền)" in review and "02/03/1985" in review
    response = client.post(response["Location"])
    assert response.status_code == 302
    d = Dossier.objects.get()
    assert d.applicant_name == "Trần Văn Bình" and d.applicant_id_number == "040085001122"
    assert (
        d.applicant_phone == "0901234567"
        and d.applicant_email == ""
        and d.applicant_address == "Cửa Lò, Nghệ An"
    )
    assert d.authorised is True
    assert d.authorised_name == "Nguyễn Thị Hoa" and d.authorised_id_number == "038190001234"
    assert d.applicant_user == citizen  # the account that filed follows it
    assert d.vneid_verified is False


def test_missing_required_papers_are_flagged_and_refused(citizen, agencies, procedure):
    client = signed_in(citizen)
    draft = start(client, agencies)
    response = client.post(
        form_url(draft), {"own-phone": "0912345678", "file-TP1": upload(), "action": "next"}
    )
    assert response.status_code == 302
    review = client.get(response["Location"])
    text = review.content.decode()
    assert "Thiếu giấy tờ bắt buộc: Giấy chứng sinh" in text
    assert re.search(r'id="submit-dossier"\s+disabled', text)
    refused = client.post(response["Location"])
    assert refused.status_code == 422
    assert "Thiếu thành phần hồ sơ bắt buộc: Giấy chứng sinh" in refused.content.decode()
    assert not Dossier.objects.exists()
    assert DraftFile.objects.count() == 1  # the draft stays, with its paper


def test_missing_contact_on_next_is_said_next_to_the_field(citizen, agencies, procedure):
    client = signed_in(citizen)
    draft = start(client, agencies)
    response = client.post(form_url(draft), {"on_behalf": "1", "app-phone": "0912345678", "action": "next"})
    assert response.status_code == 422
    text = response.content.decode()
    assert 'id="app-name-error"' in text and "Nhập họ và tên" in text
    assert 'id="app-id-number-error"' in text
    draft.refresh_from_db()
    assert draft.step == "form"


def test_case_change_drops_papers_of_the_old_case(
    citizen, agencies, procedure, private_files, django_capture_on_commit_callbacks
):
    client = signed_in(citizen)
    draft = start(client, agencies)
    client.post(
        form_url(draft), {"own-phone": "0912345678", "file-TP1": upload(), "file-TP2": upload("b.pdf")}
    )
    tp1 = DraftFile.objects.get(component_code="TP1")
    path = private_files / tp1.file.name
    assert path.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/nop-ho-so/{CODE}/{draft.key}/truong-hop/",
            {"case": "TH2", "agency": agencies["health"].identifier},
        )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.case_code == "TH2" and draft.agency == agencies["health"]
    assert list(DraftFile.objects.values_list("component_code", flat=True)) == ["TP2"]
    assert not path.exists()


def test_case_and_agency_must_be_chosen(citizen, agencies, procedure):
    response = signed_in(citizen).post(f"/nop-ho-so/{CODE}/", {})
    assert response.status_code == 422
    text = response.content.decode()
    assert "Chọn một trường hợp" in text and "Chọn cơ quan giải quyết" in text
    assert not Draft.objects.exists()


def test_remove_a_file_and_delete_the_draft(
    citizen, agencies, procedure, private_files, django_capture_on_commit_callbacks
):
    client = signed_in(citizen)
    draft = start(client, agencies)
    client.post(
        form_url(draft), {"own-phone": "0912345678", "file-TP1": upload(), "file-TP2": upload("b.pdf")}
    )
    one, two = DraftFile.objects.order_by("id")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_url(draft), {"own-phone": "0912345678", "remove": str(one.pk)})
    assert response.status_code == 302
    assert list(DraftFile.objects.all()) == [two]
    assert not (private_files / one.file.name).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/nop-ho-so/{CODE}/{draft.key}/xoa/")
    assert response.status_code == 302 and response["Location"] == "/nop-ho-so/?deleted=1"
    assert not Draft.objects.exists() and not DraftFile.objects.exists()
    assert not (private_files / two.file.name).exists()


def test_a_failed_submission_leaves_no_dossier_and_no_files(
    citizen, agencies, procedure, warehouse, private_files
):
    client = signed_in(citizen)
    draft = start(client, agencies)
    paper = warehouse["paper"]
    client.post(
        form_url(draft),
        {"own-phone": "0912345678", "file-TP1": upload(), "reuse-TP2": f"f{paper.pk}"},
    )
    # The warehouse copy changes on disk after it was chosen: its checksum no longer matches.
    (private_files / paper.file.name).write_bytes(pdf_bytes(3))
    before = sorted(p.name for p in stored_files(private_files / "dossiers"))
    response = client.post(f"/nop-ho-so/{CODE}/{draft.key}/xem-lai/")
    assert response.status_code == 422
    assert "không còn nguyên vẹn" in response.content.decode()
    assert Dossier.objects.count() == 1  # the warehouse's earlier dossier only
    assert DossierFile.objects.count() == 1  # its digitised paper only
    assert sorted(p.name for p in stored_files(private_files / "dossiers")) == before
    assert DraftFile.objects.filter(draft=draft).count() == 2  # the draft is kept to try again


def test_a_revoked_result_cannot_be_reused(citizen, agencies, procedure, warehouse):
    from django.utils import timezone

    result = warehouse["result"]
    result.revoked_at = timezone.now()
    result.save()
    client = signed_in(citizen)
    draft = start(client, agencies)
    text = client.get(form_url(draft)).content.decode()
    assert f'value="r{result.pk}"' not in text
    response = client.post(form_url(draft), {"own-phone": "0912345678", "reuse-TP2": f"r{result.pk}"})
    assert response.status_code == 422
    assert "đã bị thu hồi" in response.content.decode()
    assert not DraftFile.objects.exists()


def test_a_draft_upload_changed_at_rest_is_not_filed(citizen, agencies, procedure, private_files):
    client = signed_in(citizen)
    draft = start(client, agencies)
    client.post(form_url(draft), {"own-phone": "0912345678", "file-TP1": upload(), "file-TP2": upload()})
    kept = DraftFile.objects.filter(draft=draft, component_code="TP1").get()
    (private_files / kept.file.name).write_bytes(pdf_bytes(2))  # still a PDF, but not the one checked
    response = client.post(f"/nop-ho-so/{CODE}/{draft.key}/xem-lai/")
    assert response.status_code == 422
    assert "không khớp mã kiểm tra" in response.content.decode()
    assert not Dossier.objects.exists() and not DossierFile.objects.exists()
    assert DraftFile.objects.filter(draft=draft).count() == 2
