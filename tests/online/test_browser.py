"""Online submission in Debian's Chromium at a 1366x768 desktop and a 390x844 phone: a citizen files a
dossier with one uploaded paper and one paper reused from their data warehouse, through the real pages,
with no sideways scrolling, no console error and no CSP violation on the way."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from motcua.dossiers.models import Dossier, DossierFile, Reuse
from tests.portal.test_browser import PHONE, browser, new_page  # noqa: F401 - the browser fixture

from .conftest import CODE, pdf_bytes

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def site(live_server, transactional_db, people, procedure, warehouse) -> str:
    return live_server.url


def fits(page, width: int) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert inner == width and scroll <= inner, f"{page.url}: {scroll}px on a {inner}px screen"


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_file_a_dossier_with_an_upload_and_a_reused_paper(browser, site, warehouse, agencies, screen):  # noqa: F811
    options = (
        {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
        if screen == "phone"
        else {"viewport": DESKTOP}
    )
    width = options["viewport"]["width"]
    context, page = new_page(browser, **options)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        page.goto(f"{site}/thu-tuc/{CODE}/")
        page.locator("#submit-online").click()
        page.wait_for_url("**/dang-nhap/**")
        page.get_by_label("Tên đăng nhập").fill("congdan")
        page.get_by_label("Mật khẩu").fill("demo")
        page.get_by_label("Mật khẩu").press("Enter")
        page.wait_for_url(f"**/nop-ho-so/{CODE}/")

        # 1. The case and the agency.
        step = page.locator("#step-case")
        fits(page, width)
        step.get_by_label("Đăng ký đúng hạn").check()
        step.get_by_label("Cơ quan giải quyết").select_option(agencies["justice"].identifier)
        step.get_by_role("button", name="Tiếp tục").click()
        page.wait_for_url("**/to-khai/")

        # 2. The e-form: prefilled, the on-behalf switch shows an empty section of its own.
        form = page.locator("#step-form")
        fits(page, width)
        expect(form.locator("#own-name")).to_have_text("Nguyễn Thị Hoa")
        expect(form.locator("#own-phone")).to_have_value("0912345678")
        expect(form.locator("#typed-section")).to_be_hidden()
        page.locator("#on-behalf").check()
        expect(form.locator("#typed-section")).to_be_visible()
        expect(form.locator("#own-section")).to_be_hidden()
        expect(form.locator("#app-name")).to_have_value("")
        page.locator("#on-behalf").uncheck()
        expect(form.locator("#own-section")).to_be_visible()

        form.locator("#component-TP1 input[type=file]").set_input_files(
            {"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
        )
        form.locator("#component-TP2 .reuse-choice").select_option(f"f{warehouse['paper'].pk}")
        form.locator("#summary").fill("Đăng ký khai sinh cho con")
        fits(page, width)
        form.get_by_role("button", name="Tiếp tục: xem lại").click()
        page.wait_for_url("**/xem-lai/")

        # 3. Review and submit.
        review = page.locator("#step-review")
        fits(page, width)
        expect(page.locator("#component-TP1")).to_contain_text("to-khai.pdf")
        expect(page.locator("#component-TP2")).to_contain_text("Từ kho dữ liệu")
        review.locator("#submit-dossier").click()
        page.wait_for_url("**/nop-ho-so/da-nop/**")
        fits(page, width)
        code = page.locator("#dossier-code").inner_text()
        d = Dossier.objects.get(code=code)
        assert d.status == 1 and d.applicant_name == "Nguyễn Thị Hoa"
        files = {
            f.component.code: f for f in DossierFile.objects.filter(dossier=d).select_related("component")
        }
        assert files["TP1"].reused == Reuse.NO
        assert files["TP2"].reused == Reuse.WAREHOUSE and files["TP2"].reused_from_id == warehouse["paper"].pk
        assert not problems, problems
    finally:
        context.close()
