"""The officers' whole flow in Debian's Chromium, as three people at three computers (contract §6):
reception receives at the counter and forwards, the specialist asks for a supplement, reception hands it
in, the specialist passes the dossier to the leader, the leader approves and reception returns the result.
Each step goes through the real pages with the keyboard where an officer would use it, at the counter's
1366x768 screen, with no horizontal overflow, no console error and no CSP violation on the way.

Screenshots of the sign-in, counter, queue and dossier pages go to `$MOTCUA_SCREENSHOTS` (default: the
test's tmp_path); `MOTCUA_SCREENSHOTS=docs/screenshots` regenerates the README's pictures.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from motcua.dossiers import services
from tests.api.catalog_data import make_procedure as make_catalogue_procedure
from tests.dossiers.conftest import submission
from tests.portal.test_browser import new_page
from tests.workspace.counter_data import CODE, make_procedure
from tests.workspace.documents import pdf, png

pytestmark = pytest.mark.browser

SCREEN = {"width": 1366, "height": 768}  # the counter's screen
STAFF = {
    "tiepnhan": ("Phạm Thu", "Trang"),
    "chuyenvien": ("Nguyễn Văn", "Minh"),
    "lanhdao": ("Lê Hoàng", "Nam"),
}
NAME = {username: f"{last} {first}" for username, (last, first) in STAFF.items()}
APPLICANT = {"id": "001196004321", "name": "Trần Thị Lan", "phone": "0987654321", "birth": "12/03/1996"}
JUSTICE = "Sở Tư pháp tỉnh Nghệ An"
DAY = r"\d\d/\d\d/\d{4}"
MOMENT = re.compile(rf"^\d\d:\d\d {DAY}$")
# Other dossiers already in the queue: the search must pick the right one among them.
OTHERS = ("Nguyễn Thị Hoa", "Lê Văn Tâm", "Hoàng Thị Mai", "Đỗ Minh Quân")


@pytest.fixture
def site(live_server, transactional_db, people, agencies) -> str:
    for username, (last, first) in STAFF.items():
        people[username].last_name, people[username].first_name = last, first
        people[username].save(update_fields=["last_name", "first_name"])
    make_procedure(agencies)
    for i, name in enumerate(OTHERS):
        at_the_department(people["tiepnhan"], name, f"03819000{i:04d}")
    return live_server.url


def at_the_department(reception, name: str, id_number: str) -> str:
    """A dossier received at the counter and forwarded to the justice department: its code."""
    applicant = {**submission()["applicant"], "name": name, "id_number": id_number}
    d = services.submit_dossier(
        reception, submission(procedure=CODE, channel=1, applicant=applicant), at=timezone.now()
    )
    services.perform(reception, d.code, "forward", to="000.00.15.H40")
    return d.code


@pytest.fixture
def health_dossier(site, people, agencies) -> str:
    """A dossier of another department: nothing the justice department's staff may see."""
    health = agencies["health"].identifier
    make_catalogue_procedure("2.000889", "Cấp giấy phép hành nghề", levels=["province"], agencies=[health])
    d = services.submit_dossier(
        people["tiepnhan"], submission(procedure="2.000889", agency=health, channel=1), at=timezone.now()
    )
    return d.code


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("MOTCUA_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Desk:
    """One officer at their own computer: a browser context of their own, its console watched."""

    def __init__(self, chromium, site: str, username: str | None = None):
        self.site = site
        self.context, self.page = new_page(chromium, viewport=SCREEN)
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        if username:
            self.sign_in(username)

    def _console(self, message) -> None:
        # CSP violations are console errors too; warnings and logs are not problems.
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"{self.page.url}: {message.text}")

    def sign_in(self, username: str, password: str = "demo") -> None:
        page = self.page
        page.goto(self.site + "/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_label("Mật khẩu").press("Enter")
        if password == "demo":
            page.wait_for_url(lambda url: "/dang-nhap/" not in url)
            expect(page.locator(".ws-user")).to_have_text(NAME[username])

    def fits(self) -> None:
        """Nothing wider than the screen: no sideways scrolling at the counter."""
        scroll, inner = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert inner == SCREEN["width"] and scroll <= inner, (
            f"{self.page.url}: {scroll}px on a {inner}px screen"
        )

    def find(self, text: str, code: str, box: str = "#ws-find-q") -> None:
        """A search as typed (the header's, or the queue's filter box): the queue shows the dossier; its
        code opens it."""
        page = self.page
        page.locator(box).fill(text)
        page.locator(box).press("Enter")
        page.wait_for_url(re.compile(r"/can-bo/\?(.*&)?q="))
        row = page.locator("tbody tr").filter(has_text=code)
        expect(row).to_have_count(1)
        self.fits()
        row.get_by_role("link", name=code).click()
        page.wait_for_url(f"**/can-bo/ho-so/{code}/")
        expect(page.locator("#dossier-title")).to_contain_text(code)
        self.fits()

    def act(self, action: str, done: str, **fields) -> None:
        """Fill an action's form on the dossier page and send it; the page reloads with what was done."""
        page = self.page
        slug = action.replace("_", "-")
        section = page.locator(f"#thao-tac-{slug}")
        for name, value in fields.items():
            field = section.locator(f"#{slug}-{name}")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(label=value)
            else:
                field.fill(value)
        section.locator(f"#thao-tac-{slug}-gui").click()
        expect(page.locator(".ws-messages")).to_contain_text(done)
        self.fits()

    def close(self) -> list[str]:
        self.context.close()
        return self.problems


def status(page) -> str:
    return page.locator("#trang-thai").inner_text()


# ---------------------------------------------------------------------------------------------- the flow
def receive_at_the_counter(desk: Desk, shots: Path) -> str:
    """Step 1: reception finds the procedure, ticks the papers, types the applicant, scans the declaration,
    takes the fee in cash and receives. Returns the dossier code."""
    page = desk.page
    assert page.url == desk.site + "/can-bo/tiep-nhan/", "reception lands on the counter"
    expect(page.locator("#counter-q")).to_be_focused()
    page.keyboard.type("dang ky khai sinh")  # no accents, as typed in a hurry
    result = page.locator(f'[id="thu-tuc-{CODE}"]')
    expect(result).to_contain_text("Đăng ký khai sinh")
    page.keyboard.press("ArrowDown")
    expect(result).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/can-bo/tiep-nhan/?thu_tuc={CODE}")
    expect(page.locator("#counter-proc-title")).to_have_text(f"{CODE} Đăng ký khai sinh")
    expect(page.locator("#counter-agency")).to_have_value("000.00.15.H40")  # the only one: chosen already
    expect(page.locator("#counter-due-preview")).to_have_text(MOMENT)
    expect(page.locator("#counter-fee-total")).to_have_text("8.000 ₫")
    desk.fits()

    # The papers handed over, ticked with the space bar: the receive button waits for the demanded ones.
    everything = page.get_by_role("button", name="Đủ tất cả giấy tờ phải nộp")
    expect(everything).to_be_visible()
    page.locator("#tp-TP1").focus()
    page.keyboard.press("Space")
    expect(page.locator("#counter-missing")).to_contain_text("Giấy chứng sinh")
    expect(page.locator("#counter-receive")).to_be_disabled()
    page.locator("#tp-TP2").focus()
    page.keyboard.press("Space")
    expect(page.locator("#counter-missing")).to_be_hidden()
    expect(everything).to_be_hidden()
    expect(page.locator("#counter-receive")).to_be_enabled()
    page.locator("#so-ban-TP2").fill("2")

    # The applicant: Enter in the ID field looks the number up first (nobody known: type it in).
    page.locator("#applicant-id-number").fill(APPLICANT["id"])
    page.locator("#applicant-id-number").press("Enter")
    expect(page.locator("#counter-applicant .counter-note")).to_contain_text("Chưa có hồ sơ hay tài khoản")
    expect(page.locator("#applicant-name")).to_be_focused()
    page.keyboard.type(APPLICANT["name"])
    page.locator("#applicant-birth-date").fill(APPLICANT["birth"])
    page.locator("#applicant-phone").fill(APPLICANT["phone"])

    # The declaration's scan with what makes it a digitised paper (its holder: the applicant's number).
    page.locator("#tp-TP1").locator("xpath=ancestor::li[1]").locator("summary").click()
    page.locator("#scan-TP1").set_input_files(
        files=[
            {"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": pdf("To khai dang ky khai sinh")}
        ]
    )
    expect(page.locator("#m-TP1-holder_id_number")).to_have_value(APPLICANT["id"])
    page.locator("#m-TP1-content_summary").fill("Khai sinh cho con của chị Trần Thị Lan")
    page.locator("#m-TP1-valid_indefinitely").check()

    page.locator("#fee-method").select_option("cash")
    page.locator("#counter-receive").click()

    expect(page.locator("#counter-result-title")).to_have_text("Đã tiếp nhận hồ sơ")
    code = page.locator("#result-code").inner_text()
    assert re.fullmatch(r"000\.00\.00\.H40-\d{6}-\d{4}", code), code  # the receiving centre's
    expect(page.locator("#result-due")).to_have_text(re.compile(rf"^{DAY}$"))
    expect(page.locator("#result-fee")).to_contain_text("Đã thu phí, lệ phí 8.000 ₫ (Tiền mặt")
    expect(page.locator(".counter-scans")).to_contain_text("đã số hóa")
    desk.fits()
    page.screenshot(path=shots / "counter.png")

    # Form 01 opens in a new tab.
    form = page.locator("#counter-form-01")
    expect(form).to_contain_text("In giấy tiếp nhận (Mẫu 01)")
    with (
        desk.context.expect_page() as tab_opened,
        desk.context.expect_event(
            "response", lambda r: r.url.endswith(f"/dossiers/{code}/forms/01")
        ) as answered,
    ):
        form.click()
    answered.value.finished()
    assert answered.value.status == 200
    assert answered.value.headers["content-type"].split(";")[0] == "application/pdf"
    tab_opened.value.close()
    return code


def forward_to_the_department(desk: Desk, code: str) -> None:
    page = desk.page
    page.locator("#counter-open").click()
    page.wait_for_url(f"**/can-bo/ho-so/{code}/")
    assert status(page) == "Được tiếp nhận"
    assert page.locator("#thao-tac-forward h3").inner_text() == "Chuyển cơ quan giải quyết"
    desk.act("forward", f"Đã chuyển hồ sơ {code} đến {JUSTICE}", to=JUSTICE)
    assert status(page) == "Đang xử lý"


def request_a_supplement(desk: Desk, code: str, shots: Path) -> None:
    """Step 2: the specialist looks at the unit's queue (nothing is assigned to them yet), finds the dossier
    by part of its code, in lower case, and asks for two papers."""
    page = desk.page
    assert page.url == desk.site + "/can-bo/"
    expect(page.locator("#view-mine")).to_have_attribute("aria-current", "page")
    expect(page.locator("#view-unit .count")).to_have_text(str(len(OTHERS) + 1))
    page.locator("#view-unit").click()
    expect(page.locator("#view-unit")).to_have_attribute("aria-current", "page")
    expect(page.locator("tbody tr").filter(has_text=code)).to_have_count(1)
    expect(page.locator("tbody tr")).to_have_count(len(OTHERS) + 1)
    desk.fits()
    page.screenshot(path=shots / "queue.png")
    page.locator(".queue-filters summary").click()
    desk.find(code[-15:].lower(), code, box="#f-q")
    assert page.locator("#thao-tac-complete").count() == 0, "only the leader approves"
    section = page.locator("#thao-tac-request-supplement")
    section.locator("#request-supplement-reason").fill("Bản sao giấy chứng sinh không rõ, thiếu giấy tờ")
    section.locator("#request-supplement-items-1").fill("Giấy chứng sinh (bản sao rõ nét)")
    section.locator("#request-supplement-items-2").fill("Giấy xác nhận cư trú")
    desk.act("request_supplement", f"Đã gửi yêu cầu bổ sung, hoàn thiện hồ sơ {code}")
    assert status(page) == "Yêu cầu bổ sung giấy tờ"
    expect(page.locator(".ws-message.issued")).to_contain_text("Đã lập Mẫu 02")
    form_02 = page.locator("#in-mau-02")
    expect(form_02).to_contain_text("Mẫu 02")
    printed = page.request.get(desk.site + form_02.get_attribute("href"))  # the officer's session
    assert printed.status == 200 and printed.headers["content-type"] == "application/pdf"


def hand_in_the_supplement(desk: Desk, code: str) -> None:
    """Step 3: the applicant comes back with Form 02; reception opens the dossier by the code printed on it
    (it waits at the department, outside the counter's queue), scans the paper and hands it in."""
    page = desk.page
    page.goto(f"{desk.site}/can-bo/ho-so/{code}/")
    assert status(page) == "Yêu cầu bổ sung giấy tờ"
    upload = page.locator("#them-ban-quet")
    upload.locator("#them-ban-quet-tep").set_input_files(
        files=[{"name": "giay-chung-sinh.png", "mimeType": "image/png", "buffer": png()}]
    )
    upload.locator("#them-ban-quet-thanh-phan").select_option(label="Giấy chứng sinh")
    upload.get_by_role("button", name="Tải lên").click()
    expect(page.locator(".ws-messages")).to_contain_text("Đã tải lên tệp giay-chung-sinh.png")
    expect(page.locator("#thao-tac-supplement")).to_contain_text("giay-chung-sinh.png")
    desk.act("supplement", f"Đã nhận hồ sơ bổ sung của hồ sơ {code}", note="Nộp bổ sung tại quầy")
    assert status(page) == "Đang xử lý"


def to_the_leader(desk: Desk, code: str) -> None:
    page = desk.page
    page.reload()
    assert status(page) == "Đang xử lý"
    desk.act(
        "forward",
        f"Đã chuyển hồ sơ {code} đến {NAME['lanhdao']} ({JUSTICE})",
        to=f"{NAME['lanhdao']} – Lãnh đạo phê duyệt",
    )


def approve(desk: Desk, code: str, shots: Path) -> None:
    """The leader finds the dossier given to them by the applicant's name, typed without accents, and
    approves it, naming the result."""
    page = desk.page
    expect(page.locator("#view-mine")).to_have_attribute("aria-current", "page")
    page.keyboard.press("/")  # the search from anywhere
    expect(page.locator("#ws-find-q")).to_be_focused()
    desk.find("tran thi lan", code)
    expect(page.locator("#thao-tac-complete h3")).to_have_text("Phê duyệt, hoàn thành")
    expect(page.locator("#complete-result")).to_have_value("Giấy khai sinh")  # the procedure's result
    page.screenshot(path=shots / "dossier.png")
    desk.act("complete", "Đã phê duyệt", result="Giấy khai sinh (bản chính)")
    assert status(page) == "Đã xử lý xong"


def return_the_result(desk: Desk, code: str) -> None:
    """Reception finds the result among the unit's dossiers waiting at the counter and hands it over."""
    page = desk.page
    page.locator(".ws-nav").get_by_role("link", name="Hồ sơ cần xử lý").click()
    page.wait_for_url(desk.site + "/can-bo/")
    page.locator("#group-to_return").click()
    expect(page.locator("#group-to_return")).to_have_attribute("aria-current", "page")
    row = page.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Đã xử lý xong")
    desk.fits()
    row.get_by_role("link", name=code).click()
    page.wait_for_url(f"**/can-bo/ho-so/{code}/")
    assert status(page) == "Đã xử lý xong"
    desk.act("return_result", f"Đã trả kết quả hồ sơ {code}")
    assert status(page) == "Đã trả kết quả"
    assert page.locator("#thao-tac .action").count() == 0, "nothing left to do"


def assert_the_timeline(page) -> None:
    """Every step, each with when (HH:MM dd/mm/yyyy) and who (family name first) for which unit."""
    rows = page.locator("#qua-trinh > li")
    seen = []
    for i in range(rows.count()):
        row = rows.nth(i)
        assert MOMENT.match(row.locator("time").inner_text())
        seen.append((row.locator(".what strong").first.inner_text(), row.locator(".who").inner_text()))
    centre = f"{NAME['tiepnhan']} – Trung tâm Phục vụ hành chính công tỉnh Nghệ An"
    specialist, leader = f"{NAME['chuyenvien']} – {JUSTICE}", f"{NAME['lanhdao']} – {JUSTICE}"
    assert seen == [
        ("Tiếp nhận tại quầy", centre),
        ("Thu phí, lệ phí tại quầy", centre),
        ("Số hóa thành phần hồ sơ", centre),
        ("Chuyển cơ quan giải quyết", centre),
        ("Yêu cầu bổ sung hồ sơ", specialist),
        ("Bổ sung hồ sơ", centre),
        ("Chuyển xử lý", specialist),
        ("Phê duyệt, hoàn thành", leader),
        ("Trả kết quả", centre),
    ]
    text = page.locator("#qua-trinh").inner_text()
    for detail in ("Giấy xác nhận cư trú", "Nộp bổ sung tại quầy", "Kết quả: Giấy khai sinh (bản chính)"):
        assert detail in text, detail


def test_the_whole_officer_flow_at_the_counter_screen(browser, site, shots):
    desks = []

    def sit_down(username: str | None = None) -> Desk:
        desks.append(Desk(browser, site, username))
        return desks[-1]

    try:
        reception = sit_down()
        reception.page.goto(site + "/dang-nhap/")
        reception.fits()
        reception.page.screenshot(path=shots / "signin.png")
        reception.sign_in("tiepnhan")
        code = receive_at_the_counter(reception, shots)
        forward_to_the_department(reception, code)
        specialist = sit_down("chuyenvien")
        request_a_supplement(specialist, code, shots)
        hand_in_the_supplement(reception, code)
        to_the_leader(specialist, code)
        approve(sit_down("lanhdao"), code, shots)
        return_the_result(reception, code)
        assert_the_timeline(reception.page)
    finally:
        problems = [p for desk in desks for p in desk.close()]
    assert problems == []


def test_a_wrong_password_keeps_the_officer_on_the_sign_in_page(browser, site):
    desk = Desk(browser, site)
    desk.sign_in("chuyenvien", "sai-mat-khau")
    page = desk.page
    expect(page.locator("#signin-error")).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng")
    assert page.url.split("?")[0] == site + "/dang-nhap/"
    assert page.locator("html").get_attribute("lang") == "vi"
    page.goto(site + "/can-bo/")
    assert page.url.startswith(site + "/dang-nhap/?next=")
    # The failed sign-in answers 400: Chromium logs that one response, nothing else.
    assert [p for p in desk.close() if "status of 400" not in p] == []


def test_an_action_not_offered_is_refused_and_another_department_is_not_found(
    browser,
    site,
    people,
    health_dossier,
):
    code = at_the_department(people["tiepnhan"], "Vũ Thị Ngọc", "038190009999")
    desk = Desk(browser, site, "chuyenvien")
    page = desk.page
    try:
        page.goto(f"{site}/can-bo/ho-so/{code}/")
        assert page.locator("#thao-tac-forward").count() == 1
        assert (
            page.locator("#thao-tac-complete").count() == 0
            and page.locator("#thao-tac-return-result").count() == 0
        )
        # Posted by hand with the page's session and CSRF token: the specialist may not approve.
        token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
        version = page.locator("#thao-tac-forward input[name=version]").input_value()
        answer = page.request.post(
            f"{site}/can-bo/ho-so/{code}/thao-tac/complete/",
            form={"csrfmiddlewaretoken": token, "version": version, "result": "Giấy khai sinh"},
        )
        assert answer.status == 403
        assert (
            "Không được phép thực hiện thao tác này" in answer.text()
            and "Hồ sơ không thay đổi" in answer.text()
        )
        page.reload()
        assert status(page) == "Đang xử lý"
        # Another department's dossier does not exist for them: the site's 404 page, in Vietnamese.
        leader = Desk(browser, site, "lanhdao")
        response = leader.page.goto(f"{site}/can-bo/ho-so/{health_dossier}/")
        assert response.status == 404
        expect(leader.page.locator("h1")).to_have_text("Không tìm thấy trang")
        assert health_dossier not in leader.page.locator("main").inner_text()
        assert leader.page.locator("html").get_attribute("lang") == "vi"
        assert [p for p in leader.close() if "status of 404" not in p] == []
    finally:
        problems = desk.close()
    assert problems == []
