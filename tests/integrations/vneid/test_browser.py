"""VNeID sign-in in a real browser: motcua's sign-in page → the provider's page → back, signed in."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from motcua.directory.models import Applicant
from tests.portal.test_browser import PHONE, browser, new_page  # noqa: F401 (fixture)

from .conftest import HOA

pytestmark = pytest.mark.browser

SCREENS = {
    "desktop": {"viewport": {"width": 1366, "height": 768}},
    "phone": {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
}


@pytest.fixture
def site(live_server, transactional_db, people, provider) -> str:
    Applicant.objects.filter(user=people["congdan"]).update(id_number=HOA)
    get_user_model().objects.filter(pk=people["congdan"].pk).update(last_name="Nguyễn Thị", first_name="Hoa")
    return live_server.url


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("screen", SCREENS)
def test_sign_in_with_vneid_as_nguyen_thi_hoa(browser, site, provider, screen):  # noqa: F811 (fixture)
    context, page = new_page(browser, **SCREENS[screen])
    try:
        page.goto(site + "/dang-nhap/")
        button = page.locator("#signin-vneid")
        assert button.inner_text().strip() == "Đăng nhập bằng tài khoản định danh điện tử VNeID"
        button.click()
        page.wait_for_url(provider.issuer + "/authorize?**")
        assert page.locator("h1").inner_text() == "Đăng nhập bằng tài khoản định danh điện tử"
        assert no_sideways_scroll(page)
        page.locator(f"#citizen-{HOA}").click()
        page.wait_for_url(site + "/ca-nhan/")
        assert page.locator("header .account").inner_text() == "Nguyễn Thị Hoa"
        assert no_sideways_scroll(page)
    finally:
        context.close()


def test_denying_on_the_provider_page_comes_back_signed_out_with_a_message(browser, site):  # noqa: F811
    context, page = new_page(browser, **SCREENS["phone"])
    try:
        page.goto(site + "/dang-nhap/")
        page.locator("#signin-vneid").click()
        page.locator("#deny").click()
        page.wait_for_url(site + "/dang-nhap/vneid/callback/**")
        assert "không đồng ý chia sẻ thông tin" in page.locator("#vneid-error").inner_text()
        assert page.locator("header .account").count() == 0
        assert no_sideways_scroll(page)
    finally:
        context.close()
