"""A citizen's whole online journey in Debian's Chromium, at a 1366x768 desktop and a 390x844 phone:

sign in through the local VNeID provider → file a dossier online with one uploaded paper and one paper
reused from the data warehouse → the one-stop accepts it and the specialist asks for a supplement →
answer it online → the leader completes it, which issues the result signed by the agency → download the
signed PDF from "my dossiers" and verify it on the public /ket-qua/ page; a copy with one byte changed is
reported invalid. The officers' steps go through the same services their pages call (their pages have
their own browser tests). Screenshots go to `$MOTCUA_SCREENSHOTS` when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from motcua.directory.models import Applicant
from motcua.documents.models import Result
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierFile, Reuse
from tests.integrations.vneid.conftest import HOA, provider, provider_server  # noqa: F401 (fixtures)
from tests.online.conftest import CODE, pdf_bytes, procedure, warehouse  # noqa: F401 (fixtures)
from tests.portal.test_browser import PHONE, browser, new_page  # noqa: F401 (fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser

SCREENS = {
    "desktop": {"viewport": {"width": 1366, "height": 768}},
    "phone": {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
}


@pytest.fixture
def citizen(people):  # the fixture tests.online.conftest's `warehouse` asks for
    return people["congdan"]


@pytest.fixture
def site(live_server, transactional_db, people, procedure, warehouse, provider) -> str:  # noqa: F811
    # congdan is the person the provider knows as Nguyễn Thị Hoa.
    Applicant.objects.filter(user=people["congdan"]).update(id_number=HOA)
    get_user_model().objects.filter(pk=people["congdan"].pk).update(last_name="Nguyễn Thị", first_name="Hoa")
    return live_server.url


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("MOTCUA_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def officers_ask_for_a_supplement(people, code: str) -> None:
    now = timezone.now()
    services.perform(people["tiepnhan"], code, "accept", at=now)
    services.perform(people["tiepnhan"], code, "forward", at=now)
    services.perform(
        people["chuyenvien"],
        code,
        "request_supplement",
        at=now,
        reason="Giấy chứng sinh chưa rõ số.",
        items=[{"name": "Giấy chứng sinh (bản rõ nét)", "reason": "Bản đã nộp mờ số giấy"}],
    )


@pytest.mark.parametrize("screen", SCREENS)
def test_sign_in_with_vneid_file_online_supplement_and_verify_the_signed_result(
    browser,  # noqa: F811
    site,
    provider,  # noqa: F811
    people,
    agencies,
    warehouse,  # noqa: F811
    shots,
    tmp_path,
    screen,
):
    context, page = new_page(browser, **SCREENS[screen])
    width = SCREENS[screen]["viewport"]["width"]
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.text} {m.location}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status == 404 else None)

    def fits() -> None:
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert inner == width and scroll <= inner, f"{page.url}: {scroll}px on a {inner}px screen"

    def shot(name: str) -> None:
        fits()
        page.screenshot(path=str(shots / f"{name}-{screen}.png"), full_page=True)

    try:
        # 1. Sign in with VNeID.
        page.goto(site + "/dang-nhap/")
        shot("dang-nhap")
        page.locator("#signin-vneid").click()
        page.wait_for_url(provider.issuer + "/authorize?**")
        shot("vneid-nha-cung-cap")
        page.locator(f"#citizen-{HOA}").click()
        page.wait_for_url(site + "/ca-nhan/")
        expect(page.locator("header .account")).to_have_text("Nguyễn Thị Hoa")

        # 2. File online: one upload, one paper from the warehouse.
        page.goto(f"{site}/thu-tuc/{CODE}/")
        page.locator("#submit-online").click()
        page.wait_for_url(f"**/nop-ho-so/{CODE}/")
        step = page.locator("#step-case")
        step.get_by_label("Đăng ký đúng hạn").check()
        step.get_by_label("Cơ quan giải quyết").select_option(agencies["justice"].identifier)
        shot("nop-ho-so-truong-hop")
        step.get_by_role("button", name="Tiếp tục").click()
        page.wait_for_url("**/to-khai/")
        form = page.locator("#step-form")
        expect(form.locator("#own-name")).to_have_text("Nguyễn Thị Hoa")
        form.locator("#component-TP1 input[type=file]").set_input_files(
            {"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
        )
        form.locator("#component-TP2 .reuse-choice").select_option(f"f{warehouse['paper'].pk}")
        form.locator("#summary").fill("Đăng ký khai sinh cho con thứ hai")
        shot("nop-ho-so-to-khai")
        form.get_by_role("button", name="Tiếp tục: xem lại").click()
        page.wait_for_url("**/xem-lai/")
        expect(page.locator("#component-TP2")).to_contain_text("Từ kho dữ liệu")
        shot("nop-ho-so-xem-lai")
        page.locator("#submit-dossier").click()
        page.wait_for_url("**/nop-ho-so/da-nop/**")
        code = page.locator("#dossier-code").inner_text().strip()
        shot("nop-ho-so-da-nop")
        d = Dossier.objects.get(code=code)
        assert d.status == 1 and d.channel == 2 and d.vneid_verified  # TaiKhoanDuocXacThucVoiVNeID = 1
        reused = DossierFile.objects.get(dossier=d, component__code="TP2")
        assert reused.reused == Reuse.WAREHOUSE and reused.reused_from_id == warehouse["paper"].pk

        # 3. The one-stop accepts it; the specialist asks for a clearer birth notice.
        officers_ask_for_a_supplement(people, code)

        # 4. Answer the supplement request online.
        page.goto(site + "/ca-nhan/")
        row = page.locator(f'#my-dossiers [data-code="{code}"]')
        expect(row).to_contain_text("Cần bổ sung hồ sơ")
        shot("ca-nhan")
        row.get_by_role("link", name=code).click()
        page.wait_for_url(f"**/ca-nhan/ho-so/{code}/")
        expect(page.locator("#bo-sung")).to_contain_text("Giấy chứng sinh (bản rõ nét)")
        page.get_by_label("Giấy chứng sinh (bản rõ nét)").set_input_files(
            {"name": "giay-chung-sinh.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
        )
        page.locator(".upload-form button").first.click()
        expect(page.locator("#pending-files")).to_contain_text("giay-chung-sinh.pdf")
        shot("ca-nhan-bo-sung")
        page.locator("#submit-supplement").click()
        expect(page.locator(".alert-ok")).to_contain_text("Đã nộp hồ sơ bổ sung")
        assert Dossier.objects.get(code=code).status == 4

        # 5. The leader approves: the result is issued and signed by the agency in the same step.
        services.perform(
            people["lanhdao"], code, "complete", at=timezone.now(), result={"name": "Giấy khai sinh"}
        )
        result = Result.objects.get(dossier__code=code)
        assert result.code == f"{code}-KQ1" and result.owner_id == people["congdan"].pk

        # 6. The citizen downloads the signed PDF and checks it on the public page.
        page.reload()
        item = page.locator(f'#results [data-result="{result.code}"]')
        expect(item).to_contain_text("Giấy khai sinh")
        shot("ca-nhan-ket-qua")
        # The browser opens the PDF in its viewer; fetch the same link with the page's session.
        got = page.request.get(site + item.get_by_role("link", name="Tải về (PDF)").get_attribute("href"))
        assert got.ok and got.headers["content-type"] == "application/pdf"
        signed = tmp_path / "ket-qua.pdf"
        signed.write_bytes(got.body())
        assert signed.read_bytes().startswith(b"%PDF") and b"/ByteRange" in signed.read_bytes()

        item.get_by_role("link", name="Kiểm tra chữ ký").click()
        page.wait_for_url(f"**/ket-qua/{result.code}/")
        expect(page.locator("#result-status")).to_have_attribute("data-status", "valid")
        shot("ket-qua")
        page.locator("#verify-file").set_input_files(str(signed))
        page.locator("#verify-upload button").click()
        expect(page.locator("#result-status")).to_have_attribute("data-status", "valid")

        tampered = tmp_path / "ket-qua-sua.pdf"
        data = bytearray(signed.read_bytes())
        data[len(data) // 3] ^= 0x01
        tampered.write_bytes(bytes(data))
        page.locator("#verify-file").set_input_files(str(tampered))
        page.locator("#verify-upload button").click()
        expect(page.locator("#result-status")).to_have_attribute("data-status", "invalid")
        shot("ket-qua-ban-sai")
        assert not problems, problems
    finally:
        context.close()
