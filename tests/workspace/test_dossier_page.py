"""The officers' dossier page /can-bo/ho-so/{code}/ (contract §6): what each role sees, the actions it
may take there (the same as `available_actions`), each action's form through `services.perform`, and the
answers to stale, forbidden and bad input (nothing changes)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.core.errors import NotFound
from motcua.core.formatting import LOCAL_TZ
from motcua.directory.calendars import calendar_for
from motcua.dossiers import forms_data, machine, selectors, services
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.workspace import dossier_page
from tests.api.catalog_data import make_procedure
from tests.dossiers.conftest import procedure, state, submission  # noqa: F401 - fixture
from tests.portal.test_pages import visible
from tests.workspace import documents

pytestmark = pytest.mark.django_db

NAMES = {
    "tiepnhan": ("Trần Thị", "Lan"),
    "chuyenvien": ("Nguyễn Văn", "Minh"),
    "lanhdao": ("Lê Hoàng", "Nam"),
}
STALE = "Hồ sơ vừa được người khác cập nhật, vui lòng tải lại"


@pytest.fixture
def staff(people):
    for username, (last, first) in NAMES.items():
        people[username].last_name, people[username].first_name = last, first
        people[username].save(update_fields=["last_name", "first_name"])
    return people


@pytest.fixture
def online(staff, procedure):  # noqa: F811
    def make(**extra):
        return services.submit_dossier(staff["congdan"], submission(**extra), at=timezone.now())

    return make


@pytest.fixture
def counter(staff, procedure):  # noqa: F811
    def make(**extra):
        return services.submit_dossier(staff["tiepnhan"], submission(channel=1, **extra), at=timezone.now())

    return make


@pytest.fixture
def as_user(staff):
    def make(username: str) -> Client:
        client = Client()
        client.force_login(staff[username])
        return client

    return make


def url(d, action: str | None = None) -> str:
    code = d if isinstance(d, str) else d.code
    return f"/can-bo/ho-so/{code}/" + (f"thao-tac/{action}/" if action else "")


def shown_actions(response) -> list[str]:
    ids = re.findall(r'<section class="action[^"]*" id="thao-tac-([a-z-]+)"', response.content.decode())
    return [i.replace("-", "_") for i in ids]


def post(client, d, action: str, version: int | None = None, **fields):
    version = Dossier.objects.get(pk=d.pk).version if version is None else version
    return client.post(url(d, action), {"version": version, **fields})


def fresh(d) -> Dossier:
    return Dossier.objects.get(pk=d.pk)


def new_due_text(d) -> str:
    """A working-time instant two working days after the dossier's due date, as the date input sends it."""
    later = calendar_for(d.agency).add(d.due_at, 2, "working_days").astimezone(LOCAL_TZ)
    if later.hour >= 17 or (later.hour == 11 and later.minute >= 30):
        later -= timedelta(hours=1)
    return later.strftime("%Y-%m-%dT%H:%M")


# ------------------------------------------------------------------------------------------------- access
def test_each_role_sees_the_dossiers_it_may_see_and_404_for_others(online, as_user):
    justice = online()
    health = online(agency="000.00.18.H40")
    make_procedure("2.000889", "Chứng thực bản sao", levels=["province"], agencies=["000.00.15.H38"])
    foreign = online(procedure="2.000889", agency="000.00.15.H38")
    unknown = "000.00.00.H40-250101-9999"
    sees = {
        "tiepnhan": {justice, health},  # reception of the provincial centre: every agency of the province
        "chuyenvien": {justice},
        "lanhdao": {justice},
    }
    missing = Client().get(url(unknown))  # anonymous: sent to sign in first
    assert missing.status_code == 302 and missing["Location"].startswith("/dang-nhap/?next=")
    for username, visible_ones in sees.items():
        client = as_user(username)
        not_found = client.get(url(unknown))
        assert not_found.status_code == 404
        for d in (justice, health, foreign):
            r = client.get(url(d))
            if d in visible_ones:
                assert r.status_code == 200, (username, d.agency.name)
                assert d.code in visible(r) and d.procedure.name in visible(r)
            else:
                assert r.status_code == 404, (username, d.agency.name)
                # The same page as a code that does not exist: nothing says the dossier is there.
                assert visible(r) == visible(not_found).replace(unknown, d.code)
    assert as_user("congdan").get(url(justice)).status_code == 404, "the applicant's own dossier: not here"


