"""What the dossier page (/can-bo/ho-so/{code}/) shows, built from what `dossiers` says.

Presentation only: who may do what comes from `selectors.available_actions`, an action's fields from its
`Input` schema in `machine`, the recipients of a forward from `selectors.forward_recipients`, the forms to
print from `forms_data.applicable_forms`, timeliness from `machine.timeliness` / `machine.judge`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from motcua.catalog.versions import version_by_id
from motcua.core.errors import DomainError
from motcua.core.formatting import LOCAL_TZ, moment
from motcua.core.names import full_name
from motcua.directory.models import Role, StaffAssignment
from motcua.documents.results import officer_results
from motcua.dossiers import files, forms_data, machine, selectors
from motcua.dossiers.models import ApplicantKind, Channel, Dossier, DossierEvent, DossierFee
from motcua.notifications.selectors import notifications_of
from motcua.payments.pages import payment_panel
from motcua.portal.templatetags.motcua_format import money  # in the page's language

# ------------------------------------------------------------------------------------------ action forms
# How each input of an action (its `Input` schema's fields) is asked for: label and widget.
WIDGETS: dict[str, tuple[str, str]] = {
    "to": (N_("Chuyển đến"), "recipient"),
    "reason": (N_("Lý do"), "textarea"),
    "items": (N_("Giấy tờ cần bổ sung, hoàn thiện"), "items"),
    "amount": (N_("Số tiền (đồng)"), "money"),
    "name": (N_("Tên khoản phí, lệ phí"), "text"),
    "method": (N_("Hình thức thu"), "method"),
    "reference": (N_("Số biên lai hoặc mã giao dịch"), "text"),
    "new_due_at": (N_("Ngày hẹn trả mới"), "datetime"),
    "result": (N_("Tên kết quả giải quyết"), "text"),
    "files": (N_("Tệp nộp bổ sung"), "pending_files"),
    "note": (N_("Ghi chú"), "note"),
}
LIST_FIELDS = frozenset({"items", "files"})
# Steps that cannot be undone ask for a reason (their schema) and a second, confirming click.
DANGEROUS = frozenset({"refuse", "stop", "withdraw"})
ITEM_ROWS = 3  # empty item fields offered at first (the page's script adds more)
STALE_MESSAGE = N_("Hồ sơ vừa được người khác cập nhật, vui lòng tải lại trang.")

DONE_MESSAGES = {
    "accept": N_("Đã tiếp nhận hồ sơ {code}."),
    "refuse": N_("Đã từ chối tiếp nhận hồ sơ {code}."),
    "request_supplement": N_("Đã gửi yêu cầu bổ sung, hoàn thiện hồ sơ {code}."),
    "supplement": N_("Đã nhận hồ sơ bổ sung của hồ sơ {code}."),
    "forward": N_("Đã chuyển hồ sơ {code} đến {to}."),
    "request_payment": N_("Đã yêu cầu nộp {amount} cho hồ sơ {code}."),
    "pay": N_("Đã xác nhận thu {amount} của hồ sơ {code}."),
    "apologize": N_("Đã hẹn lại ngày trả kết quả hồ sơ {code}: {due}."),
    "stop": N_("Đã dừng xử lý hồ sơ {code}."),
    "complete": N_("Đã phê duyệt: hồ sơ {code} đã xử lý xong, chờ trả kết quả."),
    "return_result": N_("Đã trả kết quả hồ sơ {code}."),
    "withdraw": N_("Đã rút hồ sơ {code} theo yêu cầu của người nộp."),
}


@dataclass
class FormField:
    name: str
    label: str
    kind: str
    id: str
    required: bool = False
    value: Any = ""
    values: list[str] = field(default_factory=list)
    options: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # (group, choices)
    help: str = ""
    error: str = ""


@dataclass
class ActionForm:
    name: str
    label: str  # the button: the machine row's label for the dossier's status
    url: str
    version: int
    fields: list[FormField]
    danger: bool = False
    confirm: bool = False  # the second step of a dangerous action
    error: str = ""
    stale: bool = False

    @property
    def id(self) -> str:
        return f"thao-tac-{self.name.replace('_', '-')}"

    @property
    def given(self) -> list[tuple[str, str]]:
        """The values to carry through the confirmation step, as hidden inputs."""
        out = []
        for f in self.fields:
            if f.kind == "items":
                out += [(f.name, v) for v in f.values]
            elif f.kind != "pending_files":
                out.append((f.name, f.value or ""))
        return out


def parse(action: str, post) -> dict[str, Any]:
    """The posted form as the action's input: only its schema's fields, blank ones left out (absent)."""
    given: dict[str, Any] = {}
    for name in machine.BY_ACTION[action].Input.model_fields:
        if name in LIST_FIELDS:
            values = [v for v in post.getlist(name) if v.strip()]
            if values:
                given[name] = values
            continue
        value = post.get(name)
        if value is None or not value.strip():
            continue
        given[name] = {"name": value} if name == "result" else value
    return given


def _field_names(action: str) -> list[str]:
    names = [n for n in machine.BY_ACTION[action].Input.model_fields if n != "note"]
    return [*names, "note"]


def _recipient_options(user, d: Dossier) -> tuple[list, str]:
    """(option groups, help): the workflow's next step first (value ''), whole units, then people."""
    found = selectors.forward_recipients(user, d)
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    if found.next_step is not None:
        agency, person, step = found.next_step
        text = _("Bước tiếp theo: {step} – {agency} ({who})").format(
            step=step.title, agency=agency.name, who=full_name(person) if person else _("cả đơn vị")
        )
        groups.append(("", [("", text)]))
    groups.append((_("Cả đơn vị"), [(a.identifier, a.name) for a in found.agencies]))
    roles = dict(Role.choices)
    people: dict[str, list[tuple[str, str]]] = {}
    for s in found.staff:
        people.setdefault(s.agency.name, []).append(
            (s.user.get_username(), f"{full_name(s.user)} – {roles.get(s.role, s.role)}")
        )
    return groups + list(people.items()), found.no_next_step


