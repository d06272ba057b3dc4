"""In Chromium, under the real Content Security Policy: Swagger UI renders and calls the API, the admin's widgets
work, the portal renders, with no policy violation and no request to another host."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-sync",
]


@pytest.fixture
def page(live_server, transactional_db, people):
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `scripts/system-deps.sh test`.")
    from playwright.sync_api import sync_playwright

    origin = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(locale="vi-VN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.violations, page.elsewhere = [], []
        page.on("console", lambda m: "Content Security Policy" in m.text and page.violations.append(m.text))
        page.on("request", lambda r: check_origin(page, origin, r.url))
        page.origin = origin
        yield page
        browser.close()


def check_origin(page, origin: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("data", "blob") and f"{parts.scheme}://{parts.netloc}" != origin:
        page.elsewhere.append(url)


def test_swagger_ui_runs_and_calls_the_api(page):
    page.goto(page.origin + "/api/v1/docs")
    path = page.locator(".opblock-summary-path[data-path='/api/v1/agencies']")
    operation = page.locator(".opblock-get").filter(has=path)
    # Swagger UI's deep links change the URL hash on each click; that is not a navigation to wait for
    # (on a loaded CI box Playwright's wait for it timed out).
    operation.locator(".opblock-summary").click(no_wait_after=True)
    operation.get_by_role("button", name="Try it out").click(no_wait_after=True)
    operation.get_by_role("button", name="Execute").click(no_wait_after=True)
    assert (
        operation.locator(".live-responses-table tr.response .response-col_status").first.inner_text().strip()
        == "200"
    )
    assert page.locator(".opblock").count() > 10
    assert page.violations == [] and page.elsewhere == []


def test_admin_widgets_and_portal_under_the_policy(page):
    page.goto(page.origin + "/admin/login/")  # the one sign-in page, coming back to the admin
    page.fill("#id_username", "admin")
    page.fill("#id_password", "demo")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/admin/")
    # Autocomplete (select2) and the date picker are the admin's script-heavy widgets.
    page.goto(page.origin + "/admin/directory/counter/add/")
    page.locator(".select2-selection").first.click()
    page.locator(".select2-results__option").first.wait_for()
    page.goto(page.origin + "/admin/directory/calendarday/add/")
    page.locator(".datetimeshortcuts a").first.click()  # "Hôm nay"
    assert page.locator("#id_date").input_value() != ""
    for path in ("/admin/access/apitoken/", "/", "/thu-tuc/", "/tra-cuu-ho-so/", "/dang-nhap/"):
        page.goto(page.origin + path)
        page.wait_for_load_state("networkidle")
    assert page.violations == [] and page.elsewhere == []
