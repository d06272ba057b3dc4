"""Which step of its internal workflow a dossier goes to next (read side of `forward` without `to`).

An agency may define a workflow for one procedure, or a default one for all its procedures (admin: Quy
trình xử lý). Without one, the built-in workflow applies: a specialist of the competent agency handles the
dossier, then its leader approves. A step names a role at an agency (empty: the competent agency) and may
name the person; otherwise the dossier goes to the only holder of that role there, or to all of them (no
assignee: any of them picks it up) when there are several.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Prefetch, Q

from motcua.core.errors import ValidationFailed
from motcua.directory import selectors as directory
from motcua.directory.models import Agency, Role, StaffAssignment

from .models import Dossier, Workflow, WorkflowRole, WorkflowStep
from .statuses import Status

BUILT_IN = (
    ("Chuyên viên thụ lý, thẩm định hồ sơ", WorkflowRole.SPECIALIST),
    ("Lãnh đạo xem xét, phê duyệt", WorkflowRole.LEADER),
)


@dataclass(frozen=True)
class Step:
    number: int  # 1-based, as stored in Dossier.step
    title: str
    agency: Agency
    role: str
    assignee: Any = None
    time: Decimal | None = None  # working days the step may take (the approved internal workflow)


def steps_for(d: Dossier) -> list[Step]:
    """The workflow of the dossier's competent agency for its procedure (its own, the agency's default, or
    the built-in one)."""
    workflow = (
        Workflow.objects.filter(agency_id=d.agency_id)
        .filter(Q(procedure_id=d.procedure_id) | Q(procedure__isnull=True))
        .order_by(F("procedure_id").desc(nulls_last=True))
        .prefetch_related(
            Prefetch("steps", queryset=WorkflowStep.objects.select_related("agency", "assignee"))
        )
        .first()
    )
    rows = list(workflow.steps.all()) if workflow is not None else []
    if not rows:
        return [Step(i, title, d.agency, role) for i, (title, role) in enumerate(BUILT_IN, start=1)]
    return [
        Step(i, s.title, s.agency or d.agency, s.role, s.assignee, s.time)
        for i, s in enumerate(rows, start=1)
    ]


def recipient(step: Step):
    """The person the step names if they hold its role there; else the only holder; else None (the group)."""
    if (
        step.assignee is not None
        and step.assignee.is_active
        and directory.has_role(step.assignee, step.role, step.agency)
    ):
        return step.assignee
    holders = list(
        get_user_model()
        .objects.filter(assignments__agency=step.agency, assignments__role=step.role, is_active=True)
        .distinct()[:2]
    )
    return holders[0] if len(holders) == 1 else None


def destination(d: Dossier, target: str | None, actor) -> tuple[Agency, Any, Step | None]:
    """(agency, user or None, workflow step or None) a forward goes to: the named agency or person, or the
    next step of the dossier's workflow when `target` is empty (contract §4)."""
    if not target:
        return _next_step(d, actor)
    agency = Agency.objects.filter(identifier=target, is_active=True).first()
    if agency is not None:
        return agency, None, None
    user = get_user_model().objects.filter(username=target, is_active=True).first()
    if user is not None:
        rows = list(
            StaffAssignment.objects.filter(user=user, role__in=[Role.SPECIALIST, Role.LEADER])
            .select_related("agency")
            .order_by("id")
        )
        if rows:
            here = next((r for r in rows if r.agency_id == d.current_agency_id), rows[0])
            return here.agency, user, None
    raise ValidationFailed(
        f"Không có cơ quan hoặc cán bộ xử lý '{target}'.", code="unknown_recipient", details={"field": "to"}
    )


def _next_step(d: Dossier, actor) -> tuple[Agency, Any, Step]:
    steps = steps_for(d)
    number = 1 if d.status == Status.NEW else d.step + 1  # the one-stop hands over to the first step
    current = steps[d.step - 1] if d.status != Status.NEW and 0 < d.step <= len(steps) else None
    if current is not None and not directory.has_role(actor, current.role, d.current_agency_id):
        # Only the role the current step is addressed to moves the workflow on: a specialist cannot
        # push a dossier past the leader's approval step. Naming a recipient stays open to them, so
        # this is a missing input (422), like the end of the workflow, not a forbidden action.
        raise ValidationFailed(
            f"Bước '{current.title}' của quy trình không phải của bạn: hãy chọn nơi chuyển ('to'), "
            "ví dụ trả lại người được giao bước này.",
            code="not_your_step",
            details={"field": "to"},
        )
    if number > len(steps):
        raise ValidationFailed(
            "Hồ sơ đã ở bước cuối của quy trình xử lý: hãy phê duyệt (complete) hoặc chọn nơi chuyển ('to').",
            code="no_next_step",
            details={"field": "to"},
        )
    step = steps[number - 1]
    return step.agency, recipient(step), step
