"""The defects of issue 8, each protected by a test named after what it protects (they failed before)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.catalog.models import Procedure
from motcua.directory.calendars import calendar_for
from motcua.directory.models import Agency, Applicant, CalendarDay, Role
from motcua.dossiers import forms_data, replay, selectors, services
from motcua.dossiers.models import Dossier
from tests.dossiers.conftest import local, state, submission
from tests.workspace import documents

FRI_1500 = local(2025, 8, 15, 15)


@pytest.fixture
def clients(people, procedure, api_as):
    return {name: api_as(user) for name, user in people.items()}


def paying(clients) -> str:
    """A counter dossier of congdan's, waiting for payment (status 6)."""
    code = clients["tiepnhan"].post("/dossiers", submission(channel=1)).json()["code"]
    assert clients["tiepnhan"].post(f"/dossiers/{code}/actions/forward").status_code == 200
    r = clients["chuyenvien"].post(f"/dossiers/{code}/actions/request_payment", {"amount": 150000})
    assert r.json()["status"] == 6
    return code


# ---------------------------------------------------------------------------------------------- payment
def test_a_citizen_cannot_leave_payment_by_calling_pay_with_an_empty_body(clients):
    code = paying(clients)
    before = state(code)
    assert "pay" not in clients["congdan"].get(f"/dossiers/{code}").json()["actions"]
    r = clients["congdan"].post(f"/dossiers/{code}/actions/pay", {})
    assert (r.status_code, r.json()["code"]) == (403, "forbidden_action")
    assert state(code) == before, "nothing changed: still status 6, nothing paid, not flagged online"


def test_the_online_payment_flag_is_never_set_from_a_counter_payment(clients):
    code = paying(clients)
    r = clients["tiepnhan"].post(f"/dossiers/{code}/actions/pay", {"method": "cash", "reference": "BL-0001"})
    assert r.status_code == 200, r.content
    d = r.json()
    assert (d["status"], d["fee_paid"], d["paid_online"]) == (4, d["fee_total"], 0)
    event = clients["tiepnhan"].get(f"/dossiers/{code}/events").json()["items"][-1]
    payments = event["data"].pop("payments")
    assert event["data"] == {"amount": 170000, "method": "cash", "reference": "BL-0001"}
    assert len(payments) == 2, "the procedure's fee and the processing request: one receipt each"
    assert event["actor_username"] == "tiepnhan", "the collector is the event's actor"


def test_a_transfer_needs_its_reference_and_an_unknown_method_is_refused(clients):
    code = paying(clients)
    before = state(code)
    for body, field in (
        ({"method": "transfer"}, "reference"),
        ({"method": "card"}, "method"),
        ({}, "method"),
    ):
        r = clients["tiepnhan"].post(f"/dossiers/{code}/actions/pay", body)
        assert r.status_code == 422 and r.json()["details"]["field"] == field, r.content
    assert state(code) == before


# ----------------------------------------------------------------------------------- who is the applicant
@pytest.fixture
def born(people):
    Applicant.objects.filter(user=people["congdan"]).update(birth_date=date(1990, 3, 15), address="Vinh")
    return people


STRANGER = {"kind": "citizen", "name": "Lê Văn Nam", "id_number": "001085001234", "phone": "0987654321"}


def test_filing_under_another_persons_name_and_id_needs_an_explicit_authorisation(clients, born):
    r = clients["congdan"].post("/dossiers", submission(applicant=STRANGER))
    assert (r.status_code, r.json()["code"]) == (422, "applicant_not_account_holder"), r.content
    assert "ủy quyền" in r.json()["message"] and "15/03/1990" not in r.json()["message"]
    assert not Dossier.objects.exists()


def test_typed_applicant_data_is_never_merged_with_the_account_holders(clients, born):
    r = clients["congdan"].post("/dossiers", submission(applicant=STRANGER, authorised={}))
    assert r.status_code == 201, r.content
    d = r.json()
    assert d["applicant"] == {
        "kind": "citizen",
        "name": "Lê Văn Nam",
        "id_number": "001085001234",
        "tax_code": "",
        "birth_date": None,  # not the account holder's 15/03/1990
        "phone": "0987654321",
        "email": "",  # not hoa@example.vn
        "address": "",  # not the account holder's address
    }
    assert d["authorised"] == {"name": "Nguyễn Thị Hoa", "id_number": "038190001234"}
    r = clients["congdan"].post(
        "/dossiers",
        submission(applicant=STRANGER, authorised={"name": "Trần Văn B", "id_number": "001085009999"}),
    )
    assert (r.status_code, r.json()["code"]) == (422, "authorised_not_account_holder")


