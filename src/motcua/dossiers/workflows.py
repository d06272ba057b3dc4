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

from motcua.directory import selectors as directory
from motcua.directory.models import Agency

from .models import Dossier, Workflow, WorkflowRole, WorkflowStep

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
