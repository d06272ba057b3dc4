"""Electronic results (ADR 0019): issued and signed at completion, read by whoever sees the dossier,
verified by anyone (the stored file or a copy), revoked by the issuing agency's leader. Real PDFs, real
signatures: pyHanko and poppler's pdfsig read them back."""

from __future__ import annotations

import hashlib
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.core.errors import Conflict
from motcua.directory.models import Role
from motcua.documents import issuing, qr, results, signing
from motcua.documents.models import Result
from motcua.documents.signing import pades
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.integrations.models import OutboxMessage
from tests.documents.conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(named, api_as):
    return {name: api_as(user) for name, user in named.items()}


@pytest.fixture
def issued(lifecycle):
    return Result.objects.get(dossier=lifecycle)


def pdfsig(path) -> str:
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout


def one_byte_changed(data: bytes) -> bytes:
    """A copy with one byte of the page content changed (inside the signed range)."""
    bad = bytearray(data)
    i = data.index(b"stream", len(data) // 4) + 20
    bad[i] ^= 0x01
    return bytes(bad)


# ------------------------------------------------------------------------------------------- issuance
def test_completing_issues_a_signed_pdf_a_result_owned_by_the_applicant(issued, lifecycle, named, tmp_path):
    r = issued
    assert (r.n, r.code, r.name) == (1, f"{lifecycle.code}-KQ1", "Giấy khai sinh")
    assert r.issuing_agency.identifier == "000.00.15.H40" and r.signed_by == "Sở Tư pháp tỉnh Nghệ An"
    assert (r.owner, r.owner_id_number) == (named["congdan"], "038190001234")
    data = r.file.read()
    assert data.startswith(b"%PDF-1.7") and len(data) == r.size
    assert hashlib.sha256(data).hexdigest() == r.sha256
    check = pades.check(data, signing.get().trust_roots())
    assert check.valid and check.signed_by == r.signed_by and check.fingerprint == r.signer_certificate
    path = tmp_path / "kq.pdf"
    path.write_bytes(data)
    out = pdfsig(path)
    assert "Signature is Valid." in out and "Total document signed" in out
    assert "CN=Sở Tư pháp tỉnh Nghệ An" in out and "C=VN" in out
    meta = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True).stdout
    assert 'pdfaid:part="3"' in meta or "<pdfaid:part>3</pdfaid:part>" in meta  # PDF/A-3 survives signing
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "595.276 x 841.89" in info and "PDF version:     1.7" in info  # A4
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    for shown in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "SỞ TƯ PHÁP TỈNH NGHỆ AN",
    ):
        assert shown in text
    for shown in ("GIẤY KHAI SINH", r.code, "Nguyễn Thị Hoa", "22/08/2025", "Phạm Minh Đức", "1.001193"):
        assert shown in text


def test_the_qr_code_top_left_names_dossier_procedure_applicant_paper_and_page(issued, tmp_path):
    from tests.documents.test_pdf import assert_top_left, read_qr

    text, box, size = read_qr(issued.file.read(), tmp_path)
    assert_top_left(box, size)
    assert qr.parse(text) == {
        "MaHoSo": issued.dossier.code,
        "MaTTHC": "1.001193",
        "SoGiayToChuHoSo": "038190001234",
        "TenGiayTo": "Giấy khai sinh",
        "MaKetQua": issued.code,
        "KiemTra": f"http://127.0.0.1:8000/ket-qua/{issued.code}/",
    }


def test_a_procedure_may_have_its_own_result_template(lifecycle, settings, tmp_path):
    folder = tmp_path / "tpl" / "forms" / "results"
    folder.mkdir(parents=True)
    (folder / "1.001193.html").write_text(
        '{% extends "forms/result.html" %}{% block result %}<p>TRÍCH LỤC KHAI SINH RIÊNG</p>{% endblock %}'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "tpl"]}]
    d = Dossier.objects.select_related("procedure", "current_agency").get(pk=lifecycle.pk)
    pdf = issuing.render.result_pdf(issuing.result_data(d, "Trích lục", "X-KQ9", local(2025, 9, 1, 9), ""))
    (tmp_path / "o.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "o.pdf"), "-"], capture_output=True, text=True).stdout
    assert "TRÍCH LỤC KHAI SINH RIÊNG" in text and "Cấp cho" not in text


def test_complete_without_signing_credentials_is_refused_and_changes_nothing(
    named, counter, perform, settings, tmp_path, clients
):
    d = counter(at=local(2025, 8, 15, 15))
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 15, 30))
    settings.MOTCUA_SIGNING_DIR = tmp_path / "empty"  # no CA, no agency keys
    before = (
        Dossier.objects.get(pk=d.pk).version,
        DossierEvent.objects.count(),
        OutboxMessage.objects.count(),
    )
    r = clients["lanhdao"].post(
        f"/dossiers/{d.code}/actions/complete", {"result": {"name": "Giấy khai sinh"}}
    )
    assert r.status_code == 409 and r.json()["code"] == "no_signing_credentials"
    assert "Sở Tư pháp tỉnh Nghệ An chưa có chứng thư số" in r.json()["message"]
    after = (
        Dossier.objects.get(pk=d.pk).version,
        DossierEvent.objects.count(),
        OutboxMessage.objects.count(),
    )
    assert after == before and Dossier.objects.get(pk=d.pk).status == 4
    assert not Result.objects.exists()


