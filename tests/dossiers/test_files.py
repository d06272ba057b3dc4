"""Dossier files through the API: upload, list, download, remove, and handing them in with a supplement."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.dossiers.files import clean_name
from motcua.dossiers.models import DossierEvent, DossierFile
from tests.dossiers.conftest import state, submission
from tests.workspace import documents

PDF = documents.pdf("Giay to")
PNG = documents.png()


@pytest.fixture
def clients(people, procedure, api_as):
    return {name: api_as(user) for name, user in people.items()}


def pdf(name: str = "To khai.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def upload(client, code: str, file, component: str | None = None):
    fields = {"file": file} if file is not None else {}
    if component:
        fields["component"] = component
    return client.upload(f"/dossiers/{code}/files", fields)


def stored(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_citizen_uploads_a_paper_and_staff_who_see_the_dossier_download_it(
    clients, private_files, settings, make_staff, agencies, api_as
):
    code = clients["congdan"].post("/dossiers", submission()).json()["code"]
    r = upload(clients["congdan"], code, pdf("Tờ khai đăng ký khai sinh.pdf"), component="TP1")
    assert r.status_code == 201, r.content
    f = r.json()
    assert (f["component"], f["name"], f["content_type"], f["size"]) == (
        "TP1",
        "Tờ khai đăng ký khai sinh.pdf",
        "application/pdf",
        len(PDF),
    )
    assert f["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (f["uploaded_by"], f["event_seq"]) == ("congdan", None)

    detail = clients["congdan"].get(f"/dossiers/{code}").json()
    assert [x["id"] for x in detail["files"]] == [f["id"]]
    # On disk: under the private root, with a random name, never under MEDIA_ROOT.
    [path] = stored(private_files)
    assert path.read_bytes() == PDF and "khai" not in path.name and path.suffix == ".pdf"
    assert not str(path).startswith(str(settings.MEDIA_ROOT))

    for who in ("congdan", "tiepnhan", "chuyenvien"):
        r = clients[who].client.get(f["url"], **clients[who].headers)
        assert r.status_code == 200
        assert b"".join(r.streaming_content) == PDF
        assert r["Content-Type"] == "application/pdf" and "attachment" in r["Content-Disposition"]
        assert r["X-Content-Type-Options"] == "nosniff"
    # Another department sees neither the dossier nor its files.
    other = api_as(make_staff("yte", "specialist", agencies["health"]))
    assert other.get(f"/dossiers/{code}/files/{f['id']}").status_code == 404
    assert clients["congdan"].get(f"/dossiers/{code}/files/999999").json()["code"] == "file_not_found"


@pytest.mark.parametrize(
    ("file", "component", "status", "code"),
    [
        (None, None, 422, None),
        (SimpleUploadedFile("rong.pdf", b"", content_type="application/pdf"), None, 422, "empty_file"),
        (
            SimpleUploadedFile("gia.pdf", b"<html>not a pdf</html>", content_type="application/pdf"),
            None,
            422,
            "unsupported_file_type",
        ),
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00" * 10), None, 422, "unsupported_file_type"),
        # Right magic bytes, but no PDF behind them; a PNG header on garbage: neither would open for the officer.
        (SimpleUploadedFile("hong.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"), None, 422, "broken_file"),
        (SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), None, 422, "broken_file"),
        (SimpleUploadedFile("to-khai.pdf", PDF), "KHONGCO", 422, "unknown_component"),
    ],
)
def test_bad_uploads_are_refused_and_store_nothing(clients, private_files, file, component, status, code):
    dossier = clients["congdan"].post("/dossiers", submission()).json()["code"]
    r = upload(clients["congdan"], dossier, file, component)
    assert r.status_code == status, r.content
    body = r.json()
    assert set(body) >= {"code", "message"} and body["message"]
    if code:
        assert body["code"] == code
    assert DossierFile.objects.count() == 0 and stored(private_files) == []


def test_too_large_a_file_is_refused_with_the_limit(clients, settings, private_files):
    settings.DOSSIER_FILE_MAX_BYTES = 1024 * 1024
    code = clients["congdan"].post("/dossiers", submission()).json()["code"]
    r = upload(clients["congdan"], code, pdf(body=PDF + b"0" * (1024 * 1024)))
    assert (r.status_code, r.json()["code"]) == (422, "file_too_large")
    assert "1 MB" in r.json()["message"] and stored(private_files) == []


def test_who_may_upload_and_when(clients):
    code = clients["congdan"].post("/dossiers", submission()).json()["code"]
    r = upload(clients["chuyenvien"], code, pdf())
    assert (r.status_code, r.json()["code"]) == (403, "forbidden_action")
    assert clients["tiepnhan"].post(f"/dossiers/{code}/actions/accept").status_code == 200
    # Received: the citizen's papers are closed; the reception officer still scans at the counter.
    r = upload(clients["congdan"], code, pdf())
    assert (r.status_code, r.json()["code"]) == (409, "files_closed")
    assert upload(clients["tiepnhan"], code, SimpleUploadedFile("scan.png", PNG), "TP2").status_code == 201
    assert clients["tiepnhan"].post(f"/dossiers/{code}/actions/forward").status_code == 200
    r = upload(clients["tiepnhan"], code, pdf())
    assert (r.status_code, r.json()["code"]) == (409, "files_closed")


def test_supplement_hands_in_the_files_uploaded_while_waiting(
    clients, private_files, django_capture_on_commit_callbacks
):
    code = clients["congdan"].post("/dossiers", submission()).json()["code"]
    early = upload(clients["congdan"], code, pdf("to-khai.pdf"), "TP1").json()
    tiepnhan, congdan = clients["tiepnhan"], clients["congdan"]
    for action, body in (("accept", {}), ("forward", {})):
        assert tiepnhan.post(f"/dossiers/{code}/actions/{action}", body).status_code == 200
    r = clients["chuyenvien"].post(
        f"/dossiers/{code}/actions/request_supplement",
        {"reason": "Thiếu bản sao", "items": ["Giấy chứng sinh"]},
    )
    assert r.status_code == 200
    first = upload(congdan, code, pdf("giay-chung-sinh.pdf"), "TP2").json()
    wrong = upload(congdan, code, SimpleUploadedFile("nham.png", PNG)).json()
    # Someone else cannot remove the citizen's file; the citizen can, before handing it in.
    r = tiepnhan.delete(f"/dossiers/{code}/files/{wrong['id']}")
    assert (r.status_code, r.json()["code"]) == (403, "not_your_file")
    with django_capture_on_commit_callbacks(execute=True):  # the bytes go once the removal commits
        assert congdan.delete(f"/dossiers/{code}/files/{wrong['id']}").status_code == 204
    assert len(stored(private_files)) == 2

    before = state(code)
    r = congdan.post(f"/dossiers/{code}/actions/supplement", {"files": [early["id"]]})
    assert (r.status_code, r.json()["code"]) == (422, "unknown_file")
    assert state(code) == before

    r = congdan.post(f"/dossiers/{code}/actions/supplement", {"note": "Đã bổ sung"})
    assert r.status_code == 200, r.content
    event = DossierEvent.objects.get(dossier__code=code, action="supplement")
    assert event.data["files"] == [{"id": first["id"], "name": "giay-chung-sinh.pdf", "component": "TP2"}]
    files = {f["id"]: f for f in r.json()["files"]}
    assert (files[first["id"]]["event_seq"], files[early["id"]]["event_seq"]) == (event.seq, None)
    # Handed in: part of the record now.
    r = congdan.delete(f"/dossiers/{code}/files/{first['id']}")
    assert (r.status_code, r.json()["code"]) == (409, "files_closed")


def test_handed_in_files_cannot_be_removed_even_when_papers_are_open(clients, people):
    code = clients["tiepnhan"].post("/dossiers", submission(channel=1)).json()["code"]
    t = clients["tiepnhan"]
    assert (
        t.post(
            f"/dossiers/{code}/actions/request_supplement", {"reason": "Thiếu", "items": ["Tờ khai"]}
        ).status_code
        == 200
    )
    f = upload(t, code, pdf()).json()
    assert t.post(f"/dossiers/{code}/actions/supplement", {"files": [f["id"]]}).status_code == 200
    r = t.delete(f"/dossiers/{code}/files/{f['id']}")  # status 2 again: reception papers are open
    assert (r.status_code, r.json()["code"]) == (409, "file_submitted")


def test_file_list_query_count_does_not_grow(clients):
    code = clients["congdan"].post("/dossiers", submission()).json()["code"]
    counts = []
    for _ in range(3):
        upload(clients["congdan"], code, pdf(), "TP1")
        with CaptureQueriesContext(connection) as ctx:
            r = clients["congdan"].get(f"/dossiers/{code}/files")
        assert r.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert r.json()["count"] == 3
    assert counts == [counts[0]] * 3 and counts[0] <= 8


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\hoa\\To khai.pdf", "To khai.pdf"),
        ("Giay\x00khai\nsinh.pdf", "Giaykhaisinh.pdf"),
        ("Tờ khai.pdf", "Tờ khai.pdf"),
        ("", "tep-dinh-kem"),
    ],
)
def test_file_names_are_cleaned(raw, shown):
    assert clean_name(raw) == shown


def test_a_file_lost_from_the_store_is_a_clear_404(clients, private_files):
    code = clients["congdan"].post("/dossiers", submission()).json()["code"]
    f = upload(clients["congdan"], code, pdf()).json()
    for path in stored(private_files):
        path.unlink()
    r = clients["congdan"].get(f"/dossiers/{code}/files/{f['id']}")
    assert (r.status_code, r.json()["code"]) == (404, "file_missing")


def test_a_row_that_fails_leaves_no_bytes_behind(clients, private_files, people, monkeypatch):
    from django.db import DatabaseError

    from motcua.dossiers import files

    code = clients["congdan"].post("/dossiers", submission()).json()["code"]

    def broken(self, *args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(DossierFile, "save", broken)
    with pytest.raises(DatabaseError):
        files.attach(people["congdan"], code, pdf())
    assert stored(private_files) == [] and DossierFile.objects.count() == 0


def test_a_retried_upload_with_the_same_idempotency_key_stores_one_file(clients, private_files):
    code = clients["congdan"].post("/dossiers", submission()).json()["code"]
    first = clients["congdan"].upload(
        f"/dossiers/{code}/files", {"file": pdf()}, HTTP_IDEMPOTENCY_KEY="tai-len-1"
    )
    again = clients["congdan"].upload(
        f"/dossiers/{code}/files", {"file": pdf()}, HTTP_IDEMPOTENCY_KEY="tai-len-1"
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert DossierFile.objects.count() == 1 and len(stored(private_files)) == 1
    other = clients["congdan"].upload(
        f"/dossiers/{code}/files", {"file": pdf(body=PDF + b"%x")}, HTTP_IDEMPOTENCY_KEY="tai-len-1"
    )
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")


def test_bad_file_requests_get_a_clear_4xx(clients):
    c = clients["congdan"]
    code = c.post("/dossiers", submission()).json()["code"]
    cases = [
        (c.upload(f"/dossiers/{code}/files", {"file": "không phải tệp"}), 422),
        (c.upload(f"/dossiers/{code}/files", {"file": pdf(), "component": "TP\x001"}), 422),
        (c.upload(f"/dossiers/{code}/files", {"file": pdf(), "component": "x" * 500}), 422),
        (c.upload("/dossiers/KHONG-CO/files", {"file": pdf()}), 404),
        (c.get(f"/dossiers/{code}/files/abc"), 422),
        (c.get(f"/dossiers/{code}/files/99999999999999999999"), 404),
        (c.delete(f"/dossiers/{code}/files/-1"), 404),
        # A dossier that cannot take the action says so before its input is looked at.
        (c.post(f"/dossiers/{code}/actions/supplement", {"files": ["x"]}), 409),
        (c.post(f"/dossiers/{code}/actions/supplement", {"files": [10**12]}), 409),
    ]
    for response, status in cases:
        assert response.status_code == status, response.content
        assert response.json()["message"]
    assert DossierFile.objects.count() == 0
