"""Online submissions per second through the HTTP page flow, next to API submissions in the same run.

Both go through Django's test client (the whole request: middleware, session, CSRF-exempt test client,
templates), one citizen account, the same procedure and the same two papers:

* pages: the flow a citizen's browser makes for one dossier (ADR 0020): start the draft (POST the case),
  open the e-form, post it with one uploaded PDF and one paper reused from the data warehouse, open the
  review, submit (the dossier, two file copies, the draft's removal in one transaction), open the
  confirmation: six requests;
* API: `POST /api/v1/dossiers` (contract §4) with a bearer token: the dossier only, no files;
* API + files: the same, then `POST /api/v1/dossiers/{code}/files` twice (the two papers).

Each round runs N of each, interleaved; a rate is the median of the rounds (ADR 0006). The page flow is
bound to cost more than the bare API call (six requests, an upload, template rendering); the figure to
watch is pages against "API + files", the same work done by a program.
"""

from __future__ import annotations

import io
import os
import statistics
import tempfile
import time

from benchmarks.bench_intake import BODY, PROCEDURE, build
from benchmarks.common import setup_django

N = int(os.environ.get("BENCH_ONLINE_N", "20"))
ROUNDS = int(os.environ.get("BENCH_ONLINE_ROUNDS", "7"))


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def warehouse_paper(citizen):
    """A digitised paper of an earlier dossier of the citizen: what the page flow reuses."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from motcua.dossiers import services
    from motcua.dossiers.models import DossierFile

    earlier = services.submit_dossier(citizen, BODY)
    content = pdf_bytes()
    f = DossierFile(
        dossier=earlier,
        name="giay-chung-sinh.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_at=timezone.now(),
        uploaded_by=citizen,
        digitised=True,
        doc_name="Giấy chứng sinh",
    )
    f.file.save("scan.pdf", ContentFile(content), save=False)
    f.save()
    return f"f{f.pk}"


def measure(n: int = N, rounds: int = ROUNDS) -> dict[str, list[float]]:
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from motcua.access.auth import issue_token
    from motcua.directory.models import Applicant
    from motcua.online.models import Draft

    citizen = Applicant.objects.get(id_number="038190001234").user
    reuse = warehouse_paper(citizen)
    pdf = pdf_bytes()
    browser = Client()
    browser.force_login(citizen)
    token = issue_token(citizen)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = json.dumps(BODY)

    def pages() -> None:
        r = browser.post(f"/nop-ho-so/{PROCEDURE}/", {"case": "TH1", "agency": BODY["agency"]})
        assert r.status_code == 302, r.status_code
        key = Draft.objects.filter(owner=citizen).values_list("key", flat=True).first()
        base = f"/nop-ho-so/{PROCEDURE}/{key}/"
        assert browser.get(base + "to-khai/").status_code == 200
        r = browser.post(
            base + "to-khai/",
            {
                "own-phone": "0912345678",
                "summary": "Đăng ký khai sinh cho con",
                "file-TP1": SimpleUploadedFile("to-khai.pdf", pdf, "application/pdf"),
                "reuse-TP2": reuse,
                "action": "next",
            },
        )
        assert r.status_code == 302, r.content[:2000]
        assert browser.get(base + "xem-lai/").status_code == 200
        r = browser.post(base + "xem-lai/")
        assert r.status_code == 302, r.content[:2000]
        assert browser.get(r["Location"]).status_code == 200

    def api_only() -> str:
        r = api.post("/api/v1/dossiers", body, content_type="application/json")
        assert r.status_code == 201, r.content[:500]
        return r.json()["code"]

    def api_files() -> None:
        code = api_only()
        for component in ("TP1", "TP2"):
            upload = SimpleUploadedFile(f"{component}.pdf", pdf, "application/pdf")
            r = api.post(f"/api/v1/dossiers/{code}/files", {"file": upload, "component": component})
            assert r.status_code == 201, r.content[:500]

    paths = {"pages": pages, "api": api_only, "api_files": api_files}
    for fn in paths.values():  # warm-up: caches, precompiled statements
        for _ in range(3):
            fn()
    rates: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, fn in paths.items():
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            rates[name].append(n / (time.perf_counter() - t0))
    return rates


def report(rates: dict[str, list[float]]) -> None:
    med = {name: statistics.median(r) for name, r in rates.items()}
    print(f"  online page flow (6 requests, 1 upload + 1 reuse)  {med['pages']:8.1f} dossiers/s")
    print(f"  API POST /dossiers (no files)                      {med['api']:8.1f} dossiers/s")
    print(f"  API POST /dossiers + 2 file uploads                {med['api_files']:8.1f} dossiers/s")
    print(
        f"    pages / API: {med['pages'] / med['api']:6.1%}   pages / API + files: {med['pages'] / med['api_files']:6.1%}"
    )


def main() -> int:
    label = setup_django()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, in-memory mail
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with tempfile.TemporaryDirectory() as private:
        settings.PRIVATE_MEDIA_ROOT = private
        build()
        print(f"  {label}: {N} dossiers per path per round, {ROUNDS} rounds (median of rounds)")
        report(measure())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
