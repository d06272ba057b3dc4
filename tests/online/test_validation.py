"""Bad uploads and bad forms: a Vietnamese message next to the field, and nothing stored (no rows, no bytes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers.models import Dossier, DossierFile
from motcua.online.models import Draft, DraftFile
from tests.clients import signed_in

from .conftest import CODE, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
BAD_UPLOADS = {
    "wrong type": (
        SimpleUploadedFile("ghi-chu.txt", b"xin chao\n", "text/plain"),
        "không phải PDF, JPG hoặc PNG",
    ),
    "renamed executable": (
        SimpleUploadedFile("to-khai.pdf", PE, "application/pdf"),
        "không phải PDF, JPG hoặc PNG",
    ),
    "renamed ELF": (SimpleUploadedFile("anh.jpg", ELF, "image/jpeg"), "không phải PDF, JPG hoặc PNG"),
    "empty": (SimpleUploadedFile("rong.pdf", b"", "application/pdf"), "rỗng"),
    "broken pdf": (
        SimpleUploadedFile("hong.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", "application/pdf"),
        "bị hỏng, không mở được như tệp PDF",
    ),
    "truncated pdf": (SimpleUploadedFile("cut.pdf", pdf_bytes()[:120], "application/pdf"), "bị hỏng"),
    "broken png": (
        SimpleUploadedFile("hong.png", png_bytes()[:30], "image/png"),
        "bị hỏng, không mở được như ảnh",
    ),
}


@pytest.fixture
def draft(citizen, agencies, procedure):
    client = signed_in(citizen)
    client.post(f"/nop-ho-so/{CODE}/", {"case": "TH1", "agency": agencies["justice"].identifier})
    d = Draft.objects.get()
    d.client = client
    d.url = f"/nop-ho-so/{CODE}/{d.key}/to-khai/"
    return d


def nothing_stored(private_files: Path, draft: Draft) -> None:
    assert not DraftFile.objects.exists()
    assert not DossierFile.objects.exists() and not Dossier.objects.exists()
    assert not [p for p in private_files.rglob("*") if p.is_file()] if private_files.exists() else True
    fresh = Draft.objects.get(pk=draft.pk)
    assert fresh.own_contact == {} and fresh.summary == ""


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_a_bad_upload_is_refused_next_to_its_field_and_nothing_is_stored(case, draft, private_files):
    bad, message = BAD_UPLOADS[case]
    response = draft.client.post(
        draft.url,
        {
            "own-phone": "0912345678",
            "summary": "Khai sinh",
            "file-TP2": upload(),
            "file-TP1": bad,
            "action": "save",
        },
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert 'id="file-TP1-error"' in text and message in text
    assert 'id="file-TP2-error"' not in text  # the good file was fine, but nothing is kept either
    nothing_stored(private_files, draft)


def test_a_file_over_the_size_limit_is_refused(draft, private_files, settings):
    settings.DOSSIER_FILE_MAX_BYTES = 2048
    big = pdf_bytes() + b"%" + b"x" * 4096
    response = draft.client.post(draft.url, {"own-phone": "0912345678", "file-TP1": upload("lon.pdf", big)})
    assert response.status_code == 422
    text = response.content.decode()
    assert 'id="file-TP1-error"' in text and "Tệp &#x27;lon.pdf&#x27; lớn quá 2 KB" in text
    nothing_stored(private_files, draft)


def test_a_password_protected_pdf_is_refused(draft, private_files):
    import io

    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=100, height=100)
    w.encrypt("bi-mat")
    out = io.BytesIO()
    w.write(out)
    response = draft.client.post(
        draft.url, {"own-phone": "0912345678", "file-TP1": upload("mk.pdf", out.getvalue())}
    )
    assert response.status_code == 422 and "đặt mật khẩu" in response.content.decode()
    nothing_stored(private_files, draft)


def test_too_many_files(draft, private_files, settings):
    settings.ONLINE_DRAFT_MAX_FILES = 2
    client = draft.client
    assert (
        client.post(
            draft.url, {"own-phone": "0912345678", "file-TP1": upload(), "file-TP2": upload("b.pdf")}
        ).status_code
        == 302
    )
    stored = sorted(p for p in private_files.rglob("*") if p.is_file())
    response = client.post(draft.url, {"own-phone": "0912345678", "file-TP3": upload("c.pdf")})
    assert response.status_code == 422
    text = response.content.decode()
    assert 'id="file-TP3-error"' in text and "tối đa 2 tệp" in text
    assert DraftFile.objects.count() == 2
    assert sorted(p for p in private_files.rglob("*") if p.is_file()) == stored


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"own-phone": "12345"}, "own-phone", "Số điện thoại không hợp lệ"),
        ({"own-phone": "0912345678", "own-email": "hoa-at-example"}, "own-email", "thư điện tử không hợp lệ"),
        (
            {"on_behalf": "1", "app-name": "Trần Văn Bình", "app-id_number": "12345"},
            "app-id-number",
            "đúng 12 chữ số",
        ),
        (
            {"on_behalf": "1", "app-name": "Bình", "app-id_number": "999085001122"},
            "app-id-number",
            "không hợp lệ",
        ),
        (
            {
                "on_behalf": "1",
                "app-name": "Bình",
                "app-id_number": "040085001122",
                "app-birth_date": "1990-01-01",
            },
            "app-id-number",
            "không khớp ngày sinh 01/01/1990",
        ),
        (
            {"on_behalf": "1", "app-name": "Bình", "app-birth_date": "31/02/1990"},
            "app-birth-date",
            "dd/mm/yyyy",
        ),
        ({"on_behalf": "1", "app-name": "x" * 201}, "app-name", "Họ và tên dài quá 200 ký tự"),
        ({"on_behalf": "1", "app-name": "Bình\x00"}, "app-name", "ký tự không hợp lệ"),
        ({"on_behalf": "1", "app-kind": "alien"}, "app-kind", "phải là một trong"),
        ({"own-phone": "0912345678", "summary": "x" * 2001}, "summary", "Trích yếu dài quá 2000 ký tự"),
    ],
)
def test_a_bad_field_is_refused_next_to_it_and_nothing_is_stored(
    draft, private_files, fields, field, message
):
    response = draft.client.post(draft.url, {**fields, "file-TP1": upload()})
    assert response.status_code == 422
    text = response.content.decode()
    assert message in text
    if field != "app-kind":
        assert f'id="{field}-error"' in text
    nothing_stored(private_files, draft)
    assert Draft.objects.get(pk=draft.pk).applicant == {}


def test_a_reuse_key_of_someone_else_is_refused(draft, private_files, warehouse, people, make_staff):
    from django.contrib.auth import get_user_model

    from motcua.directory.models import Applicant

    other = get_user_model().objects.create_user(username="khac", password="x")
    Applicant.objects.create(user=other, full_name="Lê Văn Khác", id_number="040085009999")
    client = signed_in(other)
    client.post(f"/nop-ho-so/{CODE}/", {"case": "TH1", "agency": warehouse["dossier"].agency.identifier})
    theirs = Draft.objects.get(owner=other)
    response = client.post(
        f"/nop-ho-so/{CODE}/{theirs.key}/to-khai/",
        {"own-phone": "0912345678", "reuse-TP2": f"f{warehouse['paper'].pk}"},
    )
    assert response.status_code == 422
    assert "Không có giấy tờ này trong kho dữ liệu của bạn" in response.content.decode()
    assert not DraftFile.objects.exists()


def test_a_file_for_a_paper_outside_the_case_is_refused(draft, private_files):
    response = draft.client.post(draft.url, {"own-phone": "0912345678", "file-TP5": upload()})
    assert response.status_code == 422
    assert not DraftFile.objects.exists()