def test_the_header_applicant_papers_and_fees(counter, as_user, staff):
    d = counter(authorised={"name": "Phạm Văn Bình", "id_number": "038090004321"})
    r = as_user("tiepnhan").get(url(d))
    text = visible(r)
    for expected in (
        d.code,
        "Được tiếp nhận",
        "Trực tiếp",
        "1.001193 Đăng ký khai sinh có yếu tố nước ngoài",
        "Trường hợp: Đăng ký đúng hạn",
        "Cơ quan có thẩm quyền Sở Tư pháp tỉnh Nghệ An",
        "Đơn vị tiếp nhận Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
        f"Ngày hẹn trả {d.due_at.astimezone(LOCAL_TZ):%H:%M %d/%m/%Y}",
        "Trong hạn",
        "Nguyễn Thị Hoa",
        "038190001234",
        "hoa@example.vn",
        "Vinh, Nghệ An",
        "Người được ủy quyền nộp Phạm Văn Bình",
        "Tờ khai",
        "Giấy chứng sinh",
        "20.000 ₫",
        "Chưa nộp",
        "Còn phải nộp: 20.000 ₫",
        # The receipt notices, waiting for the outbox worker (never sent from the request).
        "Thông báo cho người nộp Đã tiếp nhận hồ sơ · Thư điện tử",
        "Chờ gửi",
    ):
        assert expected in text, expected
    assert re.search(r"Trần Thị Lan – Trung tâm Phục vụ hành chính công tỉnh Nghệ An", text)
    assert "Lan Trần Thị" not in text


# ------------------------------------------------------------------------------------------------ actions
def test_the_actions_shown_are_the_available_actions_with_exactly_their_inputs(
    online, counter, as_user, staff
):
    waiting, received = online(), counter()
    for username in ("tiepnhan", "chuyenvien", "lanhdao"):
        for d in (waiting, received):
            r = as_user(username).get(url(d))
            # In the page's order: the step that moves the dossier on first, the ending ones last.
            expected = dossier_page.in_page_order(selectors.available_actions(staff[username], fresh(d)))
            assert shown_actions(r) == expected, (username, d.status)
    html = as_user("tiepnhan").get(url(waiting)).content.decode()
    for action in ("accept", "refuse", "request_supplement", "withdraw"):
        section = re.search(rf'id="thao-tac-{action.replace("_", "-")}".*?</section>', html, re.S).group(0)
        names = set(re.findall(r'name="([a-z_]+)"', section)) - {"csrfmiddlewaretoken", "version"}
        assert names == set(machine.BY_ACTION[action].Input.model_fields), action


def test_every_input_of_every_action_has_a_field():
    for spec in machine.ACTIONS:
        if all(r.roles == {machine.PLATFORM} for r in spec.rows):
            continue  # the payment gateway's confirmation: no page ever posts it
        assert set(spec.Input.model_fields) <= set(dossier_page.WIDGETS), spec.name


