"""Worked examples of domain.md §2.2-§2.3 through the service layer, and the permission rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from motcua.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from motcua.directory.calendars import calendar_for
from motcua.directory.models import Agency, Role
from motcua.dossiers import forms_data, services
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.integrations.dvcqg import hoso as dvcqg
from motcua.integrations.models import OutboxMessage
from tests.dossiers.conftest import local, state, submission

FRI_1500 = local(2025, 8, 15, 15)  # Friday afternoon
DUE = local(2025, 8, 20, 15)  # 3 working days later: Wed 20/08/2025 15:00


def refused(call, error: type[DomainError], code: str, dossier_code: str | None = None):
    """Run `call`, expect `error` with `code`, and check that nothing changed."""
    before = state(dossier_code) if dossier_code else None
    with pytest.raises(error) as info:
        call()
    assert info.value.code == code, info.value.message
    if dossier_code:
        assert state(dossier_code) == before
    return info.value


def test_counter_reception_friday_afternoon_is_due_three_working_days_later(counter):
    d = counter(at=FRI_1500)
    # Fri 15:00-17:00 (2 h) + Mon (8 h) + Tue (8 h) + Wed 07:00-11:30, 13:30-15:00 (6 h) = 24 h.
    assert (d.status, d.channel) == (2, 1)
    assert d.code == "000.00.00.H40-250815-0001", "the receiving centre's identifier starts the code"
    assert d.received_at == FRI_1500 and d.due_at == DUE and d.original_due_at == DUE
    assert d.fee_total == 20000, "the counter fee of the procedure"
    event = d.events.get()
    assert (event.action, event.from_status, event.to_status, event.due_at) == ("receive", None, 2, DUE)
    message = OutboxMessage.objects.get(key=d.code)
    assert message.topic == "dossier.status" and message.idempotency_key == f"{d.code}:1"
    assert message.payload["dossier"]["code"] == d.code and message.payload["event"]["action"] == "receive"
    hoso = dvcqg.hoso(message.payload)  # the portal's own field names exist only at the edge
    assert hoso["MaHoSo"] == d.code and hoso["TrangThaiHoSo"] == 2
    assert hoso["NgayTiepNhan"] == "20250815150000"
    assert hoso["NgayHenTra"] == "20250820150000"
    assert hoso["MaTTHC"] == "1.001193" and hoso["KenhThucHien"] == 1


def test_reception_after_hours_counts_from_the_next_opening(counter):
    d = counter(at=local(2025, 8, 15, 18))  # Friday 18:00
    assert d.due_at == local(2025, 8, 20, 17), "Mon, Tue, Wed: the time runs out at 17:00, not Thu 07:00"


def test_online_submission_waits_for_reception_then_due_date_counts_from_acceptance(online, perform):
    d = online(at=local(2025, 8, 14, 20))
    assert (d.status, d.received_at, d.due_at) == (1, None, None)
    assert d.code.startswith("000.00.15.H40-250814-")
    d = perform("tiepnhan", d, "accept", FRI_1500)
    assert (d.status, d.received_at, d.due_at) == (2, FRI_1500, DUE)
    assert d.fee_total == 10000, "the online fee"


def test_supplement_pause_moves_the_due_date_by_exactly_the_paused_working_time(counter, perform):
    d = counter(at=FRI_1500)
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 15, 30))
    requested, supplied = local(2025, 8, 18, 9), local(2025, 8, 19, 10)
    d = perform(
        "chuyenvien", d, "request_supplement", requested, reason="Thiếu bản sao", items=["Giấy chứng sinh"]
    )
    assert (d.status, d.paused_at, d.paused_from_status, d.supplement_count) == (5, requested, 4, 1)
    assert d.due_at == DUE, "the due date only moves when the applicant supplements"
    d = perform("congdan", d, "supplement", supplied, note="Đã nộp bổ sung")
    cal = calendar_for(d.agency)
    paused = cal.working_hours_between(requested, supplied)
    assert paused == Decimal("9")  # Mon 09:00-11:30, 13:30-17:00 and Tue 07:00-10:00
    assert d.due_at == cal.add(DUE, paused, "hours") == local(2025, 8, 21, 16)
    assert (d.status, d.paused_at, d.paused_from_status) == (4, None, None)
    assert d.original_due_at == DUE
    assert forms_data.form_data(d, "02")["items"] == [{"name": "Giấy chứng sinh", "reason": "Thiếu bản sao"}]


def test_second_supplement_request_makes_the_dossier_overdue(counter, perform):
    d = counter(at=FRI_1500)
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 16))
    perform("chuyenvien", d, "request_supplement", local(2025, 8, 18, 9), reason="Thiếu", items=["A"])
    perform("congdan", d, "supplement", local(2025, 8, 18, 10))
    d = perform(
        "chuyenvien", d, "request_supplement", local(2025, 8, 18, 11), reason="Thiếu nữa", items=["B"]
    )
    assert d.supplement_count == 2
    from motcua.dossiers.machine import timeliness

    assert timeliness(d, local(2025, 8, 18, 11)) == "overdue", "well before the due date, yet overdue (766)"
    perform("congdan", d, "supplement", local(2025, 8, 18, 13, 45))
    perform("chuyenvien", d, "forward", local(2025, 8, 18, 14), to="lanhdao")
    d = perform("lanhdao", d, "complete", local(2025, 8, 18, 15), result={"name": "Giấy khai sinh"})
    assert timeliness(d, local(2025, 8, 18, 15)) == "late"


def test_guidance_at_reception_is_given_once_and_does_not_start_the_clock(online, perform):
    d = online(at=local(2025, 8, 14, 9))
    d = perform(
        "tiepnhan", d, "request_supplement", local(2025, 8, 14, 10), reason="Thiếu", items=["Tờ khai"]
    )
    assert (d.status, d.guidance_count, d.supplement_count, d.due_at) == (5, 1, 0, None)
    d = perform("congdan", d, "supplement", local(2025, 8, 15, 8))
    assert (d.status, d.due_at) == (1, None)
    refused(
        lambda: perform("tiepnhan", d, "request_supplement", local(2025, 8, 15, 9), reason="x", items=["y"]),
        Conflict,
        "guidance_once",
        d.code,
    )
    d = perform("tiepnhan", d, "refuse", local(2025, 8, 15, 9), reason="Hồ sơ không đúng thẩm quyền")
    assert (d.status, d.refused_at) == (3, local(2025, 8, 15, 9))
    assert forms_data.form_data(d, "03")["reason"] == "Hồ sơ không đúng thẩm quyền"


def test_apology_once_and_only_at_least_one_working_day_before_the_due_date(counter, perform):
    d = counter(at=FRI_1500)
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 16))
    new_due = local(2025, 8, 22, 10)
    # Tue 15:01 is less than one working day (8 h) before Wed 15:00.
    refused(
        lambda: perform(
            "chuyenvien",
            d,
            "apologize",
            local(2025, 8, 19, 15, 1),
            reason="Chờ xác minh",
            new_due_at=new_due.isoformat(),
        ),
        Conflict,
        "apology_too_late",
        d.code,
    )
    for bad in (
        local(2025, 8, 23, 9),
        local(2025, 8, 22, 12),
        DUE - timedelta(hours=1),
    ):  # Sat, lunch, earlier
        refused(
            lambda bad=bad: perform(
                "chuyenvien", d, "apologize", local(2025, 8, 19, 15), reason="x", new_due_at=bad.isoformat()
            ),
            ValidationFailed,
            "invalid_new_due_at",
            d.code,
        )
    d = perform(
        "chuyenvien",
        d,
        "apologize",
        local(2025, 8, 19, 15),
        reason="Chờ xác minh của cơ quan khác",
        new_due_at="2025-08-22T10:00:00",
    )  # naive = local time
    assert (d.status, d.due_at, d.original_due_at, d.apology_count) == (4, new_due, DUE, 1)
    refused(
        lambda: perform(
            "lanhdao",
            d,
            "apologize",
            local(2025, 8, 19, 16),
            reason="x",
            new_due_at=local(2025, 8, 25, 10).isoformat(),
        ),
        Conflict,
        "apology_once",
        d.code,
    )
    form = forms_data.form_data(d, "04")
    assert form["original_due_at"] == "15:00 20/08/2025" and form["new_due_at"] == "10:00 22/08/2025"
    assert form["reason"] == "Chờ xác minh của cơ quan khác"


def test_payment_stop_withdraw_and_the_paths_to_the_end(counter, perform):
    d = counter(at=FRI_1500)
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 16))
    refused(
        lambda: perform("chuyenvien", d, "request_payment", local(2025, 8, 18, 8), amount=0),
        ValidationFailed,
        "invalid_field",
        d.code,
    )
    d = perform(
        "chuyenvien", d, "request_payment", local(2025, 8, 18, 8), amount=150000, note="Lệ phí thẩm định"
    )
    assert (d.status, d.fee_total) == (6, 170000)
    refused(
        lambda: perform("tiepnhan", d, "pay", local(2025, 8, 18, 9), method="transfer"),
        ValidationFailed,
        "missing_field",
        d.code,
    )
    d = perform("tiepnhan", d, "pay", local(2025, 8, 18, 9), method="transfer", reference="FT2508180001")
    assert (d.status, d.fee_paid, d.paid_online) == (4, 170000, 0), "collected at the counter: not online"
    assert set(d.fees.values_list("method", "reference")) == {("transfer", "FT2508180001")}
    d = perform("lanhdao", d, "stop", local(2025, 8, 18, 10), reason="Không đủ điều kiện")
    assert (d.status, d.finished_at) == (8, local(2025, 8, 18, 10))
    refused(
        lambda: perform("tiepnhan", d, "withdraw", local(2025, 8, 18, 11), reason="x"),
        Conflict,
        "invalid_transition",
        d.code,
    )
    e = counter(at=FRI_1500)
    e = perform("congdan", e, "withdraw", local(2025, 8, 18, 11), reason="Không còn nhu cầu")
    assert (e.status, e.finished_at) == (7, local(2025, 8, 18, 11))


def test_forward_routes_to_agency_leader_and_other_agencies(counter, perform, agencies):
    d = counter(at=FRI_1500)
    # `to` omitted: the built-in workflow, the department's only specialist, then its only leader.
    d = perform("tiepnhan", d, "forward", local(2025, 8, 15, 16))
    assert (d.status, d.current_agency, d.assignee.username, d.step) == (
        4,
        agencies["justice"],
        "chuyenvien",
        1,
    )
    d = perform("chuyenvien", d, "forward", local(2025, 8, 18, 8))
    assert (d.assignee.username, d.step) == ("lanhdao", 2)
    d = perform("lanhdao", d, "forward", local(2025, 8, 18, 9), to=agencies["health"].identifier)
    assert (d.current_agency, d.assignee) == (agencies["health"], None)
    refused(
        lambda: perform("lanhdao", d, "complete", local(2025, 8, 18, 10), result={"name": "x"}),
        PermissionDenied,
        "forbidden_action",
        d.code,
    )
    # The one-stop forwards from status 2; the dossier has moved on: a conflict, as for a lost race.
    refused(
        lambda: perform("tiepnhan", d, "forward", local(2025, 8, 18, 10)),
        Conflict,
        "invalid_transition",
        d.code,
    )
    assert [r["to"] for r in forms_data.form_data(d, "05")["rows"]] == [agencies["justice"].name] * 2 + [
        agencies["health"].name
    ]


def test_wrong_role_wrong_state_and_other_province(
    online, counter, perform, people, make_staff, agencies, other_province
):
    d = online(at=local(2025, 8, 14, 9))
    refused(
        lambda: perform("chuyenvien", d, "accept", FRI_1500), PermissionDenied, "forbidden_action", d.code
    )
    refused(lambda: perform("congdan", d, "accept", FRI_1500), PermissionDenied, "forbidden_action", d.code)
    refused(lambda: perform("tiepnhan", d, "return_result", FRI_1500), Conflict, "invalid_transition", d.code)
    refused(lambda: perform("tiepnhan", d, "dance", FRI_1500), NotFound, "unknown_action", d.code)
    refused(lambda: perform("tiepnhan", d, "refuse", FRI_1500), ValidationFailed, "missing_field", d.code)
    centre = Agency.objects.create(
        identifier="000.00.00.H38",
        name="Trung tâm PVHCC tỉnh Thanh Hóa",
        level="province",
        kind="service_centre",
        province=other_province,
    )
    people["ngoaitinh"] = make_staff("ngoaitinh", Role.RECEPTION, centre)
    # A dossier the caller may not see is 404, as for a code that does not exist (codes are sequential).
    refused(lambda: perform("ngoaitinh", d, "accept", FRI_1500), NotFound, "dossier_not_found", d.code)
    with pytest.raises(PermissionDenied):
        services.submit_dossier(people["ngoaitinh"], submission(channel=1), at=FRI_1500)
    assert not Dossier.objects.filter(receiving_agency=centre).exists()
    # A citizen cannot act on someone else's dossier, nor receive at the counter.
    from django.contrib.auth import get_user_model

    people["other"] = get_user_model().objects.create_user("other", password="x")
    refused(
        lambda: perform("other", d, "withdraw", FRI_1500, reason="x"),
        NotFound,
        "dossier_not_found",
        d.code,
    )
    with pytest.raises(PermissionDenied):
        services.submit_dossier(people["congdan"], submission(channel=1), at=FRI_1500)


@pytest.mark.parametrize(
    "change, code",
    [
        ({"procedure": "9.999999"}, "unknown_procedure"),
        ({"agency": "000.00.15.H38"}, "agency_not_implementing"),
        ({"components": [{"code": "TP1", "copies": 1}]}, "missing_component"),
        ({"components": [{"code": "TP1"}, {"code": "TP2"}, {"code": "XX"}]}, "unknown_component"),
        ({"components": [{"code": "TP1", "copies": 0}, {"code": "TP2"}]}, "invalid_field"),
        ({"applicant": {"kind": "citizen", "name": "A", "id_number": "12345"}}, "invalid_id_number"),
        (
            {"applicant": {"kind": "organisation", "name": "Công ty A", "tax_code": "0100109105"}},
            "invalid_tax_code",
        ),
        ({"channel": 7}, "invalid_field"),
    ],
)
def test_bad_submissions_are_refused_and_create_nothing(people, procedure, change, code):
    with pytest.raises(DomainError) as info:
        services.submit_dossier(people["tiepnhan"], submission(**{"channel": 1, **change}), at=FRI_1500)
    assert info.value.code == code and info.value.status in (403, 422)
    assert (
        not Dossier.objects.exists()
        and not DossierEvent.objects.exists()
        and not OutboxMessage.objects.exists()
    )


def test_unpublished_procedure_takes_no_dossier(people, procedure):
    procedure.publication_state = "abolished"
    procedure.save()
    with pytest.raises(ValidationFailed) as info:
        services.submit_dossier(people["congdan"], submission(), at=FRI_1500)
    assert info.value.code == "procedure_not_published"


def test_organisation_and_authorised_submitter(people, procedure):
    d = services.submit_dossier(
        people["tiepnhan"],
        submission(
            channel=1,
            applicant={"kind": "organisation", "name": "Công ty TNHH An Phát", "tax_code": "0100109106"},
            authorised={"name": "Trần Văn Bình", "id_number": "040090001234"},
        ),
        at=FRI_1500,
    )
    assert (d.applicant_kind, d.applicant_tax_code, d.authorised, d.authorised_name) == (
        "organisation",
        "0100109106",
        True,
        "Trần Văn Bình",
    )
    assert d.applicant_user is None


def test_idempotency_key_returns_the_first_dossier(people, procedure):
    a = services.submit_dossier(people["congdan"], submission(), at=FRI_1500, idempotency_key="k-1")
    b = services.submit_dossier(people["congdan"], submission(), at=FRI_1500, idempotency_key="k-1")
    assert a.pk == b.pk and Dossier.objects.count() == 1


def test_events_are_append_only(counter):
    d = counter(at=FRI_1500)
    event = d.events.get()
    event.note = "sửa lịch sử"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert d.events.get().note == ""


def test_forms_that_do_not_apply_are_404(online):
    d = online(at=FRI_1500)
    for number in ("01", "02", "03", "04", "05"):
        with pytest.raises(NotFound) as info:
            forms_data.form_data(d, number)
        assert info.value.code == "form_not_applicable"
    with pytest.raises(NotFound) as info:
        forms_data.form_data(d, "09")
    assert info.value.code == "unknown_form"


def test_form_01_receipt(counter):
    form = forms_data.form_data(counter(at=FRI_1500), "1")
    assert form["title"] == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    assert form["received_at"] == "15:00 15/08/2025" and form["due_at"] == "15:00 20/08/2025"
    assert form["processing_time"] == "3 ngày làm việc"
    assert form["components"] == [{"name": "Tờ khai", "copies": 1}, {"name": "Giấy chứng sinh", "copies": 2}]
    assert form["receiving_officer"] == "tiepnhan" and form["fees"] == [
        {"name": "Lệ phí", "amount": "20.000 ₫"}
    ]


def test_stale_version_is_refused(counter, people):
    d = counter(at=FRI_1500)
    with pytest.raises(Conflict) as info:
        services.perform(people["tiepnhan"], d.code, "forward", at=FRI_1500, expected_version=d.version + 1)
    assert info.value.code == "stale_version"
    assert (
        services.perform(
            people["tiepnhan"], d.code, "forward", at=FRI_1500, expected_version=d.version
        ).status
        == 4
    )


def test_a_component_of_another_case_is_named_as_such(people, agencies):
    from motcua.catalog.services import apply_record
    from tests.api.catalog_data import record

    apply_record(
        record(
            "1.000777",
            "Đăng ký khai sinh",
            agencies=[agencies["justice"].identifier],
            cases=[
                {"code": "TH1", "name": "Trẻ sinh tại Việt Nam"},
                {"code": "TH2", "name": "Trẻ bị bỏ rơi"},
            ],
            components=[
                {"code": "TP1", "name": "Tờ khai"},
                {"code": "TP2", "name": "Giấy chứng sinh", "case": "TH1"},
                {"code": "TP3", "name": "Biên bản trẻ bị bỏ rơi", "case": "TH2"},
            ],
        )
    )
    body = submission(procedure="1.000777", case="TH1", components=[{"code": "TP1"}, {"code": "TP3"}])
    with pytest.raises(DomainError) as info:
        services.submit_dossier(people["congdan"], body, at=FRI_1500)
    assert info.value.code == "unknown_component"
    assert "'TP3' thuộc trường hợp 'TH2', không thuộc trường hợp 'TH1'" in str(info.value)
