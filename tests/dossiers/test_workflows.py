"""`forward` without `to`: the next step of the procedure's workflow (contract §4)."""

from __future__ import annotations

import pytest

from motcua.core.errors import ValidationFailed
from motcua.directory.models import Role
from motcua.dossiers.models import DossierEvent, Workflow, WorkflowRole
from tests.dossiers.conftest import local, state

pytestmark = pytest.mark.django_db


def test_built_in_workflow_hands_a_group_the_dossier_when_several_hold_the_role(
    counter, perform, make_staff, agencies, people
):
    make_staff("lanhdao2", Role.LEADER, agencies["justice"])
    d = counter(at=local(2025, 8, 15, 9))
    d = perform("tiepnhan", d, "forward", local(2025, 8, 15, 10))
    d = perform("chuyenvien", d, "forward", local(2025, 8, 15, 11))
    assert (d.current_agency, d.assignee, d.step) == (
        agencies["justice"],
        None,
        2,
    )  # either leader picks it up
    event = DossierEvent.objects.get(dossier=d, seq=d.version)
    assert event.data["step"] == 2 and event.data["step_title"] == "Lãnh đạo xem xét, phê duyệt"
    # The last step: nothing comes after the leader, who approves (or names a recipient).
    before = state(d.code)
    with pytest.raises(ValidationFailed) as e:
        perform("lanhdao", d, "forward", local(2025, 8, 15, 14))
    assert e.value.code == "no_next_step" and state(d.code) == before
    d = perform("lanhdao", d, "complete", local(2025, 8, 15, 14), result={"name": "Giấy khai sinh"})
    assert d.status == 9


def test_a_procedure_workflow_wins_over_the_agency_default(
    counter, perform, make_staff, agencies, procedure, people
):
    make_staff("cv2", Role.SPECIALIST, agencies["justice"])
    make_staff("yte_ld", Role.LEADER, agencies["health"])
    default = Workflow.objects.create(agency=agencies["justice"], name="Quy trình chung của Sở")
    default.steps.create(order=1, title="Lãnh đạo Sở", role=WorkflowRole.LEADER)
    own = Workflow.objects.create(
        agency=agencies["justice"], procedure=procedure, name="Khai sinh có yếu tố NN"
    )
    own.steps.create(order=1, title="Thụ lý", role=WorkflowRole.SPECIALIST, assignee=people["chuyenvien"])
    own.steps.create(order=2, title="Phê duyệt", role=WorkflowRole.LEADER)
    own.steps.create(order=3, title="Lấy ý kiến Sở Y tế", role=WorkflowRole.LEADER, agency=agencies["health"])

    d = counter(at=local(2025, 8, 15, 9))
    d = perform("tiepnhan", d, "forward", local(2025, 8, 15, 10))
    assert (d.assignee.username, d.step) == ("chuyenvien", 1)  # named, although cv2 is a specialist there too
    d = perform("chuyenvien", d, "forward", local(2025, 8, 15, 11))
    assert (d.assignee.username, d.step) == ("lanhdao", 2)
    # An explicit recipient keeps the workflow position: the leader sends it back for a correction...
    d = perform("lanhdao", d, "forward", local(2025, 8, 15, 14), to="chuyenvien")
    assert (d.assignee.username, d.step) == ("chuyenvien", 2)
    # ...and the specialist cannot move it past the leader's approval step, only hand it back.
    before = state(d.code)
    with pytest.raises(ValidationFailed) as e:
        perform("chuyenvien", d, "forward", local(2025, 8, 15, 15))
    assert e.value.code == "not_your_step" and state(d.code) == before
    d = perform("chuyenvien", d, "forward", local(2025, 8, 15, 15), to="lanhdao")
    d = perform("lanhdao", d, "forward", local(2025, 8, 15, 16))
    assert (d.current_agency, d.assignee.username, d.step) == (agencies["health"], "yte_ld", 3)


def test_a_named_person_without_the_role_there_falls_back_to_the_holders(counter, perform, agencies, people):
    flow = Workflow.objects.create(agency=agencies["justice"], name="Quy trình chung")
    flow.steps.create(order=1, title="Thụ lý", role=WorkflowRole.SPECIALIST, assignee=people["tiepnhan"])
    d = counter(at=local(2025, 8, 15, 9))
    d = perform("tiepnhan", d, "forward", local(2025, 8, 15, 10))
    assert d.assignee.username == "chuyenvien"


def test_step_times_give_each_step_a_deadline_that_pauses_and_shows_on_form_05(
    counter, perform, agencies, people
):
    from decimal import Decimal

    from motcua.dossiers import forms_data, replay
    from motcua.integrations.dvcqg.hoso import hoso
    from motcua.integrations.models import OutboxMessage

    flow = Workflow.objects.create(agency=agencies["justice"], name="Quy trình có thời gian từng bước")
    flow.steps.create(order=1, title="Thụ lý", role=WorkflowRole.SPECIALIST, time=Decimal("1.5"))
    flow.steps.create(order=2, title="Ký duyệt", role=WorkflowRole.LEADER, time=Decimal("0.5"))
    d = counter(at=local(2025, 8, 15, 9))  # Friday
    d = perform("tiepnhan", d, "forward", local(2025, 8, 15, 10))
    # 12 working hours from Fri 10:00: 5 h on Friday, 4.5 h on Monday morning, 2.5 h after 13:30.
    assert d.step_due_at == local(2025, 8, 18, 16)
    message = OutboxMessage.objects.filter(key=d.code).order_by("-id").first()
    [line] = hoso(message.payload)["QuaTrinhXuLy"]
    assert (line["NgayBatDau"], line["NgayKetThucTheoQuyDinh"]) == ("20250815100000", "20250818160000")
    assert line["PhongBanXuLy"] == agencies["justice"].name

    # A supplement pauses the step's clock as it pauses the dossier's: 2 working hours here.
    d = perform(
        "chuyenvien", d, "request_supplement", local(2025, 8, 18, 8), reason="Thiếu", items=["Tờ khai"]
    )
    d = perform("tiepnhan", d, "supplement", local(2025, 8, 18, 10))
    assert d.step_due_at == local(2025, 8, 19, 8)  # Mon 16:00 + 2 h: one on Monday, one on Tuesday
    d = perform("chuyenvien", d, "forward", local(2025, 8, 19, 9))  # an hour after the step's deadline
    assert (d.step, d.step_due_at) == (2, local(2025, 8, 19, 15))  # 4 h: 2.5 before noon, 1.5 after
    d = perform("lanhdao", d, "forward", local(2025, 8, 19, 10), to="chuyenvien")  # off the workflow
    assert (d.step, d.step_due_at) == (2, None)

    rows = forms_data.form_data(d, "05")["rows"]
    assert [(r["step"], r["result"]) for r in rows if r["kind"] == "handover"] == [
        ("Thụ lý", "trước hạn"),  # the one-stop's hand-over, against the dossier's due date
        ("Ký duyệt", "quá hạn"),  # the specialist's step, against its own deadline
        ("", "đúng hạn"),  # the leader's step, done on its due day
    ]
    events = list(d.events.all())
    assert replay.rebuild_from_events(events) == {f: getattr(d, f) for f in replay.REBUILT_FIELDS}