def test_filing_for_oneself_takes_the_identity_from_the_account(clients, born):
    r = clients["congdan"].post("/dossiers", submission(applicant={"phone": "0900000000"}))
    assert r.status_code == 201, r.content
    a = r.json()["applicant"]
    assert (a["name"], a["id_number"], a["birth_date"], a["phone"]) == (
        "Nguyễn Thị Hoa",
        "038190001234",
        "1990-03-15",
        "0900000000",
    )
    assert r.json()["authorised"] is None


def test_a_procedure_not_offered_online_is_refused_online_and_says_where_to_go(clients, procedure):
    Procedure.objects.filter(pk=procedure.pk).update(online_level=Procedure.OnlineLevel.NONE)
    from motcua.catalog.versions import forget_versions

    forget_versions()
    r = clients["congdan"].post("/dossiers", submission())
    assert (r.status_code, r.json()["code"]) == (422, "not_offered_online"), r.content
    assert "trực tiếp" in r.json()["message"] and "Sở Tư pháp" in r.json()["message"]
    assert not Dossier.objects.exists()
    assert clients["tiepnhan"].post("/dossiers", submission(channel=1)).status_code == 201, (
        "the counter takes it"
    )


# ------------------------------------------------------------------------------------ 404 for strangers
@pytest.fixture
def strangers(people, make_staff, agencies, api_as):
    other = get_user_model().objects.create_user("nguoikhac", password="x")
    centre = Agency.objects.create(
        identifier="000.00.00.H38", name="Trung tâm PVHCC Thanh Hóa", level="province", kind="service_centre"
    )
    return {"citizen": api_as(other), "officer": api_as(make_staff("ngoaitinh", Role.RECEPTION, centre))}


def test_a_dossier_the_caller_cannot_see_is_404_on_every_action_and_file_endpoint(clients, strangers):
    code = clients["congdan"].post("/dossiers", submission()).json()["code"]
    missing = code[:-4] + "9999"
    pdf = documents.pdf("Giay to")
    for who in strangers.values():
        calls = {
            "action": lambda c, w=who: w.post(f"/dossiers/{c}/actions/withdraw", {"reason": "x"}),
            "bad action": lambda c, w=who: w.post(f"/dossiers/{c}/actions/accept", {"note": 5}),
            "upload": lambda c, w=who: w.upload(
                f"/dossiers/{c}/files", {"file": SimpleUploadedFile("a.pdf", pdf)}
            ),
            "files": lambda c, w=who: w.get(f"/dossiers/{c}/files"),
            "file": lambda c, w=who: w.get(f"/dossiers/{c}/files/1"),
            "delete": lambda c, w=who: w.delete(f"/dossiers/{c}/files/1"),
            "form": lambda c, w=who: w.get(f"/dossiers/{c}/forms/01"),
            "events": lambda c, w=who: w.get(f"/dossiers/{c}/events"),
            "detail": lambda c, w=who: w.get(f"/dossiers/{c}"),
        }
        for name, call in calls.items():
            seen, unseen = call(code), call(missing)
            assert seen.status_code == unseen.status_code == 404, (name, seen.content)
            assert seen.json()["code"] == unseen.json()["code"] == "dossier_not_found", name


def test_a_lost_race_for_an_action_is_409_not_403(clients):
    code = clients["tiepnhan"].post("/dossiers", submission(channel=1)).json()["code"]
    assert clients["tiepnhan"].post(f"/dossiers/{code}/actions/forward").status_code == 200
    # A second reception officer's click on the same, now outdated, button.
    r = clients["tiepnhan"].post(f"/dossiers/{code}/actions/forward")
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")


