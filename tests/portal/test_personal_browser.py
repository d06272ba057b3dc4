"""The citizen's own space in a real browser, on a desktop screen and a 390 px phone: congdan signs in,
lands on /ca-nhan/, opens the dossier waiting for a supplement, uploads a file and submits it.

Screenshots of /ca-nhan/, the dossier page and the warehouse go to `$MOTCUA_SCREENSHOTS` (default: the
test's tmp_path).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from motcua.documents.models import Result
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from tests.dossiers.conftest import local, procedure, submission  # noqa: F401 (fixture)
from tests.portal.test_browser import PHONE, browser, new_page  # noqa: F401 (fixture)
from tests.workspace import documents

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}
PDF = documents.pdf("Giay to")


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("MOTCUA_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def site(live_server, transactional_db, people, procedure) -> str:  # noqa: F811
    people["congdan"].last_name, people["congdan"].first_name = "Nguyễn Thị", "Hoa"
    people["congdan"].save(update_fields=["last_name", "first_name"])
    return live_server.url


def waiting_dossier(people) -> str:
    """A congdan online dossier, received, forwarded and waiting for a supplement; another one done with
    a signed result."""
    now = timezone.now()
    d = services.submit_dossier(people["congdan"], submission(), at=now)
    services.perform(people["tiepnhan"], d.code, "accept", at=now)
    services.perform(people["tiepnhan"], d.code, "forward", at=now)
    services.perform(
        people["chuyenvien"],
        d.code,
        "request_supplement",
        reason="Bản sao chưa chứng thực",
        items=["Giấy chứng sinh (bản sao chứng thực)"],
        at=now,
    )
    done = services.submit_dossier(people["congdan"], submission(summary="Lần trước"), at=local(2025, 8, 1))
    r = Result(
        dossier=done,
        n=1,
        code=f"{done.code}-KQ1",
        name="Giấy khai sinh (bản điện tử)",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        issuing_agency=done.agency,
        signed_by="Sở Tư pháp tỉnh Nghệ An",
        signed_at=local(2025, 8, 5, 10),
        owner=people["congdan"],
        owner_id_number="038190001234",
    )
    r.file.save("kq.pdf", ContentFile(PDF), save=False)
    r.save()
    return d.code


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_congdan_answers_a_supplement_request_online(browser, site, people, shots, tmp_path, screen):  # noqa: F811
    code = waiting_dossier(people)
    viewport = DESKTOP if screen == "desktop" else PHONE
    context, page = new_page(browser, viewport=viewport)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    def fits() -> None:
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{page.url}: {scroll}px on a {inner}px screen"

    try:
        page.goto(site + "/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill("congdan")
        page.get_by_label("Mật khẩu").fill("demo")
        page.get_by_label("Mật khẩu").press("Enter")
        page.wait_for_url("**/ca-nhan/")
        rows = page.locator("#my-dossiers [data-code]")
        expect(rows).to_have_count(2)
        row = page.locator(f'#my-dossiers [data-code="{code}"]')
        expect(row).to_contain_text("Cần bổ sung hồ sơ")
        fits()
        page.screenshot(path=str(shots / f"ca-nhan-{screen}.png"), full_page=True)

        row.get_by_role("link", name=code).click()
        page.wait_for_url(f"**/ca-nhan/ho-so/{code}/")
        expect(page.locator("#bo-sung")).to_contain_text("Giấy chứng sinh (bản sao chứng thực)")
        upload = tmp_path / "giay-chung-sinh.pdf"
        upload.write_bytes(PDF)
        page.get_by_label("Giấy chứng sinh (bản sao chứng thực)").set_input_files(str(upload))
        page.locator(".upload-form button").first.click()
        page.wait_for_load_state()
        expect(page.locator("#pending-files")).to_contain_text("giay-chung-sinh.pdf")
        fits()
        page.screenshot(path=str(shots / f"ca-nhan-ho-so-{screen}.png"), full_page=True)

        page.locator("#supplement-note").fill("Đã bổ sung bản sao chứng thực")
        page.locator("#submit-supplement").click()
        page.wait_for_load_state()
        expect(page.locator(".alert-ok")).to_contain_text("Đã nộp hồ sơ bổ sung")
        expect(page.locator("#supplement-form")).to_have_count(0)
        assert Dossier.objects.get(code=code).status == 4

        page.get_by_role("link", name="Kho dữ liệu cá nhân").first.click()
        page.wait_for_url("**/ca-nhan/kho-du-lieu/")
        expect(page.locator("#warehouse")).to_contain_text("Giấy khai sinh (bản điện tử)")
        expect(page.locator("#warehouse")).to_contain_text("********1234")
        fits()
        page.screenshot(path=str(shots / f"kho-du-lieu-{screen}.png"), full_page=True)
        assert not problems, problems
    finally:
        context.close()
