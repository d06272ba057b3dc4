"""What the forms say (dossiers.forms_data), for dossiers built through the services: the fixes behind
Forms 01, 02, 04 and 05, the log book's lines and who may print it."""

from __future__ import annotations

import pytest

from motcua.core.errors import NotFound, PermissionDenied, ValidationFailed
from motcua.directory.models import Role
from motcua.dossiers import forms_data, selectors
from motcua.dossiers.models import DossierEvent
from tests.documents.conftest import local, submission

pytestmark = pytest.mark.django_db


def form(people, code: str, number: str) -> dict:
    return forms_data.form_data(selectors.dossier_for_forms(people["admin"], code), number)


def test_form_01_carries_the_receipt_the_appointment_and_the_log_book_line(lifecycle, named):
    f = form(named, lifecycle.code, "01")
    assert f["number"] == f"{lifecycle.code}/TN"
    assert f["issuer"] == {
        "name": "Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
        "parent": "Ủy ban nhân dân tỉnh Nghệ An",
        "identifier": "000.00.00.H40",
        "address": "",
        "phone": "",
    }
    assert (f["place"], f["date"]["text"]) == ("Nghệ An", "15/08/2025")
    assert f["applicant"]["identifier"] == "038190001234"
    assert f["components"] == [{"name": "Tờ khai", "copies": 1}, {"name": "Giấy chứng sinh", "copies": 2}]
    assert (f["received_at"], f["due_at"]) == ("15:00 15/08/2025", "15:00 20/08/2025"), (
        "the first appointment"
    )
    assert (f["processing_time"], f["sets"]) == ("3 ngày làm việc", 1)
    assert f["fees"] == [{"name": "Lệ phí", "amount": "20.000 ₫"}]
    assert f["logbook"] == {"volume": 2025, "line": 1}
    assert (f["submitter"], f["receiving_officer"]) == ("Nguyễn Thị Hoa", "Trần Thị Lan")


def test_the_log_book_line_counts_the_units_receptions_of_the_year(named, counter, online, perform):
    first = counter(at=local(2025, 1, 2, 8))
    elsewhere = online(at=local(2025, 1, 2, 9))  # online: received by the department, another book
    perform("tiepnhan", elsewhere, "accept", local(2025, 1, 2, 9, 30))
    same_minute = [counter(at=local(2025, 8, 15, 15)) for _ in range(2)]
    next_year = counter(at=local(2026, 1, 5, 8))
    lines = [form(named, d.code, "01")["logbook"] for d in (first, *same_minute, next_year)]
    assert lines == [
        {"volume": 2025, "line": 1},
        {"volume": 2025, "line": 2},
        {"volume": 2025, "line": 3},  # same instant: the order of arrival
        {"volume": 2026, "line": 1},
    ]
    assert form(named, elsewhere.code, "01")["logbook"] == {"volume": 2025, "line": 1}
    # The printed book of a later period numbers its lines as Form 01 did.
    book = forms_data.logbook(named["tiepnhan"], "000.00.00.H40", "2025-08-01", "2026-01-31", max_rows=10)
    assert [(r["code"], r["volume"], r["line"]) for r in book["rows"]] == [
        (same_minute[0].code, 2025, 2),
        (same_minute[1].code, 2025, 3),
        (next_year.code, 2026, 1),
    ]


def test_form_02_lists_each_paper_with_its_own_reason(lifecycle, named):
    f = form(named, lifecycle.code, "02")
    assert f["items"] == [
        {"name": "Giấy chứng sinh", "reason": "Bản sao chưa được chứng thực"},
        {"name": "Tờ khai đăng ký khai sinh", "reason": "Hồ sơ chưa đầy đủ"},  # the request's reason
    ]
    assert (f["reason"], f["officer"], f["at_reception"]) == ("Hồ sơ chưa đầy đủ", "Lê Văn Hùng", False)
    assert f["issuer"]["name"] == "Sở Tư pháp tỉnh Nghệ An" and f["number"] == f"{lifecycle.code}/BS1"
    # Plain names stay plain in the history (the contract's list of text); an own reason is kept beside.
    event = DossierEvent.objects.get(dossier=lifecycle, action="request_supplement")
    assert event.data["items"] == [
        {"name": "Giấy chứng sinh", "reason": "Bản sao chưa được chứng thực"},
        "Tờ khai đăng ký khai sinh",
    ]