def test_a_walk_through_the_lifecycle_on_the_page(online, as_user, staff):
    d = online()
    reception, specialist, leader = as_user("tiepnhan"), as_user("chuyenvien"), as_user("lanhdao")

    r = post(reception, d, "accept", note="Đủ giấy tờ")
    assert r.status_code == 303 and r["Location"] == url(d) + "?phieu=01"
    page = reception.get(r["Location"])
    assert "Đã tiếp nhận hồ sơ" in visible(page) and "In Mẫu 01" in visible(page)
    assert f'href="/api/v1/dossiers/{d.code}/forms/01"' in page.content.decode()
    assert fresh(d).status == machine.Status.NEW

    r = post(reception, d, "forward")  # no recipient: the first step of the workflow
    assert r.status_code == 303
    d = fresh(d)
    assert (d.status, d.current_agency.identifier, d.assignee) == (4, "000.00.15.H40", staff["chuyenvien"])
    page = reception.get(url(d))
    assert "Đã chuyển hồ sơ" in visible(page) and "Nguyễn Văn Minh" in visible(page)
    assert f'href="/api/v1/dossiers/{d.code}/forms/05"' in page.content.decode(), "Form 05 once forwarded"

    r = post(
        specialist, d, "request_supplement", reason="Thiếu bản sao", items=["Giấy chứng sinh", "Tờ khai", ""]
    )
    assert r.status_code == 303 and r["Location"].endswith("?phieu=02")
    d = fresh(d)
    assert d.status == machine.Status.WAITING
    assert DossierEvent.objects.filter(dossier=d).last().data["items"] == ["Giấy chứng sinh", "Tờ khai"]
    services.perform(
        staff["congdan"], d.code, "supplement", note="Đã bổ sung"
    )  # the applicant, not this page

    r = post(specialist, d, "apologize", reason="Cần xác minh thêm", new_due_at=new_due_text(fresh(d)))
    assert r.status_code == 303 and r["Location"].endswith("?phieu=04"), visible(r)
    d = fresh(d)
    assert d.apology_count == 1 and d.due_at_before_apology is not None

    r = post(specialist, d, "request_payment", amount="50000", name="Phí thẩm định")
    assert r.status_code == 303 and fresh(d).status == machine.Status.PAYING
    assert "Đã yêu cầu nộp 50.000 ₫" in visible(specialist.get(r["Location"]))
    r = post(reception, d, "pay", method="cash", reference="BL-0001")
    assert r.status_code == 303 and fresh(d).status == machine.Status.PROCESSING
    # The online fee of the procedure (10.000 ₫) and the one just asked for.
    assert "Đã xác nhận thu 60.000 ₫" in visible(reception.get(r["Location"]))
    fees = visible(reception.get(url(d)))
    assert re.search(
        r"Phí thẩm định \(Lệ phí\) 50\.000 ₫ \d\d:\d\d \d\d/\d\d/\d{4} Tiền mặt .* BL-0001 Trần Thị Lan", fees
    )

    r = post(specialist, d, "forward")  # next step: the leader
    assert r.status_code == 303 and fresh(d).assignee == staff["lanhdao"]
    r = post(leader, d, "complete", result="Giấy khai sinh")
    assert r.status_code == 303 and fresh(d).status == machine.Status.RELEASING
    assert fresh(d).result_name == "Giấy khai sinh"
    r = post(reception, d, "return_result")
    assert r.status_code == 303 and fresh(d).status == machine.Status.DONE

    timeline = visible(reception.get(url(d)))
    assert "Phê duyệt, hoàn thành" in timeline and "Trả kết quả" in timeline
    assert "Lê Hoàng Nam" in timeline and "Nam Lê Hoàng" not in timeline
    assert re.search(
        r"\d\d:\d\d \d\d/\d\d/\d{4} Tiếp nhận Mới đăng ký → Được tiếp nhận Trần Thị Lan", timeline
    )
    assert re.search(r"Chuyên viên thụ lý, thẩm định hồ sơ: (Trước hạn|Đúng hạn|Quá hạn)", timeline)


def test_a_dangerous_action_asks_for_a_confirmation_first(online, as_user):
    d = online()
    client = as_user("tiepnhan")
    before = state(d.code)
    r = post(client, d, "refuse", reason="Không thuộc thẩm quyền")
    assert r.status_code == 200 and "Xác nhận từ chối tiếp nhận" in visible(r)
    assert state(d.code) == before, "asking changes nothing"
    r = post(client, d, "refuse", reason="Không thuộc thẩm quyền", confirmed="1")
    assert r.status_code == 303 and r["Location"].endswith("?phieu=03")
    d = fresh(d)
    assert d.status == machine.Status.DENIED
    assert DossierEvent.objects.filter(dossier=d).last().reason == "Không thuộc thẩm quyền"


def test_a_stale_version_is_a_409_and_changes_nothing(online, as_user, staff):
    d = online()
    client = as_user("tiepnhan")
    post(client, d, "request_supplement", reason="Thiếu", items=["Tờ khai"])
    services.perform(staff["congdan"], d.code, "supplement")  # meanwhile: the page showed version 2
    before = state(d.code)
    r = post(client, d, "accept", version=fresh(d).version - 1)
    assert r.status_code == 409 and STALE in visible(r)
    assert state(d.code) == before


def test_a_forbidden_action_posted_by_hand_is_a_403_and_changes_nothing(online, as_user):
    d = online()
    before = state(d.code)
    r = post(as_user("chuyenvien"), d, "accept")
    assert r.status_code == 403
    assert "Vai trò của bạn không được thực hiện thao tác này" in visible(r)
    assert state(d.code) == before
    assert post(as_user("tiepnhan"), d, "no_such_action").status_code == 404


