"""The citizen's own space (/ca-nhan/): my dossiers, one dossier (supplement online, withdraw, results,
forms), the personal data warehouse, and downloads that re-check ownership and checksums."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from motcua.directory.models import Applicant
from motcua.documents import warehouse
from motcua.documents.models import Result
from motcua.dossiers import files, services
from motcua.dossiers.models import Dossier, DossierFile, private_storage
from tests.clients import signed_in
from tests.dossiers.conftest import local, procedure, submission  # noqa: F401 (fixture)
from tests.portal.test_pages import visible
from tests.workspace import documents

pytestmark = pytest.mark.django_db

PDF = documents.pdf("Giay to")
HOME = "/ca-nhan/"
WAREHOUSE = "/ca-nhan/kho-du-lieu/"


def page_of(code: str) -> str:
    return f"/ca-nhan/ho-so/{code}/"


def pdf_upload(name="bo-sung.pdf", body=PDF):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


@pytest.fixture
def hoa(people):
    return signed_in(people["congdan"])


@pytest.fixture
def submit(people, procedure):  # noqa: F811
    def make(at=None, **extra):
        return services.submit_dossier(people["congdan"], submission(**extra), at=at or local(2025, 8, 15, 9))

    return make


@pytest.fixture
def waiting(people, submit):
    """A congdan online dossier received, forwarded and waiting for a supplement (status 5)."""
    d = submit()
    services.perform(people["tiepnhan"], d.code, "accept", at=local(2025, 8, 15, 10))
    services.perform(people["tiepnhan"], d.code, "forward", at=local(2025, 8, 15, 11))
    return services.perform(
        people["chuyenvien"],
        d.code,
        "request_supplement",
        reason="Bản sao chưa chứng thực",
        items=["Giấy chứng sinh (bản sao chứng thực)", {"name": "Sổ hộ khẩu", "reason": "Bản mờ"}],
        note="Ghi chú nội bộ: hỏi lại phòng hộ tịch",
        at=local(2025, 8, 18, 9),
    )


@pytest.fixture
def stranger(db):
    user = get_user_model().objects.create_user(username="nguoila", password="demo")
    Applicant.objects.create(user=user, kind="citizen", full_name="Lê Văn Tám", id_number="040090005678")
    return user


def make_result(d: Dossier, owner, *, n=1, body=PDF, agency=None, **extra) -> Result:
    r = Result(
        dossier=d,
        n=n,
        code=f"{d.code}-KQ{n}",
        name="Giấy khai sinh (bản điện tử)",
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        issuing_agency=agency or d.agency,
        signed_by="Sở Tư pháp tỉnh Nghệ An",
        signed_at=local(2025, 8, 20, 10),
        owner=owner,
        owner_id_number=getattr(getattr(owner, "applicant", None), "id_number", ""),
        **extra,
    )
    r.file.save("kq.pdf", ContentFile(body), save=False)
    r.save()
    return r


# ---------------------------------------------------------------------------------------- who gets in


def test_signed_out_goes_to_sign_in_and_staff_to_their_workspace(client, people):
    for path in (HOME, WAREHOUSE, page_of("000.00.00.H40-250815-0001")):
        r = client.get(path)
        assert r.status_code == 302 and r["Location"].startswith("/dang-nhap/?next=%2Fca-nhan%2F")
    assert signed_in(people["chuyenvien"]).get(HOME)["Location"] == "/can-bo/"
    assert signed_in(people["tiepnhan"]).get(HOME)["Location"] == "/can-bo/tiep-nhan/"


# ---------------------------------------------------------------------------------------- my dossiers


def test_my_dossiers_lists_only_mine_newest_first_with_labels_dates_and_badges(hoa, people, waiting, submit):
    other = services.submit_dossier(
        people["tiepnhan"],
        submission(
            channel=1, applicant={**submission()["applicant"], "name": "Khác", "id_number": "040090005678"}
        ),
        at=local(2025, 8, 16, 9),
    )
    newer = submit(at=local(2025, 8, 19, 9))
    r = hoa.get(HOME)
    assert r.status_code == 200
    html = r.content.decode()
    codes = re.findall(r'data-code="([^"]+)"', html)
    assert codes == [newer.code, waiting.code]  # another person's counter dossier: not in it
    assert other.code not in html
    text = visible(r)
    assert "Yêu cầu bổ sung giấy tờ" in text and "Mới đăng ký" in text
    assert "Cần bổ sung hồ sơ" in text  # the badge on the waiting one
    assert (
        "15/08/2025" in text
        and waiting.due_at.astimezone(timezone.get_current_timezone()).strftime("%d/%m/%Y") in text
    )
    assert 'id="ho-so-nhap"' in html  # the drafts' place
    # Filters by status group.
    r = hoa.get(HOME, {"nhom": "can-bo-sung"})
    assert re.findall(r'data-code="([^"]+)"', r.content.decode()) == [waiting.code]
    r = hoa.get(HOME, {"nhom": "da-co-ket-qua"})
    assert re.findall(r'data-code="([^"]+)"', r.content.decode()) == []
    assert "Không có hồ sơ nào trong nhóm này" in visible(r)


def test_my_dossiers_pages_by_cursor(hoa, submit, settings, monkeypatch):
    from motcua.portal import personal

    monkeypatch.setattr(personal, "PAGE_SIZE", 2)
    made = [submit(at=local(2025, 8, 11 + i, 9)).code for i in range(5)]
    seen = []
    url = HOME
    for _ in range(3):
        r = hoa.get(url)
        html = r.content.decode()
        seen += re.findall(r'data-code="([^"]+)"', html)
        found = re.search(r'rel="next" href="([^"]+)"', html)
        if not found:
            break
        url = HOME + found.group(1).replace("&amp;", "&")
    assert seen == list(reversed(made))
    assert hoa.get(HOME, {"sau": "rác"}).status_code == 400  # a hand-edited cursor: page 1 and why


def test_my_dossiers_query_count(hoa, submit, waiting, django_assert_max_num_queries):
    for i in range(5):
        submit(at=local(2025, 8, 11 + i, 9))
    with django_assert_max_num_queries(8):
        assert hoa.get(HOME).status_code == 200


# ---------------------------------------------------------------------------------------- one dossier


def test_someone_elses_dossier_and_unknown_codes_are_the_same_404(waiting, stranger):
    client = signed_in(stranger)
    assert client.get(page_of(waiting.code)).status_code == 404
    assert client.get(page_of("000.00.00.H40-250815-9999")).status_code == 404
    assert client.post(f"{page_of(waiting.code)}bo-sung/", {"version": waiting.version}).status_code == 404
    assert client.post(f"{page_of(waiting.code)}rut/", {"reason": "x", "confirmed": "1"}).status_code == 404
    assert Dossier.objects.get(pk=waiting.pk).status == 5


def test_the_page_shows_status_due_date_history_in_citizen_words_and_the_papers_asked_for(hoa, waiting):
    r = hoa.get(page_of(waiting.code))
    assert r.status_code == 200
    text = visible(r)
    assert "Yêu cầu bổ sung giấy tờ" in text and "Ngày hẹn trả kết quả" in text
    assert "Cần bổ sung các giấy tờ sau:" in text
    assert "Giấy chứng sinh (bản sao chứng thực)" in text and "Sổ hộ khẩu: Bản mờ" in text
    assert "Lý do: Bản sao chưa chứng thực" in text
    assert "Tiếp nhận" in text and "Chuyển cơ quan giải quyết" in text
    assert "Ghi chú nội bộ" not in text  # an officer's note is not the applicant's to read
    html = r.content.decode()
    assert 'id="supplement-form"' in html and 'id="submit-supplement"' in html
    assert 'id="withdraw-form"' in html
    assert "/api/v1/dossiers/" in html and "/forms/01" in html and "/forms/02" in html


def test_a_supplement_answered_online_with_a_file_resumes_the_dossier(hoa, waiting):
    url = page_of(waiting.code)
    # Submitting with nothing uploaded is refused with a clear message.
    r = hoa.post(f"{url}bo-sung/", {"version": waiting.version})
    assert r.status_code == 422 and "ít nhất một tệp" in visible(r)
    r = hoa.post(f"{url}bo-sung/tep/", {"paper": "Sổ hộ khẩu", "file": pdf_upload("so-ho-khau.pdf")})
    assert r.status_code == 303
    r = hoa.post(f"{url}bo-sung/tep/", {"paper": "Giấy chứng sinh", "file": pdf_upload("nham.pdf")})
    wrong = DossierFile.objects.get(name="nham.pdf")
    text = visible(hoa.get(url))
    assert "Sổ hộ khẩu : so-ho-khau.pdf" in text and "nham.pdf" in text
    assert DossierFile.objects.get(name="so-ho-khau.pdf").doc_name == "Sổ hộ khẩu"  # which paper it answers
    assert hoa.post(f"{url}bo-sung/tep/{wrong.pk}/xoa/").status_code == 303
    assert not DossierFile.objects.filter(pk=wrong.pk).exists()
    # A type refused by content shows the service's message, not a 500.
    r = hoa.post(f"{url}bo-sung/tep/", {"paper": "x", "file": SimpleUploadedFile("a.pdf", b"not a pdf")})
    assert r.status_code == 422 and "Chỉ nhận tệp PDF, JPG hoặc PNG" in visible(r)
    d = Dossier.objects.get(pk=waiting.pk)
    r = hoa.post(f"{url}bo-sung/", {"version": d.version, "note": "Đã bổ sung"})
    assert r.status_code == 303
    d = Dossier.objects.get(pk=waiting.pk)
    assert d.status == 4  # back to processing, where the request came from
    handed = d.files.get(name="so-ho-khau.pdf")
    assert handed.event_seq == d.events.get(action="supplement").seq
    text = visible(hoa.get(url))
    assert "Tệp đã nộp: so-ho-khau.pdf" in text
    assert "supplement-form" not in hoa.get(url).content.decode()


def test_a_stale_page_cannot_supplement_twice(hoa, waiting):
    url = page_of(waiting.code)
    hoa.post(f"{url}bo-sung/tep/", {"paper": "x", "file": pdf_upload()})
    version = Dossier.objects.get(pk=waiting.pk).version
    assert hoa.post(f"{url}bo-sung/", {"version": version}).status_code == 303
    r = hoa.post(f"{url}bo-sung/", {"version": version})
    assert r.status_code == 409 and "Không thể 'Bổ sung hồ sơ'" in visible(r)
    assert Dossier.objects.get(pk=waiting.pk).status == 4


def test_withdraw_needs_confirmation_and_a_reason_then_ends_the_dossier(hoa, waiting):
    url = page_of(waiting.code)
    r = hoa.post(f"{url}rut/", {"version": waiting.version, "reason": "Không cần nữa"})
    assert r.status_code == 422 and "xác nhận" in visible(r)
    r = hoa.post(f"{url}rut/", {"version": waiting.version, "confirmed": "1", "reason": ""})
    assert r.status_code == 422
    assert Dossier.objects.get(pk=waiting.pk).status == 5
    r = hoa.post(f"{url}rut/", {"version": waiting.version, "confirmed": "1", "reason": "Không cần nữa"})
    assert r.status_code == 303
    assert Dossier.objects.get(pk=waiting.pk).status == 7
    page = hoa.get(url)
    html = page.content.decode()
    assert 'id="withdraw-form"' not in html and 'id="supplement-form"' not in html
    assert "Lý do: Không cần nữa" in visible(page)
    # Refused by the state machine once final: 409 shown on the page, nothing changes.
    r = hoa.post(
        f"{url}rut/", {"version": Dossier.objects.get(pk=waiting.pk).version, "confirmed": "1", "reason": "x"}
    )
    assert r.status_code == 409 and Dossier.objects.get(pk=waiting.pk).status == 7
    assert "Không thể 'Rút hồ sơ' khi hồ sơ ở trạng thái" in visible(r)


def test_results_are_listed_and_downloaded_with_their_checksum_checked(hoa, people, waiting, stranger):
    r1 = make_result(waiting, people["congdan"])
    r2 = make_result(waiting, people["congdan"], n=2, revoked_at=local(2025, 8, 21, 9))
    page = hoa.get(page_of(waiting.code))
    html = page.content.decode()
    assert re.findall(r'data-result="([^"]+)"', html) == [r1.code, r2.code]
    assert f"/ket-qua/{r1.code}/" in html and "Đã thu hồi" in visible(page)
    got = hoa.get(f"{WAREHOUSE}r{r1.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["Content-Type"] == "application/pdf" and "no-store" in got["Cache-Control"]
    # Nobody else gets it, by any key.
    assert signed_in(stranger).get(f"{WAREHOUSE}r{r1.pk}/").status_code == 404
    assert hoa.get(f"{WAREHOUSE}x1/").status_code == 404
    # Bytes changed on disk: refused with a message, never a 500.
    with private_storage.open(r1.file.name, "wb") as fh:
        fh.write(PDF.replace(b"%PDF-1.7", b"%PDF-1.4"))
    bad = hoa.get(f"{WAREHOUSE}r{r1.pk}/")
    assert bad.status_code == 409 and "không khớp mã kiểm tra" in visible(bad)
    private_storage.delete(r1.file.name)
    assert hoa.get(f"{WAREHOUSE}r{r1.pk}/").status_code == 404


def test_own_files_download_and_others_do_not(hoa, waiting, people, stranger):
    f = files.attach(people["congdan"], waiting.code, pdf_upload("cua-toi.pdf"))
    url = f"{page_of(waiting.code)}tep/{f.pk}/"
    got = hoa.get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert signed_in(stranger).get(url).status_code == 404


def test_dossier_page_query_count(hoa, waiting, people, django_assert_max_num_queries):
    make_result(waiting, people["congdan"])
    files.attach(people["congdan"], waiting.code, pdf_upload())
    # 11, and the fees section's 5 (the dossier as the payer sees it, requests, attempts, payments, the
    # collecting agency's account for the VietQR)
    with django_assert_max_num_queries(16):
        assert hoa.get(page_of(waiting.code)).status_code == 200


# ---------------------------------------------------------------------------------------- the warehouse


@pytest.fixture
def digitised(people, procedure, agencies):  # noqa: F811
    """A counter dossier for Hoa's ID with a scanned, fully described birth certificate."""
    d = services.submit_dossier(people["tiepnhan"], submission(channel=1), at=local(2025, 8, 15, 9))
    meta = {
        "doc_type": "KS",
        "doc_name": "Giấy khai sinh",
        "holder_id_number": "038190001234",
        "holder_name": "Nguyễn Thị Hoa",
        "issued_on": "2019-05-02",
        "issuer": "UBND phường Vinh Tân",
        "content_summary": "Khai sinh của Nguyễn Thị Hoa",
        "valid_indefinitely": True,
        "validity_scope": "Toàn quốc",
    }
    return files.attach(people["tiepnhan"], d.code, pdf_upload("ks.pdf"), metadata=meta)