def test_form_04_names_the_date_it_replaces_after_the_supplement_pause(lifecycle, named):
    f = form(named, lifecycle.code, "04")
    # Received Fri 15:00, due Wed 20/08 15:00; paused 9 working hours: due Thu 21/08 16:00, then apologised.
    assert (f["received_at"], f["original_due_at"], f["new_due_at"]) == (
        "15:00 15/08/2025",
        "16:00 21/08/2025",
        "10:00 25/08/2025",
    )
    assert (f["signed_by"], f["issuer"]["name"]) == ("Phạm Minh Đức", "Sở Tư pháp tỉnh Nghệ An")


def test_form_04_during_a_pause_replaces_the_date_as_it_stood(named, counter, perform):
    d = counter(at=local(2025, 8, 15, 15))  # due Wed 20/08 15:00
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 16))
    perform("chuyenvien", d, "request_supplement", local(2025, 8, 18, 8), reason="Thiếu", items=["A"])
    perform("lanhdao", d, "apologize", local(2025, 8, 18, 9), reason="x", new_due_at=local(2025, 8, 25, 10))
    perform("congdan", d, "supplement", local(2025, 8, 19, 9))  # the promised date stands
    f = form(named, d.code, "04")
    assert (f["original_due_at"], f["new_due_at"]) == ("15:00 20/08/2025", "10:00 25/08/2025")


def test_form_05_follows_the_dossier_through_pause_completion_and_return(lifecycle, named):
    f = form(named, lifecycle.code, "05")
    assert (f["lead_agency"], f["coordinating_agencies"]) == ("Sở Tư pháp tỉnh Nghệ An", [])
    rows = [(r["kind"], r["from"], r["to"], r["at"], r["result"]) for r in f["rows"]]
    centre, justice, applicant = (
        "Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
        "Sở Tư pháp tỉnh Nghệ An",
        "Nguyễn Thị Hoa",
    )
    assert rows == [
        ("handover", centre, justice, "15:30 15/08/2025", "trước hạn"),
        ("pause", justice, applicant, "09:00 18/08/2025", ""),  # the clock stops: nothing to judge
        ("resume", applicant, justice, "10:00 19/08/2025", ""),
        ("handover", justice, justice, "09:00 20/08/2025", "trước hạn"),
        ("finish", justice, centre, "10:00 22/08/2025", "trước hạn"),  # result handed to the one-stop
        ("return", centre, applicant, "09:00 25/08/2025", "đúng hạn"),  # on the apology's new due day
    ]
    people = [(r["from_person"], r["to_person"]) for r in f["rows"]]
    assert people[0] == ("Trần Thị Lan", "Lê Văn Hùng") and people[3] == ("Lê Văn Hùng", "Phạm Minh Đức")
    assert "9 giờ làm việc" in f["rows"][2]["note"] and "Bản sao" not in f["rows"][1]["note"]
    # The step after the pause is judged against the due date moved by the pause: Thu 21/08 16:00.
    assert f["rows"][3]["due_at"] == "10:00 25/08/2025"


def test_form_05_does_not_count_the_pause_against_a_step(named, counter, perform, agencies):
    from decimal import Decimal

    from motcua.dossiers.models import Workflow, WorkflowRole

    flow = Workflow.objects.create(agency=agencies["justice"], name="Quy trình một ngày")
    flow.steps.create(order=1, title="Thụ lý", role=WorkflowRole.SPECIALIST, time=Decimal("1"))
    flow.steps.create(order=2, title="Ký duyệt", role=WorkflowRole.LEADER)
    d = counter(at=local(2025, 8, 18, 8))
    perform("tiepnhan", d, "forward", local(2025, 8, 18, 8))  # the step is due Tue 19/08 08:00
    perform("chuyenvien", d, "request_supplement", local(2025, 8, 18, 9), reason="Thiếu", items=["A"])
    perform("congdan", d, "supplement", local(2025, 8, 19, 9))  # 8 working hours paused: due Wed 08:00
    perform("chuyenvien", d, "forward", local(2025, 8, 19, 16))  # later than the step's own 8 hours...
    handed = [r for r in form(named, d.code, "05")["rows"] if r["kind"] == "handover"]
    assert (handed[1]["due_at"], handed[1]["result"]) == ("08:00 20/08/2025", "trước hạn"), "...not late"