def test_held_completions_issue_nothing_until_issued_for(named, counter, perform):
    d = counter(at=local(2025, 8, 15, 15))
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 15, 30))
    with issuing.held():
        perform("lanhdao", d, "complete", local(2025, 8, 18, 9), result={"name": "Giấy khai sinh"})
    assert not Result.objects.exists()
    assert issuing.issue_for([d]) == 1 and issuing.issue_for([d]) == 0
    assert Result.objects.get().code == f"{d.code}-KQ1"


# ------------------------------------------------------------------------------------ list and file
def test_results_list_for_whoever_sees_the_dossier(issued, clients, django_assert_max_num_queries):
    code = issued.dossier.code
    with django_assert_max_num_queries(6):
        r = clients["congdan"].get(f"/dossiers/{code}/results")
    assert r.status_code == 200
    [item] = r.json()["items"]
    assert item["code"] == issued.code and item["signed_by"] == "Sở Tư pháp tỉnh Nghệ An"
    assert item["url"] == f"/api/v1/dossiers/{code}/results/{issued.code}/file"
    assert (item["revoked"], item["revoked_at"], item["revoked_reason"]) == (False, None, "")
    assert clients["chuyenvien"].get(f"/dossiers/{code}/results").json()["count"] == 1


def test_the_owner_downloads_the_file_strangers_and_other_agencies_get_404(
    issued, clients, make_staff, agencies, api_as, django_user_model
):
    url = f"/dossiers/{issued.dossier.code}/results/{issued.code}/file"
    r = clients["congdan"].get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert hashlib.sha256(r.content).hexdigest() == issued.sha256
    stranger = api_as(django_user_model.objects.create_user("nguoila", password="x"))
    foreign = api_as(make_staff("lanhdao_th", Role.LEADER, agencies["foreign"]))
    for client in (stranger, foreign):
        for path in (url, f"/dossiers/{issued.dossier.code}/results"):
            r = client.get(path)
            assert (r.status_code, r.json()["code"]) == (404, "dossier_not_found")
    assert api_as(None).get(url).status_code == 401


def test_a_corrupted_stored_file_is_refused_on_the_way_out(issued, clients):
    path = issued.file.path
    with open(path, "r+b") as f:
        f.seek(100)
        f.write(b"X")
    r = clients["congdan"].get(f"/dossiers/{issued.dossier.code}/results/{issued.code}/file")
    assert (r.status_code, r.json()["code"]) == (409, "file_corrupted")
    body = clients["congdan"].get(f"/results/{issued.code}/verify").json()
    assert body["valid"] is False and "SHA-256" in body["reason"]


# -------------------------------------------------------------------------------------- verification
def test_anyone_verifies_a_result_by_its_code(issued, api_as):
    body = api_as(None).get(f"/results/{issued.code}/verify").json()
    assert body["valid"] is True and body["status"] == "valid" and body["reason"] == ""
    assert body["signed_by"] == "Sở Tư pháp tỉnh Nghệ An" and body["revoked"] is False
    assert "038190001234" not in str(body) and "Nguyễn Thị Hoa" not in str(body)


def test_an_uploaded_copy_is_checked_byte_for_byte_and_by_its_signature(issued, api_as, tmp_path):
    data = issued.file.read()
    anon = api_as(None)

    def upload(content: bytes):
        return anon.upload(
            f"/results/{issued.code}/verify",
            {"file": SimpleUploadedFile("kq.pdf", content, "application/pdf")},
        ).json()

    good = upload(data)
    assert (good["valid"], good["same_as_issued"], good["status"]) == (True, True, "valid")
    bad_bytes = one_byte_changed(data)
    bad = upload(bad_bytes)
    assert (bad["valid"], bad["same_as_issued"], bad["status"]) == (False, False, "invalid")
    assert bad["reason"]
    (tmp_path / "bad.pdf").write_bytes(bad_bytes)
    assert "Signature is Valid." not in pdfsig(tmp_path / "bad.pdf")
    assert not pades.check(bad_bytes, signing.get().trust_roots()).valid
    junk = upload(b"not a pdf at all")
    assert junk["valid"] is False and junk["reason"]
    r = anon.upload(f"/results/{issued.code}/verify", {})
    assert (r.status_code, r.json()["code"]) == (422, "missing_field")


