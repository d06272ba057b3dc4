"""The dossier lifecycle: every action declared once, with all its rules (domain.md §2, ADR 0004).

An action is one class below. Together they are the state machine:

* ``rows``: from which statuses, to which status, for which actor kinds (``statuses``), with which guard
  and which official form;
* ``Input``: its typed input (a pydantic schema: the API documents it and the service validates with it);
* ``apply``: what it changes on the dossier row, and the data its event records;
* ``replay``: how that event is replayed into the row's state (``replay.rebuild_from_events``).

``services.perform`` executes a row, ``permissions`` decides who may take it and
``selectors.available_actions`` lists what ``perform`` would accept. Adding an action is adding a class
here (and its tests). Nothing else may change a dossier's status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_noop as N_  # labels stay Vietnamese; marked for translation
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from motcua.core import inputs
from motcua.core.errors import Conflict, ValidationFailed
from motcua.payments import ledger

from . import deadlines, workflows
from .models import DossierFee, DossierFile
from .statuses import (  # noqa: F401 - the lifecycle's vocabulary, re-exported for its users
    ACTOR_KINDS,
    APPLICANT,
    CLOCK_STATUSES,
    EARLY,
    FINISHED,
    IN_TIME,
    LATE,
    LEADER,
    ON_TIME,
    OPEN,
    OVERDUE,
    PLATFORM,
    RECEPTION,
    RESUME,
    SAME,
    SETTLED,
    SPECIALIST,
    STATUSES,
    TERMINAL,
    TIMELINESS,
    TOKENS,
    Status,
    judge,
    timeliness,
)

S = Status
MAX_TEXT = 5000


@dataclass(frozen=True)
class Transition:
    """One row of the machine: the action `name` from `sources` to `target` for `roles`."""

    name: str
    label: str  # Vietnamese button text
    sources: frozenset[int]
    target: int  # a Status, SAME, RESUME or SETTLED
    roles: frozenset[str]
    guard: Callable[[Any, datetime], None] | None = None  # raises Conflict when the row may not run now
    form: str | None = None  # official form issued by this action (TT 01/2018)
    note: str = ""

    def target_from(self, status: int, paused_from: int | None, dossier: Any = None) -> int:
        if self.target == SAME:
            return status
        if self.target == SETTLED:
            settled = dossier is not None and dossier.fee_paid >= dossier.fee_total
            return Status.PROCESSING if settled else status
        if self.target == RESUME:
            if paused_from is None:
                raise ValueError("no status to resume")
            return paused_from
        return self.target


def row(name: str, label: str, sources: set[int], target: int, roles: set[str], **kw: Any) -> Transition:
    return Transition(name, label, frozenset(sources), target, frozenset(roles), **kw)


# ---------------------------------------------------------------------------------------------- inputs
class Input(BaseModel):
    """Every action accepts a note; unknown fields are ignored (a form may post more than one action's)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    note: inputs.Text(MAX_TEXT, multiline=True) = ""


class Reasoned(Input):
    reason: inputs.RequiredText(MAX_TEXT, multiline=True)


@dataclass
class Step:
    """One action being taken: what `apply` reads and changes."""

    dossier: Any  # the locked Dossier row
    actor: Any
    kinds: set[str]
    at: datetime
    row: Transition


class Action:
    name: ClassVar[str]
    rows: ClassVar[tuple[Transition, ...]]
    Input: ClassVar[type[Input]] = Input

    def apply(self, step: Step, given: Any) -> dict[str, Any]:
        """Change the dossier for this action; return the event's data."""
        return {}

    def replay(self, s: dict[str, Any], event) -> None:
        """Replay this action's event into the rebuilt state `s` (beyond what every event sets)."""


# ------------------------------------------------------------------------------------------- creation
# Not reachable through `perform`: `services.intake.submit_dossier` writes these events.
class Submit(Action):
    name = "submit"
    rows = (
        row(
            "submit",
            N_("Nộp hồ sơ"),
            set(),
            S.RECEIVING,
            {APPLICANT, RECEPTION},
            note="online (channel 2) or postal (channel 3), or registered at the counter without receiving "
            "it yet (to guide or refuse): waits for the one-stop check",
        ),
    )

    def replay(self, s, event):
        s["fee_total"] = event.data.get("fee_total", 0)


class Receive(Submit):
    name = "receive"
    rows = (
        row(
            "receive",
            N_("Tiếp nhận tại quầy"),
            set(),
            S.NEW,
            {RECEPTION},
            form="01",
            note="counter reception (channel 1): received at once, receipt and due date (Form 01)",
        ),
    )

    def replay(self, s, event):
        super().replay(s, event)
        s["received_at"], s["original_due_at"] = event.at, event.due_at


class Digitise(Action):
    """Not reachable through `perform` either: `files.attach` writes it when a reception officer's scan
    with the complete minimum metadata (domain.md §1.3) makes the dossier one with a digitised component
    (HoSoCoThanhPhanSoHoa): the national portal learns it from this event's outbox message."""

    name = "digitise"
    rows = (
        row(
            "digitise",
            N_("Số hóa thành phần hồ sơ"),
            {S.RECEIVING, S.NEW, S.WAITING},
            SAME,
            {RECEPTION},
            note="the first digitised paper of the dossier",
        ),
    )

    def replay(self, s, event):
        s["digitised"] = True


class RefundRecord(Action):
    """Not reachable through `perform` either: `payments.services.refund` writes it when a reception officer
    gives back a fee of a dossier refused, withdrawn or stopped (the status stays; what was paid stays paid,
    the refund is its own record)."""

    name = "refund"
    rows = (
        row(
            "refund",
            N_("Hoàn trả phí, lệ phí"),
            {S.DENIED, S.CANCELLED, S.UNRESOLVED},
            SAME,
            {RECEPTION},
            note="a paid fee given back",
        ),
    )


# ------------------------------------------------------------------------------------------ reception
class Accept(Action):
    name = "accept"
    rows = (row("accept", N_("Tiếp nhận"), {S.RECEIVING}, S.NEW, {RECEPTION}, form="01"),)

    def apply(self, step, given):
        d = step.dossier
        d.received_at = step.at
        d.due_at = d.original_due_at = deadlines.compute_due(d, step.at)
        return {}

    def replay(self, s, event):
        s["received_at"], s["original_due_at"] = event.at, event.due_at


class Refuse(Action):
    name = "refuse"
    rows = (row("refuse", N_("Từ chối tiếp nhận"), {S.RECEIVING}, S.DENIED, {RECEPTION}, form="03"),)
    Input = Reasoned

    def apply(self, step, given):
        step.dossier.refused_at = step.at
        ledger.close_open(step.dossier, step.at)
        return {}

    def replay(self, s, event):
        s["refused_at"] = event.at


def _guidance_once(dossier, now: datetime) -> None:
    if dossier.guidance_count > 0:
        raise Conflict(
            "Hồ sơ đã được hướng dẫn bổ sung một lần khi tiếp nhận; nếu vẫn chưa đủ, hãy từ chối "
            "tiếp nhận (Mẫu 03).",
            code="guidance_once",
        )


class RequestedItem(BaseModel):
    """A paper to supplement or complete, with its own reason when it has one (Form 02)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    name: inputs.RequiredText(500)
    reason: inputs.Text(MAX_TEXT, multiline=True) = ""


def _plain_item(value: Any) -> Any:
    # The contract's plain text item is an item whose reason is the request's own.
    if isinstance(value, str):
        return {"name": value}
    if not isinstance(value, dict | RequestedItem):
        raise PydanticCustomError("invalid_field", "phải là tên giấy tờ, hoặc một đối tượng {name, reason}.")
    return value


_ITEM_SCHEMA = RequestedItem.model_json_schema()
Item = Annotated[
    RequestedItem,
    BeforeValidator(_plain_item),
    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": 500}, _ITEM_SCHEMA]}),
]


class SupplementRequest(Reasoned):
    items: list[Item] = Field(
        min_length=1, max_length=100, description="giấy tờ cần bổ sung: tên, hoặc {name, reason}"
    )


def requested_items(data: dict[str, Any], reason: str) -> list[dict[str, str]]:
    """The papers a `request_supplement` event asked for, each with its reason (its own, else the
    request's): `data["items"]` holds plain names, or {name, reason} for an item with its own reason."""
    items = data.get("items", []) if isinstance(data, dict) else []
    out = []
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, dict):
            out.append({"name": str(item.get("name", "")), "reason": str(item.get("reason") or reason)})
        else:
            out.append({"name": str(item), "reason": reason})
    return out


class RequestSupplement(Action):
    """Guidance at reception (before the dossier is received: no clock runs yet; at most once) and a
    request during processing (pauses the clock; a second one is allowed but makes the dossier late
    under Decision 766). Only the latter counts as a supplement request."""

    name = "request_supplement"
    rows = (
        row(
            "request_supplement",
            N_("Hướng dẫn bổ sung hồ sơ"),
            {S.RECEIVING},
            S.WAITING,
            {RECEPTION},
            guard=_guidance_once,
            form="02",
        ),
        row(
            "request_supplement",
            N_("Yêu cầu bổ sung hồ sơ"),
            {S.NEW, S.PROCESSING},
            S.WAITING,
            {SPECIALIST, LEADER, RECEPTION},
            form="02",
        ),
    )
    Input = SupplementRequest

    def apply(self, step, given):
        d = step.dossier
        if d.status in CLOCK_STATUSES:
            d.supplement_count += 1
        else:
            d.guidance_count += 1
        d.paused_at, d.paused_from_status = step.at, d.status
        # Plain names as before; an item with its own reason keeps it beside its name.
        return {"items": [{"name": i.name, "reason": i.reason} if i.reason else i.name for i in given.items]}

    def replay(self, s, event):
        s["supplement_count" if event.from_status in CLOCK_STATUSES else "guidance_count"] += 1
        s["paused_at"], s["paused_from_status"] = event.at, event.from_status


class SupplementInput(Input):
    files: list[inputs.Integer(1, 2**31 - 1)] | None = Field(None, max_length=100)


class Supplement(Action):
    name = "supplement"
    rows = (row("supplement", N_("Bổ sung hồ sơ"), {S.WAITING}, RESUME, {APPLICANT, RECEPTION}),)
    Input = SupplementInput

    def apply(self, step, given):
        d, data = step.dossier, {}
        if d.paused_from_status in CLOCK_STATUSES and d.due_at is not None:
            cal = deadlines.calendar_of(d)
            hours = cal.working_hours_between(d.paused_at, step.at)
            if hours > 0:
                # A new date promised in an apology during this pause stands as promised (61/2018 Art. 19).
                if not (d.apologized_at and d.apologized_at >= d.paused_at):
                    d.due_at = cal.add(d.due_at, hours, "hours")
                if d.step_due_at is not None:  # the step's own deadline pauses with the dossier's
                    d.step_due_at = cal.add(d.step_due_at, hours, "hours")
                    data["step_due_at"] = d.step_due_at.isoformat()
            data["paused_hours"] = str(hours)
        handed_in = _hand_in_files(d, d.paused_at, given.files)
        if handed_in:
            data["files"] = handed_in
        return data


def _hand_in_files(d, since: datetime | None, chosen: list[int] | None) -> list[dict[str, Any]]:
    """Mark the files uploaded while the dossier waited (all, or the `chosen` ids) as handed in by the
    supplement event about to be written; the event records which."""
    pending = (
        []
        if since is None
        else list(
            d.files.filter(event_seq__isnull=True, uploaded_at__gte=since)
            .select_related("component")
            .order_by("id")
        )
    )
    if chosen is not None:
        unknown = sorted(set(chosen) - {f.pk for f in pending})
        if unknown:
            raise ValidationFailed(
                f"Tệp số {', '.join(map(str, unknown))} không phải tệp bổ sung đang chờ nộp.",
                code="unknown_file",
                details={"field": "files", "ids": unknown},
            )
        pending = [f for f in pending if f.pk in set(chosen)]
    if pending:
        DossierFile.objects.filter(pk__in=[f.pk for f in pending]).update(event_seq=d.version + 1)
    return [
        {"id": f.pk, "name": f.name, "component": f.component.code if f.component_id else None}
        for f in pending
    ]


class Finishing(Action):
    """An action after which nobody works on the dossier any more: its clock stops (`finished_at`)."""

    Input = Reasoned

    def apply(self, step, given):
        step.dossier.finished_at = step.at
        # What was asked and not paid is no longer owed; what was paid stays, for a refund where the law allows.
        ledger.close_open(step.dossier, step.at)
        return {}

    def replay(self, s, event):
        s["finished_at"] = event.at


class Withdraw(Finishing):
    name = "withdraw"
    rows = (
        row(
            "withdraw",
            N_("Rút hồ sơ"),
            {S.RECEIVING, S.NEW, S.PROCESSING, S.WAITING, S.PAYING},
            S.CANCELLED,
            {APPLICANT, RECEPTION},
        ),
    )


# ----------------------------------------------------------------------------------------- processing
class ForwardInput(Input):
    to: inputs.Text(150) = Field("", description="mã định danh cơ quan hoặc tên đăng nhập cán bộ")


class Forward(Action):
    name = "forward"
    rows = (
        row("forward", N_("Chuyển cơ quan giải quyết"), {S.NEW}, S.PROCESSING, {RECEPTION}),
        row("forward", N_("Chuyển xử lý"), {S.PROCESSING}, SAME, {SPECIALIST, LEADER}),
    )
    Input = ForwardInput

    def apply(self, step, given):
        d = step.dossier
        agency, user, wstep = workflows.destination(d, given.to, step.actor)
        data = {
            "from_agency": d.current_agency.identifier,
            "to_agency": agency.identifier,
            "to_user": user.get_username() if user else None,
            "to_user_id": user.pk if user else None,
        }
        # An explicit recipient leaves the workflow position as it was, without a step deadline.
        d.step_due_at = None
        if wstep is not None:
            d.step = wstep.number
            if wstep.time:
                d.step_due_at = deadlines.calendar_of(d).add(step.at, wstep.time, "working_days")
            data.update(step=wstep.number, step_title=wstep.title)
        data["step_due_at"] = d.step_due_at.isoformat() if d.step_due_at else None
        d.current_agency, d.assignee = agency, user
        return data

    def replay(self, s, event):
        s["assignee_id"] = event.data.get("to_user_id")
        s["step"] = event.data.get("step", s["step"])


class PaymentDemand(Input):
    amount: inputs.Money = Field(..., description="số tiền (đồng)")
    name: inputs.Text(300) = Field("", description="tên khoản phí, lệ phí (mặc định: ghi chú)")


class RequestPayment(Action):
    """A financial obligation asked for during processing (status 6): one fee line and one payment request."""

    name = "request_payment"
    rows = (
        row(
            "request_payment",
            N_("Yêu cầu thực hiện nghĩa vụ tài chính"),
            {S.PROCESSING},
            S.PAYING,
            {SPECIALIST, LEADER},
        ),
    )
    Input = PaymentDemand

    def apply(self, step, given):
        d = step.dossier
        reason = (given.name or given.note or "Phí, lệ phí")[:300]
        request = ledger.open_request(
            d, kind="processing", amount=given.amount, reason=reason, at=step.at, by=step.actor
        )
        DossierFee.objects.create(dossier=d, name=reason, amount=given.amount, request=request)
        d.fee_total += given.amount
        return {"amount": given.amount, "request": request.pk}

    def replay(self, s, event):
        s["fee_total"] += event.data["amount"]


class CounterPayment(Input):
    method: inputs.Choice(DossierFee.Method.CASH, DossierFee.Method.TRANSFER) = Field(
        ..., description="cash (tiền mặt) | transfer (chuyển khoản)"
    )
    reference: inputs.Text(100) = Field("", description="số biên lai, hoặc mã giao dịch chuyển khoản")

    def model_post_init(self, context: Any) -> None:
        if self.method == DossierFee.Method.TRANSFER and not self.reference:
            raise ValidationFailed(
                "Thanh toán chuyển khoản cần mã giao dịch ('reference').",
                code="missing_field",
                details={"field": "reference"},
            )


def _fees_due(dossier, now: datetime) -> None:
    if dossier.fee_paid >= dossier.fee_total:
        raise Conflict("Hồ sơ không còn phí, lệ phí nào phải thu.", code="nothing_to_pay")


class Pay(Action):
    """A payment collected by the one-stop (cash or bank transfer), recorded by the officer who received
    it: the fee of the procedure at the counter (the status stays), or what processing asked for (6,
    processing resumes). Everything still owed is collected at once, each request with its receipt. An
    online payment is never recorded here: only the gateway's verified confirmation records it (`PayOnline`)."""

    name = "pay"
    rows = (
        row("pay", N_("Xác nhận đã thu phí, lệ phí"), {S.PAYING}, S.PROCESSING, {RECEPTION}),
        row(
            "pay",
            N_("Thu phí, lệ phí tại quầy"),
            {S.RECEIVING, S.NEW, S.PROCESSING, S.WAITING},
            SAME,
            {RECEPTION},
            guard=_fees_due,
            note="the procedure's fee, collected at the counter; the status stays",
        ),
    )
    Input = CounterPayment

    def apply(self, step, given):
        d = step.dossier
        before = d.fee_paid
        payments = ledger.collect(
            d, method=given.method, reference=given.reference, at=step.at, by=step.actor
        )
        return {
            "amount": d.fee_paid - before,
            "method": given.method,
            "reference": given.reference,
            "payments": [p.pk for p in payments],
        }

    def replay(self, s, event):
        s["fee_paid"] += event.data["amount"]


class Confirmation(Input):
    attempt: int = Field(..., description="the PaymentAttempt the gateway confirmed as paid")


class PayOnline(Action):
    """The payment gateway confirmed an online payment (contract §8). Only `payments.services` takes it, with
    the PLATFORM kind no account ever has, after checking the confirmation's signature, partner, reference
    and amount. From 6 processing resumes once nothing remains to pay; elsewhere the status stays."""

    name = "pay_online"
    rows = (
        row("pay_online", N_("Thanh toán trực tuyến thành công"), {S.PAYING}, SETTLED, {PLATFORM}),
        row(
            "pay_online",
            N_("Thanh toán trực tuyến thành công"),
            {S.RECEIVING, S.NEW, S.PROCESSING, S.WAITING},
            SAME,
            {PLATFORM},
        ),
    )
    Input = Confirmation

    def apply(self, step, given):
        d = step.dossier
        payment = ledger.record_online(d, attempt_id=given.attempt, at=step.at)
        return {
            "amount": payment.amount,
            "method": payment.method,
            "reference": payment.reference,
            "online": payment.online,
            "payments": [payment.pk],
        }

    def replay(self, s, event):
        s["fee_paid"] += event.data["amount"]
        s["paid_online"] = s.get("paid_online") or event.data.get("online", 0)


def _apology(dossier, now: datetime) -> None:
    if dossier.apology_count > 0:
        raise Conflict("Chỉ được xin lỗi và hẹn lại ngày trả kết quả một lần.", code="apology_once")
    if dossier.due_at is None:
        raise Conflict("Hồ sơ không có ngày hẹn trả.", code="no_due_date")
    # "At least one working day before the deadline" (61/2018 Art. 19, domain.md §2.2).
    if deadlines.calendar_of(dossier).add(now, 1, "working_days") > dossier.due_at:
        raise Conflict(
            "Phải xin lỗi, hẹn lại chậm nhất trước ngày hẹn trả một ngày làm việc.", code="apology_too_late"
        )


class Apology(Reasoned):
    new_due_at: inputs.Moment = Field(..., description="ngày hẹn trả mới (ISO 8601)")


class Apologize(Action):
    name = "apologize"
    rows = (
        row(
            "apologize",
            N_("Xin lỗi và hẹn lại ngày trả"),
            {S.NEW, S.PROCESSING, S.WAITING, S.PAYING},
            SAME,
            {SPECIALIST, LEADER},
            guard=_apology,
            form="04",
        ),
    )
    Input = Apology

    def apply(self, step, given):
        d, new_due = step.dossier, given.new_due_at
        if new_due <= d.due_at:
            raise ValidationFailed(
                "Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại.",
                code="invalid_new_due_at",
                details={"field": "new_due_at"},
            )
        if not deadlines.in_working_time(deadlines.calendar_of(d), new_due):
            raise ValidationFailed(
                "Ngày hẹn trả mới phải trong giờ làm việc của ngày làm việc.",
                code="invalid_new_due_at",
                details={"field": "new_due_at"},
            )
        data = {"old_due_at": d.due_at.isoformat(), "new_due_at": new_due.isoformat()}
        # The date being replaced stays beside the new one (Form 04, reports).
        d.due_at_before_apology, d.due_at = d.due_at, new_due
        d.apologized_at = step.at
        d.apology_count += 1
        return data

    def replay(self, s, event):
        s["apology_count"] += 1
        s["apologized_at"] = event.at
        s["due_at_before_apology"] = parse_datetime(event.data["old_due_at"])


class Stop(Finishing):
    name = "stop"
    rows = (row("stop", N_("Dừng xử lý"), {S.PROCESSING}, S.UNRESOLVED, {LEADER}),)


class Result(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    name: inputs.RequiredText(500)


class Completion(Input):
    result: Result = Field(..., description='kết quả giải quyết {"name": ...}')


class Complete(Finishing):
    name = "complete"
    rows = (row("complete", N_("Phê duyệt, hoàn thành"), {S.PROCESSING}, S.RELEASING, {LEADER}),)
    Input = Completion

    def apply(self, step, given):
        super().apply(step, given)
        step.dossier.result_name = given.result.name
        return {"result": given.result.name}

    def replay(self, s, event):
        super().replay(s, event)
        s["result_name"] = event.data["result"]


class ReturnResult(Action):
    name = "return_result"
    rows = (row("return_result", N_("Trả kết quả"), {S.RELEASING}, S.DONE, {RECEPTION}),)

    def apply(self, step, given):
        step.dossier.returned_at = step.at
        return {}

    def replay(self, s, event):
        s["returned_at"] = event.at


# ------------------------------------------------------------------------------------------- the table
CREATION: tuple[Action, ...] = (Submit(), Receive())
# Events other services write, beside a lifecycle action (not reachable through `perform` either).
RECORDS: tuple[Action, ...] = (Digitise(), RefundRecord())
# In the order a page shows their buttons.
ACTIONS: tuple[Action, ...] = (
    Accept(),
    Refuse(),
    RequestSupplement(),
    Supplement(),
    Forward(),
    RequestPayment(),
    Pay(),
    PayOnline(),
    Apologize(),
    Stop(),
    Complete(),
    ReturnResult(),
    Withdraw(),
)
BY_ACTION: dict[str, Action] = {a.name: a for a in (*CREATION, *RECORDS, *ACTIONS)}
TRANSITIONS: tuple[Transition, ...] = tuple(r for a in ACTIONS for r in a.rows)
ACTION_NAMES: tuple[str, ...] = tuple(a.name for a in ACTIONS)
BY_NAME: dict[str, tuple[Transition, ...]] = {a.name: a.rows for a in ACTIONS}
LABELS: dict[str, str] = {a.name: a.rows[0].label for a in (*CREATION, *RECORDS, *ACTIONS)}


def label_of(action: str, from_status: int | None) -> str:
    """The button text of the row an event executed: 'forward' from 2 is the hand-over to the competent
    agency, from 4 a hand-over inside processing; creation rows have no source status."""
    for t in TRANSITIONS:
        if t.name == action and from_status in t.sources:
            return t.label
    return LABELS.get(action, action)


def possible_targets(status: int, paused_from: int | None = None) -> set[int]:
    """Every status one action can lead to from `status` (for the tests and the docs)."""
    out = set()
    for t in TRANSITIONS:
        if status in t.sources:
            if t.target == RESUME and paused_from is None:
                out |= CLOCK_STATUSES | {Status.RECEIVING}
            else:
                out.add(t.target_from(status, paused_from))
            if t.target == SETTLED:
                out.add(Status.PROCESSING)
    return out