def test_a_form_that_does_not_apply_yet_says_why(named, online, perform):
    d = online(at=local(2025, 8, 15, 9))
    for number in ("01", "02", "03", "04", "05"):
        with pytest.raises(NotFound) as e:
            form(named, d.code, number)
        assert e.value.code == "form_not_applicable"
    with pytest.raises(NotFound) as e:
        form(named, d.code, "06")
    assert e.value.code == "unknown_form", "Form 06 is a unit's book, not a dossier's paper"


@pytest.mark.parametrize(
    ("who", "error", "code"),
    [
        ("chuyenvien", PermissionDenied, "logbook_forbidden"),  # staff of another unit
        ("congdan", PermissionDenied, "logbook_forbidden"),
    ],
)
def test_only_the_units_reception_and_centre_heads_print_its_log_book(named, who, error, code):
    with pytest.raises(error) as e:
        forms_data.logbook(named[who], "000.00.00.H40", "2025-08-01", "2025-08-31", max_rows=10)
    assert e.value.code == code


def test_a_centre_head_and_the_administrator_may_print_it(named, make_staff, agencies):
    head = make_staff("truongtt", Role.CENTRE_HEAD, agencies["centre"])
    for user in (head, named["admin"]):
        assert forms_data.logbook(user, "000.00.00.H40", "2025-08-01", "2025-08-31", max_rows=1)["rows"] == []


@pytest.mark.parametrize(
    ("agency", "start", "end", "code", "field"),
    [
        ("", "2025-08-01", "2025-08-31", "missing_field", "agency"),
        ("000.00.99.H40", "2025-08-01", "2025-08-31", "agency_not_found", None),
        ("000.00.00.H40", "2025-08-31", "2025-08-01", "invalid_period", "from"),
        ("000.00.00.H40", "2025-01-01", "2026-01-02", "invalid_period", "to"),
        ("000.00.00.H40", "2025-02-30", "2025-08-01", "invalid_field", "from"),
    ],
)
def test_a_log_book_needs_a_known_unit_and_a_period_of_at_most_a_year(named, agency, start, end, code, field):
    with pytest.raises((NotFound, ValidationFailed)) as e:
        forms_data.logbook(named["tiepnhan"], agency, start, end, max_rows=10)
    assert e.value.code == code
    if field:
        assert e.value.details["field"] == field


def test_a_period_with_more_lines_than_a_book_prints_is_refused(named, counter):
    for hour in (8, 9):
        counter(at=local(2025, 8, 15, hour))
    with pytest.raises(ValidationFailed) as e:
        forms_data.logbook(named["tiepnhan"], "000.00.00.H40", "2025-08-01", "2025-08-31", max_rows=1)
    assert (e.value.code, e.value.details["limit"]) == ("logbook_too_large", 1)


def test_an_organisation_is_identified_by_its_tax_code(named, people, procedure):
    from motcua.dossiers import services

    body = submission(
        channel=1,
        applicant={"kind": "organisation", "name": "Công ty TNHH Ánh Dương", "tax_code": "0100109106"},
    )
    d = services.submit_dossier(people["tiepnhan"], body, at=local(2025, 8, 15, 9))
    assert form(named, d.code, "01")["applicant"]["identifier"] == "0100109106"


def test_the_public_status_page_shows_each_papers_own_reason(named, counter, perform):
    from django.utils import timezone

    from motcua.portal import presenters

    d = counter(at=local(2025, 8, 15, 9))
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 10))
    items = ["Tờ khai", {"name": "Giấy chứng sinh", "reason": "Cần bản sao chứng thực"}]
    d = perform("chuyenvien", d, "request_supplement", local(2025, 8, 15, 11), reason="Thiếu", items=items)
    shown = presenters.dossier_status(d, list(d.events.all()), timezone.now())
    assert shown["supplement"]["items"] == ["Tờ khai", "Giấy chứng sinh: Cần bản sao chứng thực"]
    assert shown["supplement"]["reason"] == "Thiếu"