def test_a_copy_signed_by_an_untrusted_ca_is_invalid(issued, tmp_path, settings):
    from motcua.documents.signing import democa

    other = tmp_path / "other"
    democa.enrol(other, issued.issuing_agency, other / "agencies" / "x.p12")
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(str(other / "agencies" / "x.p12"), passphrase=None)
    unsigned = issuing.render.result_pdf(
        issuing.result_data(issued.dossier, "Giả", issued.code, local(2025, 9, 1, 9), "")
    )
    forged = pades.sign(unsigned, signer, reason="x", location="x", name="x")
    check = pades.check(forged, signing.get().trust_roots())
    assert not check.valid and "tin cậy" in check.reason


def test_unknown_codes_are_404_and_misses_are_throttled(db, api_as, settings):
    settings.LOOKUP_LIMITS_CLIENT = ((3, 60),)
    anon = api_as(None)
    for n in range(3):
        r = anon.get(f"/results/000.00.00.H40-250101-000{n}-KQ1/verify")
        assert (r.status_code, r.json()["code"]) == (404, "result_not_found")
    r = anon.get("/results/000.00.00.H40-250101-0009-KQ1/verify")
    assert (r.status_code, r.json()["code"]) == (429, "too_many_requests") and int(r["Retry-After"]) > 0


# ---------------------------------------------------------------------------------------- revocation
def test_only_the_issuing_agencys_leader_or_a_sysadmin_revokes(issued, clients, make_staff, agencies, api_as):
    url = f"/results/{issued.code}/revoke"
    r = clients["chuyenvien"].post(url, {"reason": "Sai tên"})
    assert (r.status_code, r.json()["code"]) == (403, "revoke_forbidden")
    r = clients["congdan"].post(url, {"reason": "Sai tên"})
    assert (r.status_code, r.json()["code"]) == (403, "revoke_forbidden")
    foreign = api_as(make_staff("lanhdao_th", Role.LEADER, agencies["foreign"]))
    r = foreign.post(url, {"reason": "Sai tên"})
    assert (r.status_code, r.json()["code"]) == (404, "result_not_found")
    r = clients["lanhdao"].post(url, {"reason": " "})
    assert (r.status_code, r.json()["code"]) == (422, "missing_field")
    r = clients["lanhdao"].post(url, {"reason": "Ghi sai ngày sinh của người được cấp"})
    assert r.status_code == 200 and r.json()["revoked"] is True
    r = clients["admin"].post(url, {"reason": "Lần nữa"})
    assert (r.status_code, r.json()["code"]) == (409, "result_revoked")
    issued.refresh_from_db()
    assert issued.revoked_by.username == "lanhdao" and issued.revoked_reason.startswith("Ghi sai")
    assert OutboxMessage.objects.filter(topic=results.REVOKED_TOPIC, key=issued.code).count() == 1


def test_a_revoked_result_stays_retrievable_and_verify_says_revoked(issued, clients, api_as):
    clients["lanhdao"].post(f"/results/{issued.code}/revoke", {"reason": "Cấp nhầm"})
    body = api_as(None).get(f"/results/{issued.code}/verify").json()
    assert (body["valid"], body["revoked"], body["status"]) == (True, True, "revoked")
    assert body["revoked_reason"] == "Cấp nhầm" and body["revoked_at"]
    r = clients["congdan"].get(f"/dossiers/{issued.dossier.code}/results/{issued.code}/file")
    assert r.status_code == 200
    [item] = clients["congdan"].get(f"/dossiers/{issued.dossier.code}/results").json()["items"]
    assert item["revoked"] is True and item["revoked_reason"] == "Cấp nhầm"


def test_no_credentials_error_is_a_conflict(agencies, settings, tmp_path):
    settings.MOTCUA_SIGNING_DIR = tmp_path / "none"
    assert not signing.get().has_credentials(agencies["justice"])
    refusal = issuing.no_credentials(agencies["justice"])
    assert isinstance(refusal, Conflict) and refusal.status == 409
    assert refusal.code == "no_signing_credentials" and agencies["justice"].name in refusal.message
