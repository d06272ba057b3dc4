"""Paying a fee online in Debian's Chromium, on a 390x844 phone and a 1366x768 desktop, against the payment
platform simulator as its own process (`motcua payment_simulator`):

the citizen signs in, opens her dossier waiting for payment (status 6), presses "Thanh toán trực tuyến",
lands on the simulator's payment page, chooses "Thanh toán thành công"; the simulator posts its signed
confirmation to the live server's callback and sends the browser back to /thanh-toan/ket-qua/, which says
the payment succeeded; she downloads the receipt, a PDF that names the dossier and the amount. Then the
officer's payment panel at 1366x768 shows the attempt and the payment. Screenshots go to
`$MOTCUA_SCREENSHOTS` when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.payments import gateways
from motcua.payments.models import Payment, PaymentAttempt, ReceivingAccount
from tests.documents.conftest import pdf_text
from tests.dossiers.conftest import procedure, submission  # noqa: F401 (fixture)
from tests.payments.conftest import PARTNER, SECRET, Sim
from tests.portal.test_browser import PHONE, browser, new_page  # noqa: F401 (fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}
SCREENS = {
    "phone": {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": DESKTOP},
}


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("MOTCUA_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def site(live_server, transactional_db, people, agencies, procedure, settings, tmp_path):  # noqa: F811
    """The live server connected to a simulator process whose callback and return page are the server's."""
    people["congdan"].last_name, people["congdan"].first_name = "Nguyễn Thị", "Hoa"
    people["congdan"].save(update_fields=["last_name", "first_name"])
    ReceivingAccount.objects.create(
        agency=agencies["justice"],
        bank_bin="970415",
        bank_name="VietinBank",
        account_number="113000012345",
        account_name="SO TU PHAP TINH NGHE AN",
        receipt_series="AA-26E",
    )
    sim = Sim(tmp_path / "sim.sqlite3", tmp_path / "sim-var", f"{live_server.url}/api/v1/payments/callback")
    sim.return_url = f"{live_server.url}/thanh-toan/ket-qua/"
    # The confirmation comes 1.5 s after the payer is sent back: the return page first waits, then refreshes
    # itself into the result (and, on the test's in-memory SQLite, the two never write at the same moment).
    sim.start("--delay", "1.5")
    settings.PAYMENT_URL, settings.PAYMENT_PARTNER, settings.PAYMENT_SECRET = sim.url, PARTNER, SECRET
    gateways.reset()
    try:
        yield live_server.url, sim
    finally:
        sim.stop()
        gateways.reset()


def waiting_for_payment(people) -> Dossier:
    """Hoa's online dossier: its filing fee collected at the counter, then 1.500.000 ₫ asked (status 6)."""
    now = timezone.now()
    d = services.submit_dossier(people["congdan"], submission(), at=now)
    services.perform(people["tiepnhan"], d.code, "accept", at=now)
    services.perform(people["tiepnhan"], d.code, "pay", method="cash", reference="", at=now)
    services.perform(people["tiepnhan"], d.code, "forward", at=now)
    services.perform(
        people["chuyenvien"],
        d.code,
        "request_payment",
        amount=1500000,
        name="Lệ phí cấp bản sao trích lục",
        at=now,
    )
    d.refresh_from_db()
    assert (d.status, d.fee_total - d.fee_paid) == (6, 1500000)
    return d