def _form_field(name: str, action: str, d: Dossier, user, required: bool) -> FormField:
    label, kind = WIDGETS[name]
    f = FormField(name, _(label), kind, f"{action.replace('_', '-')}-{name.replace('_', '-')}", required)
    if kind == "items":
        f.values = [""] * ITEM_ROWS
    elif kind == "pending_files":
        f.values = [p.name for p in _pending(d)]
    elif kind == "recipient":
        f.options, f.help = _recipient_options(user, d)
        f.required = not any(value == "" for _g, choices in f.options for value, _l in choices)
    elif kind == "method":
        f.options = [("", [(m.value, m.label) for m in (DossierFee.Method.CASH, DossierFee.Method.TRANSFER)])]
        f.value = DossierFee.Method.CASH
    elif kind == "datetime":
        f.help = _("Ngày hẹn trả hiện tại: {due}").format(due=moment(d.due_at))
    elif name == "result":
        results = version_by_id(d.procedure_version_id).record.get("results") or []
        f.value = results[0]["name"] if results else ""
    elif name == "amount" and d.fee_total > d.fee_paid:
        f.help = _("Còn phải nộp: {amount}").format(amount=money(d.fee_total - d.fee_paid))
    return f


# The step that moves the dossier on comes first, where the eye lands at 1366x768; the ones that end it
# (refuse, stop, withdraw) come last.
PAGE_ORDER = (
    "complete",
    "return_result",
    "accept",
    "forward",
    "pay",
    "supplement",
    "request_payment",
    "request_supplement",
    "apologize",
    "refuse",
    "stop",
    "withdraw",
)


def in_page_order(actions: list[str]) -> list[str]:
    rank = {name: i for i, name in enumerate(PAGE_ORDER)}
    return sorted(actions, key=lambda a: rank.get(a, len(PAGE_ORDER)))


def action_form(action: str, d: Dossier, user) -> ActionForm:
    """The empty form of `action` for this dossier, with exactly the inputs of its schema."""
    schema = machine.BY_ACTION[action].Input.model_fields
    fields = [
        _form_field(name, action, d, user, schema[name].is_required())
        for name in _field_names(action)
        if WIDGETS[name][1] != "pending_files" or _pending(d)
    ]
    return ActionForm(
        name=action,
        label=_(machine.label_of(action, d.status)),
        url=reverse("workspace:dossier_action", kwargs={"code": d.code, "action": action}),
        version=d.version,
        fields=fields,
        danger=action in DANGEROUS,
    )


def _pending(d: Dossier) -> list:
    """Files uploaded while the dossier waits for a supplement: the supplement hands them in."""
    if d.status != machine.Status.WAITING or d.paused_at is None:
        return []
    return [f for f in d.files.all() if f.event_seq is None and f.uploaded_at >= d.paused_at]