def test_bad_input_is_shown_next_to_its_field_and_changes_nothing(online, counter, as_user):
    d = online()
    client = as_user("tiepnhan")
    before = state(d.code)
    r = post(client, d, "refuse", reason="   ")
    assert r.status_code == 422
    html = r.content.decode()
    assert re.search(r'id="refuse-reason"[^>]*aria-invalid="true"', html)
    assert '<p class="error" id="refuse-reason-error">Vui lòng nhập lý do.</p>' in html
    r = post(client, d, "request_supplement", reason="Thiếu", items=["", ""])
    assert r.status_code == 422
    assert "Vui lòng nhập giấy tờ cần bổ sung, hoàn thiện." in visible(r)
    assert state(d.code) == before

    received = counter()
    post(client, received, "forward")
    before = state(received.code)
    r = post(as_user("chuyenvien"), received, "request_payment", amount="-5")
    assert r.status_code == 422 and "Số tiền (đồng) phải là số nguyên" in visible(r)
    assert state(received.code) == before


def test_htmx_answers_with_the_form_alone_or_a_client_redirect(online, as_user):
    d = online()
    client = as_user("tiepnhan")
    r = client.post(url(d, "refuse"), {"version": 1, "reason": ""}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422 and r.content.decode().lstrip().startswith("{") is False
    assert '<section class="action action-danger" id="thao-tac-refuse"' in r.content.decode()
    assert "<html" not in r.content.decode()
    r = client.post(url(d, "accept"), {"version": 1}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r["HX-Redirect"] == url(d) + "?phieu=01"
    assert fresh(d).status == machine.Status.NEW


# ------------------------------------------------------------------------------------------------- files
PDF = documents.pdf("Ban quet")


def test_reception_adds_a_scan_and_everyone_downloads_it_through_the_api(counter, as_user):
    d = counter()
    reception = as_user("tiepnhan")
    assert 'id="them-ban-quet"' in reception.get(url(d)).content.decode()
    r = reception.post(
        f"/can-bo/ho-so/{d.code}/tep/",
        {"file": SimpleUploadedFile("to-khai.pdf", PDF, "application/pdf"), "component": "TP1"},
    )
    assert r.status_code == 303
    page = reception.get(url(d))
    f = d.files.get()
    assert f'href="/api/v1/dossiers/{d.code}/files/{f.pk}"' in page.content.decode()
    assert "to-khai.pdf" in visible(page) and "Trần Thị Lan" in visible(page)
    assert reception.get(f"/api/v1/dossiers/{d.code}/files/{f.pk}").status_code == 200
    r = reception.post(
        f"/can-bo/ho-so/{d.code}/tep/", {"file": SimpleUploadedFile("a.txt", b"hello", "text/plain")}
    )
    assert r.status_code == 422 and "Chỉ nhận tệp PDF, JPG hoặc PNG." in visible(r)
    # A specialist cannot add papers to the record (dossiers.files): no upload form for them.
    post(reception, d, "forward")
    assert 'id="them-ban-quet"' not in as_user("chuyenvien").get(url(d)).content.decode()


def test_reception_hands_in_a_supplement_at_the_counter_with_its_scans(counter, as_user):
    d = counter()
    reception = as_user("tiepnhan")
    post(reception, d, "forward")
    post(as_user("chuyenvien"), d, "request_supplement", reason="Thiếu bản sao", items=["Giấy chứng sinh"])
    upload = SimpleUploadedFile("giay-chung-sinh.pdf", PDF, "application/pdf")
    assert reception.post(f"/can-bo/ho-so/{d.code}/tep/", {"file": upload}).status_code == 303
    html = reception.get(url(d)).content.decode()
    form = re.search(r'id="thao-tac-supplement".*?</section>', html, re.S).group(0)
    assert "Bổ sung hồ sơ" in form and "giay-chung-sinh.pdf" in form, "the scans it will hand in"
    r = post(reception, d, "supplement", note="Nộp tại quầy")
    assert r.status_code == 303 and fresh(d).status == machine.Status.PROCESSING
    assert d.files.get().event_seq == fresh(d).version


# ------------------------------------------------------------------------------------------------ queries
def _hand_overs(d, staff, times: int):
    """`times` forwards between the specialist and the leader, each a timeline row with a named person."""
    names = ("lanhdao", "chuyenvien")
    for i in range(times):
        by, to = names[(i + 1) % 2], names[i % 2]
        services.perform(staff[by], d.code, "forward", to=to, note=f"Lần {i + 1}")


def test_the_page_runs_a_fixed_number_of_queries(counter, as_user, staff):
    """Whatever the number of events, files and fees: 16 queries (session, user, roles, the dossier and
    its parts, events, the people they name, the forward's recipients, its electronic results, what the
    national portal holds of it), and the payment panel's 5 (the dossier as the officer sees it, its
    requests, attempts, payments with their refunds, the collecting account for the VietQR); a reception
    officer's header counts the flagged payments (1)."""
    one, small, large = counter(), counter(), counter()
    for d in (small, large):
        services.perform(staff["tiepnhan"], d.code, "forward")
    _hand_overs(large, staff, 19)
    assert [DossierEvent.objects.filter(dossier=d).count() for d in (one, small, large)] == [1, 2, 21]
    reception, specialist = as_user("tiepnhan"), as_user("chuyenvien")
    reception.get(url(one))  # warm: calendars, procedure versions
    counts = []
    for client, d in ((reception, one), (specialist, small), (specialist, large)):
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url(d))
        assert r.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts == [22, 22, 22], counts


# ----------------------------------------------------------------------------------- the reads it uses
def test_the_print_links_are_the_forms_that_form_data_gives(online, staff):
    """`applicable_forms` (no form built) agrees with `form_data` (which refuses what does not apply)."""
    d = online()
    walk = [
        ("tiepnhan", "request_supplement", {"reason": "Thiếu", "items": ["Tờ khai"]}),
        ("congdan", "supplement", {}),
        ("tiepnhan", "accept", {}),
        ("tiepnhan", "forward", {}),
        ("chuyenvien", "forward", {}),
        ("lanhdao", "complete", {"result": {"name": "Giấy khai sinh"}}),
    ]
    refused = online()
    services.perform(staff["tiepnhan"], refused.code, "refuse", reason="Không thuộc thẩm quyền")
    seen = []
    for by, action, given in [(None, None, None), *walk]:
        if action:
            services.perform(staff[by], d.code, action, **given)
        for x in (fresh(d), fresh(refused)):
            events = list(x.events.order_by("seq"))
            listed = forms_data.applicable_forms(x, events)
            for number in forms_data.FORM_TITLES:
                try:
                    forms_data.form_data(x, number)
                    applies = True
                except NotFound:
                    applies = False
                assert applies == (number in listed), (action, x.status, number)
            seen.append(tuple(listed))
    assert ("03",) in seen and ("01", "02", "05") in seen


def test_due_today_and_due_soon_follow_the_agency_calendar(agencies):
    mon = datetime(2025, 8, 18, 9, tzinfo=LOCAL_TZ)

    def urgency(due, status=machine.Status.PROCESSING, **extra):
        d = Dossier(
            status=status,
            received_at=mon - timedelta(days=3),
            due_at=due,
            agency=agencies["justice"],
            **extra,
        )
        return selectors.due_urgency(d, mon)

    assert urgency(mon.replace(hour=15)) == "due_today"
    assert urgency(mon + timedelta(days=1, hours=7)) == "due_soon"  # Tuesday 16:00
    assert urgency(mon + timedelta(days=2, hours=1)) is None  # Wednesday 10:00: beyond 2 working days
    assert urgency(mon - timedelta(hours=1)) is None, "overdue, not due soon"
    assert urgency(mon.replace(hour=15), supplement_count=2) is None, "late under Decision 766"
    paused = {"paused_from_status": machine.Status.PROCESSING, "paused_at": mon}
    assert urgency(mon.replace(hour=15), machine.Status.WAITING, **paused) is None, "the clock is paused"
    assert urgency(mon.replace(hour=15), machine.Status.DONE) is None


def test_the_page_in_english(online, as_user, settings):
    d = online()
    client = as_user("tiepnhan")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = post(client, d, "refuse", reason="")
    text = visible(r)
    for expected in ("Actions", "Applicant", "Print forms", "Please enter the reason.", "Submitted"):
        assert expected in text, expected
    assert "Thao tác" not in text and "Vui lòng" not in text