def test_an_action_the_state_forbids_answers_409_before_its_input_is_looked_at(clients):
    code = clients["congdan"].post("/dossiers", submission()).json()["code"]
    assert (
        clients["congdan"].post(f"/dossiers/{code}/actions/withdraw", {"reason": "Thôi"}).status_code == 200
    )
    for who, action in (("lanhdao", "complete"), ("tiepnhan", "refuse"), ("chuyenvien", "request_payment")):
        r = clients[who].post(f"/dossiers/{code}/actions/{action}", {})
        assert r.status_code in (403, 409) and r.json()["code"] != "missing_field", (who, action, r.content)
    r = clients["lanhdao"].post(f"/dossiers/{code}/actions/complete", {})
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")


# --------------------------------------------------------------------------------------------- bad text
@pytest.mark.parametrize("bad", ["x\udfff", "\ud800", "a\x00b", "a\x07b"])
@pytest.mark.parametrize(
    "where",
    [
        "applicant.name",
        "applicant.address",
        "summary",
        "case",
        "agency",
        "components.code",
        "authorised.name",
    ],
)
def test_lone_surrogates_and_control_characters_are_refused_in_every_text_field(clients, born, where, bad):
    body = submission(applicant=dict(STRANGER), authorised={})
    if where.startswith("components"):
        body["components"][0]["code"] = bad
    elif "." in where:
        part, field = where.split(".")
        body[part][field] = bad
    else:
        body[where] = bad
    r = clients["congdan"].post("/dossiers", body)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_field"), r.content
    assert not Dossier.objects.exists()


def test_text_is_stored_nfc_and_multiline_text_keeps_its_lines(clients):
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Hoa"  # NFD, as some phone keyboards send it
    code = (
        clients["tiepnhan"]
        .post("/dossiers", submission(channel=1, applicant={**submission()["applicant"], "name": decomposed}))
        .json()["code"]
    )
    d = Dossier.objects.get(code=code)
    assert d.applicant_name == "Nguyễn Thị Hoa"
    r = clients["tiepnhan"].post(f"/dossiers/{code}/actions/forward", {"note": "Dòng 1\r\nDo\u0300ng 2"})
    assert r.status_code == 200
    assert clients["tiepnhan"].get(f"/dossiers/{code}/events").json()["items"][-1]["note"] == "Dòng 1\nDòng 2"


# --------------------------------------------------------------------------------------- legal details
def test_due_soon_uses_each_agencys_calendar_not_the_provinces(counter, agencies):
    """A department closed on a day the province works: 2 working days reach further on its calendar."""
    d = counter(at=local(2025, 8, 15, 15))  # due Wed 20/08 15:00 on the province calendar
    now = local(2025, 8, 18, 9)  # Monday: 2 province working days reach Wed 09:00, before the due time
    assert not selectors.due_filter(Dossier.objects.all(), "due_soon", now).exists()
    CalendarDay.objects.create(
        date=date(2025, 8, 19),
        kind=CalendarDay.Kind.CLOSURE,
        name="Chuyển trụ sở",
        agency=agencies["justice"],
    )
    assert calendar_for(agencies["justice"]).add(now, 2, "working_days") > d.due_at
    assert list(selectors.due_filter(Dossier.objects.all(), "due_soon", now)) == [
        Dossier.objects.get(pk=d.pk)
    ]


def test_guidance_at_the_counter_before_reception_is_not_a_supplement_request(people, procedure, perform):
    """The counter registers the papers without receiving them, guides once (Form 02), then receives; a
    later request during processing is the first supplement request, not the second (766: overdue)."""
    d = services.submit_dossier(people["tiepnhan"], {**submission(channel=1), "receive": False}, at=FRI_1500)
    assert (d.status, d.received_at, d.due_at) == (1, None, None)
    d = perform(
        "tiepnhan", d, "request_supplement", local(2025, 8, 15, 15, 10), reason="Thiếu", items=["Tờ khai"]
    )
    assert (d.status, d.guidance_count, d.supplement_count) == (5, 1, 0)
    assert forms_data.form_data(d, "02")["items"] == [{"name": "Tờ khai", "reason": "Thiếu"}]
    perform("tiepnhan", d, "supplement", local(2025, 8, 18, 8))
    d = perform("tiepnhan", d, "accept", local(2025, 8, 18, 8, 5))
    assert d.status == 2 and d.received_at == local(2025, 8, 18, 8, 5)
    perform("tiepnhan", d, "forward", local(2025, 8, 18, 9))
    d = perform("chuyenvien", d, "request_supplement", local(2025, 8, 18, 10), reason="Thiếu", items=["A"])
    assert (d.guidance_count, d.supplement_count) == (1, 1)
    from motcua.dossiers.machine import timeliness

    assert timeliness(d, local(2025, 8, 18, 11)) == "in_time"