def filled(form: ActionForm, post, version: int | None) -> ActionForm:
    """The form with what was posted in it (shown again beside its errors, or to confirm)."""
    for f in form.fields:
        if f.kind == "items":
            f.values = post.getlist(f.name) or f.values
        elif f.kind != "pending_files":
            f.value = post.get(f.name, f.value)
    if version is not None:
        form.version = version
    return form


def with_error(form: ActionForm, exc: DomainError) -> ActionForm:
    """The error next to its field (`details.field`), or above the form."""
    if exc.code == "stale_version":
        form.error, form.stale = _(STALE_MESSAGE), True
        return form
    path = (exc.details or {}).get("field", "") if isinstance(exc.details, dict) else ""
    top = re.split(r"[.\[]", path, maxsplit=1)[0] if path else ""
    target = next((f for f in form.fields if f.name == top), None)
    if target is None:
        form.error = exc.message
        return form
    if exc.code == "missing_field":
        target.error = _("Vui lòng nhập {field}.").format(field=target.label.lower())
    else:
        # The parsers name the field ('reason' dài quá ...): the page names it as its label does.
        target.error = exc.message.replace(f"'{path}'", target.label).replace(f"'{top}'", target.label)
    return form


def done_message(action: str, d: Dossier, before: Dossier) -> str:
    """What the officer just did, from the dossier after (`d`) and before the action."""
    to = d.current_agency.name
    if action == "forward" and d.assignee_id:
        to = f"{full_name(d.assignee)} ({to})"
    amount = d.fee_paid - before.fee_paid if action == "pay" else d.fee_total - before.fee_total
    return _(DONE_MESSAGES[action]).format(code=d.code, to=to, amount=money(amount), due=moment(d.due_at))


def issued_form(action: str, from_status: int) -> str | None:
    """The official form the row that ran issues (Form 01 on acceptance, 02, 03, 04)."""
    return next((t.form for t in machine.TRANSITIONS if t.name == action and from_status in t.sources), None)


# ---------------------------------------------------------------------------------------------- timeline
STEP_ENDS = frozenset({"forward", "complete", "stop", "withdraw"})
# A step's own deadline runs while the dossier is being processed (a supplement request pauses it).
STEP_CLOCK = frozenset({machine.Status.PROCESSING, machine.Status.PAYING})


@dataclass
class TimelineRow:
    event: DossierEvent
    label: str
    who: str
    where: str
    from_label: str = ""
    to_label: str = ""
    to: str = ""
    step_title: str = ""
    step_due_at: datetime | None = None
    ended_step: str = ""
    ended_result: str = ""
    items: list[str] = field(default_factory=list)
    amount: str = ""
    result: str = ""
    due_changed: bool = False


def _local(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(LOCAL_TZ) if value else None


def _where(e: DossierEvent, holder, posts: dict[int, list]) -> str:
    """The unit the actor acted for: the one holding the dossier if they work there, else their own
    (a reception officer of the centre receiving for a department)."""
    mine = posts.get(e.actor_id) or []
    if holder is not None and any(a.agency_id == holder.pk for a in mine):
        return holder.name
    ranked = sorted(mine, key=lambda a: (a.role != Role.RECEPTION, a.pk))
    return ranked[0].agency.name if ranked else ""


def timeline(d: Dossier, events: list[DossierEvent], people: dict[int, Any], posts: dict[int, list]):
    """The history, each event with who took it where, and each workflow step judged when it ends
    (against its own deadline, else the dossier's due date, as Form 05 does).

    `people`: the staff named by forwards, by id; `posts`: the actors' assignments, by user id."""
    rows: list[TimelineRow] = []
    holder = d.receiving_agency
    step_title, step_due, previous_due = _("Tiếp nhận tại bộ phận một cửa"), None, None
    for e in events:
        data = e.data or {}
        by_applicant = e.actor_id is not None and e.actor_id == d.applicant_user_id
        row = TimelineRow(
            event=e,
            label=_(machine.label_of(e.action, e.from_status)),
            who=e.actor_name or _("Hệ thống"),
            where=_("Người nộp hồ sơ") if by_applicant else _where(e, holder, posts),
            from_label=_(machine.Status(e.from_status).label) if e.from_status else "",
            to_label=_(machine.Status(e.to_status).label),
            due_changed=e.due_at is not None and e.due_at != previous_due,
        )
        if e.action in STEP_ENDS and e.from_status in machine.CLOCK_STATUSES:
            deadline = step_due or e.due_at
            if deadline is not None:
                row.ended_step = step_title
                row.ended_result = machine.judge(e.at, deadline)
            step_title, step_due = "", None
        if e.action == "forward":
            person = people.get(data.get("to_user_id"))
            row.to = e.agency.name if e.agency_id else data.get("to_agency", "")
            if person is not None:
                row.to = f"{full_name(person)} – {row.to}"
            row.step_title = step_title = data.get("step_title", "")
            row.step_due_at = step_due = _local(data.get("step_due_at"))
        elif e.action == "supplement" and data.get("step_due_at"):
            step_due = _local(data["step_due_at"])  # the step's clock paused with the dossier's
        row.items = list(data.get("items", []))
        row.amount = money(data["amount"]) if "amount" in data else ""
        row.result = data.get("result", "")
        holder, previous_due = e.agency or holder, e.due_at
        rows.append(row)
    return rows


def forwarded_people(events: list[DossierEvent]) -> dict[int, Any]:
    """The staff named by forwards, in one query."""
    ids = {e.data.get("to_user_id") for e in events if e.action == "forward"} - {None}
    return {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)} if ids else {}