def test_the_warehouse_shows_identity_results_and_digitised_papers_with_metadata(
    hoa, people, waiting, digitised, stranger
):
    mine = make_result(waiting, people["congdan"])
    theirs_d = services.submit_dossier(
        people["tiepnhan"],
        submission(
            channel=1,
            applicant={**submission()["applicant"], "name": "Lê Văn Tám", "id_number": "040090005678"},
        ),
        at=local(2025, 8, 16, 9),
    )
    theirs = make_result(theirs_d, stranger)
    r = hoa.get(WAREHOUSE)
    assert r.status_code == 200
    html, text = r.content.decode(), visible(r)
    assert 'id="warehouse"' in html
    assert "Nguyễn Thị Hoa" in text and "********1234" in text and "038190001234" not in html
    assert mine.code in text and theirs.code not in html and "Lê Văn Tám" not in text
    for shown in (
        "Giấy khai sinh",
        "KS",
        "UBND phường Vinh Tân",
        "02/05/2019",
        "Khai sinh của Nguyễn Thị Hoa",
        "Không thời hạn",
        "Toàn quốc",
    ):
        assert shown in text, shown
    assert text.count("Dùng lại khi nộp hồ sơ") == 2
    got = hoa.get(f"{WAREHOUSE}f{digitised.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert signed_in(stranger).get(f"{WAREHOUSE}f{digitised.pk}/").status_code == 404
    other = signed_in(stranger).get(WAREHOUSE)
    assert mine.code not in other.content.decode() and "Giấy khai sinh" not in visible(other).replace(
        "Giấy khai sinh (bản điện tử)", ""
    )


def test_the_warehouse_stays_bounded_for_a_heavy_user(
    hoa, people, waiting, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(warehouse, "PAGE_LIMIT", 3)
    for n in range(1, 6):
        make_result(waiting, people["congdan"], n=n)
    with django_assert_max_num_queries(8):
        r = hoa.get(WAREHOUSE)
    assert len(re.findall(r'data-paper="r', r.content.decode())) == 3
    assert "Đang hiện 3 kết quả mới nhất" in visible(r)


def test_an_organisation_sees_its_own_space_with_its_tax_code_masked(db, agencies):
    company = get_user_model().objects.create_user(username="doanhnghiep", password="demo")
    Applicant.objects.create(
        user=company, kind="organisation", full_name="Công ty TNHH Sen Vàng", tax_code="0101234567"
    )
    client = signed_in(company)
    assert client.get(HOME).status_code == 200
    text = visible(client.get(WAREHOUSE))
    assert "Tên tổ chức" in text and "Công ty TNHH Sen Vàng" in text
    assert "******4567" in text and "0101234567" not in text
