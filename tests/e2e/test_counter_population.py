"""The population database lookup at the counter and on the online form in Debian's Chromium (1366x768, the counter's screen): the
officer types the personal ID, name and birth date from the paper, presses "Tra cứu CSDL dân cư", the applicant
is filled and verified from the registry (htmx swap, no inline script), and the dossier received from that form
lists the population database in DSKetNoiCSDL. The platform is the simulator process."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from motcua.directory.models import Applicant
from motcua.dossiers.models import Dossier
from motcua.integrations.population.models import Lookup
from tests.integrations.population.sim import HOA, platform, population_server  # noqa: F401 (fixtures)
from tests.online.conftest import CODE as ONLINE_CODE
from tests.online.conftest import procedure  # noqa: F401 (fixture)
from tests.portal.test_browser import PHONE, browser, new_page  # noqa: F401 (fixture)
from tests.workspace.counter_data import CODE, make_procedure

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser
SCREEN = {"width": 1366, "height": 768}


@pytest.fixture
def site(live_server, transactional_db, people, agencies, platform) -> str:  # noqa: F811
    make_procedure(agencies)
    return live_server.url


def test_the_counter_fills_the_applicant_from_the_population_database(browser, site, tmp_path):  # noqa: F811
    context, page = new_page(browser, viewport=SCREEN)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    shots = Path(os.environ.get("MOTCUA_SCREENSHOTS") or tmp_path)
    try:
        page.goto(site + "/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill("tiepnhan")
        page.get_by_label("Mật khẩu").fill("demo")
        page.get_by_label("Mật khẩu").press("Enter")
        page.wait_for_url(lambda url: "/dang-nhap/" not in url)
        page.goto(f"{site}/can-bo/tiep-nhan/?thu_tuc={CODE}")
        page.locator("#tp-TP1").check()
        page.locator("#tp-TP2").check()
        page.locator("#applicant-id-number").fill(HOA[0])
        page.locator("#applicant-name").fill("nguyễn thị hoa")  # as typed in a hurry
        page.locator("#applicant-birth-date").fill(HOA[2])
        page.locator("#applicant-phone").fill("0912345678")
        page.locator("#applicant-population").click()
        verdict = page.locator("#population-verdict")
        expect(verdict).to_contain_text("Đã đối chiếu với CSDL quốc gia về dân cư")
        expect(verdict).to_contain_text("Nữ")
        expect(page.locator("#applicant-name")).to_have_value("Nguyễn Thị Hoa")
        expect(page.locator("#applicant-address")).to_have_value(
            "Số 12 ngõ 5 đường Lê Lợi, phường Thành Vinh, tỉnh Nghệ An"
        )
        expect(page.locator("#applicant-phone")).to_have_value("0912345678")  # kept: not the registry's
        expect(page.locator("#tp-TP1")).to_be_checked()  # only the applicant was swapped
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{scroll}px on a {inner}px screen"
        page.screenshot(path=str(shots / "tiep-nhan-csdl-dan-cu.png"), full_page=True)
        page.locator("#fee-method").select_option("cash")
        page.locator("#counter-receive").click()
        expect(page.locator("#counter-result-title")).to_be_visible()
        d = Dossier.objects.get()
        assert d.national_databases == ["CSDLDC"] and d.applicant_name == "Nguyễn Thị Hoa"
        assert Lookup.objects.get().dossier_id == d.pk
        assert problems == [], problems
    finally:
        context.close()


@pytest.fixture
def online_site(live_server, transactional_db, people, procedure, platform) -> str:  # noqa: F811
    # congdan as load_demo makes her: the simulator knows Nguyễn Thị Hoa by her number and birth date.
    Applicant.objects.filter(user=people["congdan"]).update(id_number=HOA[0], birth_date=date(1990, 3, 15))
    return live_server.url


def test_a_citizen_verifies_herself_on_the_online_form_on_a_phone(browser, online_site, agencies, tmp_path):  # noqa: F811
    context, page = new_page(browser, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    shots = Path(os.environ.get("MOTCUA_SCREENSHOTS") or tmp_path)
    try:
        page.goto(online_site + "/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill("congdan")
        page.get_by_label("Mật khẩu").fill("demo")
        page.get_by_label("Mật khẩu").press("Enter")
        page.wait_for_url(lambda url: "/dang-nhap/" not in url)
        page.goto(f"{online_site}/nop-ho-so/{ONLINE_CODE}/")
        step = page.locator("#step-case")
        step.get_by_label("Đăng ký đúng hạn").check()
        step.get_by_label("Cơ quan giải quyết").select_option(agencies["justice"].identifier)
        step.get_by_role("button", name="Tiếp tục").click()
        page.wait_for_url("**/to-khai/")
        expect(page.locator("#population-online_self")).to_contain_text("chưa đối chiếu")
        page.locator("#population-check").click()
        page.wait_for_url("**/to-khai/#population")
        expect(page.locator("#population-online_self")).to_contain_text(
            "Đã đối chiếu với CSDL quốc gia về dân cư"
        )
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert inner == PHONE["width"] and scroll <= inner, f"{scroll}px on a {inner}px screen"
        page.screenshot(path=str(shots / "nop-truc-tuyen-csdl-dan-cu.png"), full_page=True)
        assert problems == [], problems
    finally:
        context.close()
