"""The portal in a real browser: Playwright drives Debian's Chromium (never `playwright install`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import catalogue as data

# Playwright's sync API runs an event loop in this thread; Django's async-safety check would otherwise refuse
# the ORM calls made by fixtures and by the live server's test database setup.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator:
    # Fail loudly: a missing browser must not turn into a silently skipped test.
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `scripts/system-deps.sh test` "
            "(or `sudo apt-get install chromium`) and re-run the browser tests."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, transactional_db, agencies) -> str:
    data.build(agencies)
    data.add_fillers(agencies["justice"], 0, 4)
    return live_server.url


def new_page(browser, **options):
    # A Vietnamese browser, so the default language is what a citizen here gets.
    context = browser.new_context(locale="vi-VN", **options)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_search_without_accents_then_open_the_procedure(browser, site):
    context, page = new_page(browser)
    try:
        page.goto(site + "/")
        assert page.locator("h1").inner_text() == "Tìm thủ tục hành chính"
        page.get_by_label("Tên hoặc mã thủ tục").fill("dang ky khai sinh")
        page.get_by_role("button", name="Tìm kiếm").click()
        page.wait_for_url("**/thu-tuc/?q=dang+ky+khai+sinh")
        results = page.locator("ol.results > li")
        assert results.count() == 1
        assert "1 thủ tục" in page.locator(".result-count").inner_text()
        results.first.get_by_role("link", name="Đăng ký khai sinh").click()
        page.wait_for_url("**/thu-tuc/1.001193/")
        assert page.locator("h1").inner_text() == "Đăng ký khai sinh"
        components = page.locator("#thanh-phan")
        for name in (
            "Tờ khai đăng ký khai sinh theo mẫu",
            "Giấy chứng sinh",
            "Giấy tờ tùy thân của người đi đăng ký",
        ):
            assert components.get_by_text(name).is_visible()
        assert components.get_by_text("Có thể thay thế bằng dữ liệu").is_visible()
        assert page.get_by_role("link", name="Nộp hồ sơ trực tuyến").is_visible()
        assert "01/01/2016" in page.locator("#can-cu").inner_text()
    finally:
        context.close()


def test_filters_work_without_javascript(browser, site):
    context, page = new_page(browser, java_script_enabled=False)
    try:
        page.goto(site + "/thu-tuc/")
        page.locator("details.filters summary").click()
        page.select_option("#f-level", "commune")
        page.get_by_role("button", name="Áp dụng bộ lọc").click()
        page.wait_for_url("**level=commune**")
        titles = page.locator(".result-title").all_inner_texts()
        assert "Đăng ký khai sinh" in titles and "Đăng ký thường trú" in titles
        assert "Cấp giấy phép hành nghề khám bệnh, chữa bệnh" not in titles
    finally:
        context.close()


PHONE_PATHS = [
    "/",
    "/thu-tuc/",
    "/thu-tuc/?q=khai+sinh",
    "/thu-tuc/1.001193/",
    "/thu-tuc/1.012345/",
    "/thu-tuc/?q=khong+co+gi+ca",
    "/thu-tuc/?level=galaxy",
    "/thu-tuc/9.999999/",
]


def test_nothing_overflows_on_a_phone(browser, site):
    context, page = new_page(browser, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        for path in PHONE_PATHS:
            page.goto(site + path)
            scroll_width, inner_width = page.evaluate(
                "[document.scrollingElement.scrollWidth, window.innerWidth]"
            )
            assert inner_width == PHONE["width"]
            assert scroll_width <= inner_width, (
                f"{path}: page is {scroll_width}px wide on a {inner_width}px phone"
            )
            # The main heading is fully on screen, not pushed sideways.
            heading = page.locator("h1").bounding_box()
            assert (
                heading is not None and heading["x"] >= 0 and heading["x"] + heading["width"] <= inner_width
            )
    finally:
        context.close()


def test_language_switch_to_english_and_back(browser, site):
    context, page = new_page(browser)
    try:
        page.goto(site + "/thu-tuc/1.012345/")
        page.get_by_role("button", name="EN").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", name="Required documents").is_visible()
        assert "1,500,000 ₫" in page.locator("#phi").inner_text()
        page.get_by_role("button", name="VI").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="Thành phần hồ sơ").is_visible()
        assert "1.500.000 ₫" in page.locator("#phi").inner_text()
    finally:
        context.close()


def test_a_citizen_looks_up_a_dossier_on_a_phone(browser, site, people, agencies):
    from motcua.catalog.services import apply_record
    from motcua.dossiers import services
    from tests.api.catalog_data import record
    from tests.dossiers.conftest import local, submission

    apply_record(record("1.001193", "Đăng ký khai sinh có yếu tố nước ngoài", agencies=["000.00.15.H40"]))
    d = services.submit_dossier(people["tiepnhan"], submission(channel=1), at=local(2025, 8, 15, 15))
    context, page = new_page(browser, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        page.goto(site + "/")
        page.get_by_role("link", name="Tra cứu hồ sơ").click()
        page.fill("#lookup-code", d.code)
        page.fill("#lookup-last4", "1234")
        with page.expect_navigation():  # posted: the digits stay out of the address bar
            page.locator(".lookup-form button").click()
        assert page.url == site + "/tra-cuu-ho-so/"
        assert page.locator(".status").inner_text() == "Được tiếp nhận"
        assert "Ngày hẹn trả kết quả" in page.locator(".facts").inner_text()
        assert page.locator(".timeline li").count() == 1
        scroll_width, inner_width = page.evaluate(
            "[document.scrollingElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= inner_width
    finally:
        context.close()