def actors_posts(events: list[DossierEvent]) -> dict[int, list[StaffAssignment]]:
    """The assignments of everyone who acted on the dossier, in one query."""
    ids = {e.actor_id for e in events} - {None}
    posts: dict[int, list[StaffAssignment]] = {}
    for a in StaffAssignment.objects.filter(user_id__in=ids).select_related("agency").order_by("id"):
        posts.setdefault(a.user_id, []).append(a)
    return posts


# ------------------------------------------------------------------------------------------------ header
@dataclass
class FeeRow:
    fee: DossierFee
    amount: str
    collector: str


def fee_rows(d: Dossier, events: list[DossierEvent]) -> list[FeeRow]:
    paid_by = {e.at: e.actor_name for e in events if e.action == "pay"}
    return [FeeRow(f, money(f.amount), paid_by.get(f.paid_at, "") if f.paid_at else "") for f in d.fees.all()]


def case_name(d: Dossier) -> str:
    if not d.case_code:
        return ""
    cases = version_by_id(d.procedure_version_id).record.get("cases") or []
    return next((c["name"] for c in cases if c.get("code") == d.case_code), d.case_code)


def step_title(d: Dossier, events: list[DossierEvent]) -> str:
    """The title of the workflow step the dossier is at, as the forward that started it recorded."""
    if not d.step:
        return ""
    last = next((e for e in reversed(events) if e.action == "forward"), None)
    return (last.data.get("step_title", "") if last and last.data.get("step") == d.step else "") or str(
        d.step
    )


def page_context(request, d: Dossier, now: datetime) -> dict[str, Any]:
    """Everything the page shows but the action forms (see `action_form`)."""
    events = list(d.events.select_related("agency").order_by("seq"))
    user = request.user
    forms = forms_data.applicable_forms(d, events)
    return {
        "d": d,
        "status_label": _(machine.Status(d.status).label),
        "channel_label": Channel(d.channel).label,
        "applicant_kind": ApplicantKind(d.applicant_kind).label if d.applicant_kind else "",
        "case_name": case_name(d),
        "timeliness": machine.timeliness(d, now),
        "urgency": selectors.due_urgency(d, now),
        "step_title": step_title(d, events),
        "step_timeliness": (
            (machine.IN_TIME if now <= d.step_due_at else machine.OVERDUE)
            if d.status in STEP_CLOCK and d.step_due_at
            else None
        ),
        "timeline": timeline(d, events, forwarded_people(events), actors_posts(events)),
        "fees": fee_rows(d, events),
        "outstanding": money(d.fee_total - d.fee_paid) if d.fee_total > d.fee_paid else "",
        "pay": payment_panel(user, d, officer=True),
        "assignee_name": full_name(d.assignee) if d.assignee_id else "",
        "finished": d.status in machine.FINISHED,
        "forms_to_print": [
            (n, forms_data.FORM_TITLES[n], reverse("api:form", kwargs={"code": d.code, "number": n}))
            for n in forms
        ],
        "may_attach": files.may_attach(user, d),
        "pending_files": _pending(d),
        "notifications": list(notifications_of(d)),
        "results": officer_results(user, d),
        "portal": portal_line(d),
    }


def portal_line(d: Dossier) -> dict[str, Any]:
    """What the National Public Service Portal holds of the dossier (one read of its PortalSync row)."""
    from motcua.integrations.dvcqg.selectors import portal_state

    state = portal_state(d)
    if state.get("status"):
        state["status_label"] = _(machine.Status(state["status"]).label)
    if state.get("at"):
        state["at_text"] = state["at"].astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")
    return state
