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
    # An explicit recipient keeps the workflow position.
    d = perform("lanhdao", d, "forward", local(2025, 8, 15, 14), to="chuyenvien")
    assert (d.assignee.username, d.step) == ("chuyenvien", 2)
    d = perform("chuyenvien", d, "forward", local(2025, 8, 15, 15))
    assert (d.current_agency, d.assignee.username, d.step) == (agencies["health"], "yte_ld", 3)


def test_a_named_person_without_the_role_there_falls_back_to_the_holders(counter, perform, agencies, people):
    flow = Workflow.objects.create(agency=agencies["justice"], name="Quy trình chung")
    flow.steps.create(order=1, title="Thụ lý", role=WorkflowRole.SPECIALIST, assignee=people["tiepnhan"])
    d = counter(at=local(2025, 8, 15, 9))
    d = perform("tiepnhan", d, "forward", local(2025, 8, 15, 10))
    assert d.assignee.username == "chuyenvien"