def test_an_apology_during_a_supplement_pause_keeps_its_promised_date(counter, perform):
    d = counter(at=FRI_1500)  # due Wed 20/08 15:00
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 16))
    perform("chuyenvien", d, "request_supplement", local(2025, 8, 18, 8), reason="Thiếu", items=["A"])
    promised = local(2025, 8, 25, 10)
    d = perform(
        "lanhdao",
        d,
        "apologize",
        local(2025, 8, 18, 9),
        reason="Chờ xác minh",
        new_due_at=promised.isoformat(),
    )
    d = perform("congdan", d, "supplement", local(2025, 8, 19, 9))  # 9 working hours paused
    assert d.due_at == promised, "the date promised in the letter is not moved by the pause"
    assert d.due_at_before_apology == local(2025, 8, 20, 15)
    rebuilt = replay.rebuild_from_events(list(d.events.all()))
    assert rebuilt == {f: getattr(d, f) for f in replay.REBUILT_FIELDS}


def test_a_dossier_keeps_the_replaced_due_date_beside_the_apologys_new_one(counter, perform):
    d = counter(at=FRI_1500)
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 16))
    perform("chuyenvien", d, "request_supplement", local(2025, 8, 18, 8), reason="Thiếu", items=["A"])
    d = perform("congdan", d, "supplement", local(2025, 8, 18, 10))  # 2 h paused: due Wed 17:00
    assert d.due_at == local(2025, 8, 20, 17)
    d = perform(
        "lanhdao",
        d,
        "apologize",
        local(2025, 8, 18, 11),
        reason="x",
        new_due_at=local(2025, 8, 22, 10).isoformat(),
    )
    assert (d.original_due_at, d.due_at_before_apology, d.due_at) == (
        local(2025, 8, 20, 15),
        local(2025, 8, 20, 17),
        local(2025, 8, 22, 10),
    )
    form = forms_data.form_data(d, "04")
    assert form["original_due_at"] == "17:00 20/08/2025", "Form 04 names the date being replaced"


def test_the_row_visibility_rule_agrees_with_the_list_query(clients, strangers, people, make_staff, agencies):
    """`permissions.can_see` (one loaded dossier) and `selectors.dossiers_visible_to` (lists) state one rule
    twice, for speed: they must never disagree."""
    from motcua.dossiers import permissions

    people["yte"] = make_staff("yte", Role.SPECIALIST, agencies["health"])
    people["nguoikhac"] = get_user_model().objects.get(username="nguoikhac")
    people["ngoaitinh"] = get_user_model().objects.get(username="ngoaitinh")
    online = clients["congdan"].post("/dossiers", submission()).json()["code"]
    counter = clients["tiepnhan"].post("/dossiers", submission(channel=1)).json()["code"]
    clients["tiepnhan"].post(f"/dossiers/{counter}/actions/forward", {"to": agencies["health"].identifier})
    for d in Dossier.objects.filter(code__in=[online, counter]):
        for name, user in people.items():
            listed = selectors.dossiers_visible_to(user).filter(pk=d.pk).exists()
            assert permissions.can_see(user, d) == listed, (name, d.code)


@pytest.mark.parametrize("who, channel", [("congdan", 2), ("tiepnhan", 1)])
def test_an_email_without_an_at_sign_is_refused_whoever_files(clients, who, channel):
    body = submission(channel=channel, applicant={**submission()["applicant"], "email": "hoa.example.vn"})
    r = clients[who].post("/dossiers", body)
    assert (r.status_code, r.json()["code"], r.json()["details"]["field"]) == (
        422,
        "invalid_field",
        "applicant.email",
    )
    assert not Dossier.objects.exists()