@pytest.mark.parametrize("screen", SCREENS)
def test_a_citizen_pays_through_the_platform_page_and_downloads_the_receipt(
    browser,  # noqa: F811
    site,
    people,
    shots,
    tmp_path,
    screen,
):
    url, sim = site
    d = waiting_for_payment(people)
    context, page = new_page(browser, accept_downloads=True, **SCREENS[screen])
    width = SCREENS[screen]["viewport"]["width"]
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.text} {m.location}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    def shot(name: str) -> None:
        if page.url.startswith(url):  # the simulator's page is not ours to lay out
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert inner == width and scroll <= inner, f"{page.url}: {scroll}px on a {inner}px screen"
        page.screenshot(path=str(shots / f"thanh-toan-{name}-{screen}.png"), full_page=True)

    try:
        page.goto(url + "/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill("congdan")
        page.get_by_label("Mật khẩu").fill("demo")
        page.get_by_label("Mật khẩu").press("Enter")
        page.wait_for_url(url + "/ca-nhan/")
        row = page.locator("li", has_text=d.code).first
        expect(row).to_contain_text("Cần nộp phí, lệ phí")
        row.get_by_role("link", name=d.code).click()
        page.wait_for_url(f"**/ca-nhan/ho-so/{d.code}/")
        fees = page.locator("#phi-le-phi")
        expect(fees).to_contain_text("Lệ phí cấp bản sao trích lục")
        expect(fees.locator("#amount-due")).to_have_text("1.500.000 ₫")
        expect(fees.locator("#vietqr")).to_contain_text("113000012345")
        expect(fees.locator("#vietqr")).to_contain_text(d.code)
        qr = fees.locator("#vietqr img")
        expect(qr).to_be_visible()
        assert page.evaluate("(img) => img.naturalWidth > 0", qr.element_handle()), "the VietQR PNG loads"
        shot("ho-so")

        fees.get_by_role("button", name="Thanh toán trực tuyến").click()
        page.wait_for_load_state()
        assert page.url.startswith(sim.url), (page.url, page.locator("main").inner_text()[:800])
        attempt = PaymentAttempt.objects.get(request__dossier=d)
        expect(page.locator("body")).to_contain_text("1.500.000")
        shot("nen-tang")
        page.get_by_role("button", name="Thanh toán thành công").click()
        page.wait_for_load_state()
        assert page.url.startswith(f"{url}/thanh-toan/ket-qua/?ref={attempt.reference}"), (
            page.url,
            page.locator("body").inner_text()[:500],
        )
        expect(page.locator("#result-title")).to_have_text("Đang chờ xác nhận từ nền tảng thanh toán")
        shot("cho-xac-nhan")
        # The page asks again by itself (a meta refresh every 3 s) until the confirmation is in.
        expect(page.locator("#result-title")).to_have_text("Thanh toán thành công", timeout=20000)
        expect(page.locator("#result-amount")).to_have_text("1.500.000 ₫")
        shot("ket-qua")

        with page.expect_download() as info:
            page.locator("#receipt-link").click()
        pdf = Path(info.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF-"), pdf[:20]
        text = pdf_text(pdf, tmp_path)
        assert d.code in text and "1.500.000" in text, text
        d.refresh_from_db()
        assert (d.status, d.paid_online, d.fee_paid) == (4, 1, d.fee_total)
        payment = Payment.objects.get(attempt=attempt)
        assert (payment.method, payment.amount) == ("online", 1500000)
        assert not problems, problems
    finally:
        context.close()


def test_the_officers_panel_shows_the_online_payment(browser, site, people, shots):  # noqa: F811
    url, sim = site
    d = waiting_for_payment(people)
    attempt = services_start(people, d)
    assert sim.pay(attempt.reference, "paid").status_code == 200
    payment = wait_for_payment(attempt)
    context, page = new_page(browser, viewport=DESKTOP)
    try:
        page.goto(url + "/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill("chuyenvien")
        page.get_by_label("Mật khẩu").fill("demo")
        page.get_by_label("Mật khẩu").press("Enter")
        page.wait_for_url(url + "/can-bo/**")
        page.goto(f"{url}/can-bo/ho-so/{d.code}/")
        panel = page.locator("#thanh-toan")
        expect(panel.locator("#pay-attempts")).to_contain_text(attempt.reference)
        expect(panel.locator("#pay-attempts")).to_contain_text("Đã thanh toán")
        expect(panel.locator("#pay-payments")).to_contain_text("1.500.000 ₫ · Thanh toán trực tuyến")
        link = panel.locator(f'#pay-payments [data-payment="{payment.pk}"] .receipt-link')
        expect(link).to_have_attribute("href", f"/api/v1/payments/{payment.pk}/receipt")
        panel.scroll_into_view_if_needed()
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner == 1366, f"{scroll}px on a {inner}px screen"
        page.screenshot(path=str(shots / "thanh-toan-can-bo-desktop.png"), full_page=True)
        response = page.request.get(f"{url}/api/v1/payments/{payment.pk}/receipt")
        assert response.status == 200 and response.body().startswith(b"%PDF-")
    finally:
        context.close()


def services_start(people, d: Dossier) -> PaymentAttempt:
    from motcua.payments import services as payment_services

    return payment_services.start(people["congdan"], d.code, ip="127.0.0.1", device="desktop")


def wait_for_payment(attempt: PaymentAttempt, timeout: float = 15.0) -> Payment:
    import time

    deadline = time.monotonic() + timeout
    from django.db import OperationalError

    while time.monotonic() < deadline:
        try:
            found = Payment.objects.filter(attempt=attempt).first()
        except OperationalError:  # the in-memory SQLite's table lock while the callback writes: ask again
            found = None
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no payment recorded for {attempt.reference}")
