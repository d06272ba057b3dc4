"""The content of the official forms (Thông tư 01/2018/TT-VPCP appendix, domain.md §2.4): the one place
that decides what each form says.

Plain dicts of display text (names family name first, `dd/mm/yyyy`, `HH:MM dd/mm/yyyy`, `1.500.000 ₫`),
ready for the PDF templates (`motcua.documents`) and the JSON variant of the API: Form 01 (receipt and
appointment), 02 (supplement request), 03 (refusal), 04 (apology and new appointment), 05 (hand-over
control sheet) of one dossier, and the rows of Form 06 (the reception log book of one receiving unit).
`form_data` raises NotFound(code="form_not_applicable") when a form does not apply to the dossier (yet).

The log book (Form 06) has one volume (quyển) per receiving unit and calendar year; its lines are the
dossiers that unit received that year, in order of reception. Form 01 prints the line its dossier has
there, so the receipt and the printed book agree (ADR 0011).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from motcua.catalog.models import TimeUnit
from motcua.core import inputs, names
from motcua.core.errors import NotFound, PermissionDenied, ValidationFailed
from motcua.core.formatting import LOCAL_TZ, day, moment, money
from motcua.directory import selectors as directory
from motcua.directory.models import Agency

from . import machine, permissions
from .deadlines import processing_time
from .models import Dossier, DossierEvent

FORM_TITLES = {
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "05": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
}
LOGBOOK_TITLE = "Sổ theo dõi hồ sơ"
# The symbol after the dossier code in each paper's number ("Số: {code}/TN"): TN tiếp nhận, BS bổ sung,
# TC từ chối, XL xin lỗi, KS kiểm soát.
SYMBOLS = {"01": "TN", "02": "BS", "03": "TC", "04": "XL", "05": "KS"}
UNIT_NAMES = dict(TimeUnit.choices)
# What the forms read of an agency: its parent and its place (no query per access).
AGENCY_PARTS = ("parent", "province", "admin_unit")
PLACE_PREFIXES = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu ", "Thị trấn ")
# Agency kinds that are a unit of a people's committee: their header names the committee above them.
UNDER_COMMITTEE = frozenset({Agency.Kind.SERVICE_CENTRE, Agency.Kind.DEPARTMENT})


def _number(value: str | int) -> str:
    text = str(value).strip()
    # ASCII digits only: '¹' and other Unicode digits pass isdigit() but int() refuses them.
    if not (text.isascii() and text.isdigit()) or f"{int(text):02d}" not in FORM_TITLES:
        raise NotFound(f"Không có mẫu phiếu số '{value}' (01-05).", code="unknown_form")
    return f"{int(text):02d}"


def _not_applicable(number: str, why: str) -> NotFound:
    return NotFound(
        f"Mẫu {number} ({FORM_TITLES[number]}) không áp dụng cho hồ sơ này: {why}", code="form_not_applicable"
    )


# ---------------------------------------------------------------------------------------------- header
def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def parent_name(a: Agency) -> str:
    """The line above the issuing unit in the header: its parent agency, else the people's committee of
    its place for a centre or a department; nothing for a committee or a ministry (they head themselves)."""
    if a.parent_id:
        return a.parent.name
    unit = a.admin_unit if a.level == Agency.Level.COMMUNE else (a.province or a.admin_unit)
    if a.kind in UNDER_COMMITTEE and unit is not None:
        return f"Ủy ban nhân dân {_lower_first(unit.name)}"
    return ""


def place_name(a: Agency) -> str:
    """'Nghệ An' for a unit of Tỉnh Nghệ An: the place in '…, ngày dd tháng mm năm yyyy'."""
    unit = a.admin_unit if a.level == Agency.Level.COMMUNE else (a.province or a.admin_unit)
    if unit is None:
        return ""
    for prefix in PLACE_PREFIXES:
        if unit.name.startswith(prefix):
            return unit.name[len(prefix) :]
    return unit.name


def issuer(a: Agency) -> dict[str, str]:
    return {
        "name": a.name,
        "parent": parent_name(a),
        "identifier": a.identifier,
        "address": a.address,
        "phone": a.phone,
    }


def dated(value: datetime | date) -> dict[str, str]:
    """The parts of 'ngày dd tháng mm năm yyyy' (local date), and dd/mm/yyyy."""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    return {
        "text": day(value),
        "day": f"{value.day:02d}",
        "month": f"{value.month:02d}",
        "year": str(value.year),
    }


def applicant_identifier(d: Dossier) -> str:
    """The applicant's identifier: the personal ID number, or an organisation's tax code."""
    return d.applicant_id_number or d.applicant_tax_code


def _header(d: Dossier, number: str, unit: Agency, when: datetime) -> dict[str, Any]:
    return {
        "form": number,
        "title": FORM_TITLES[number],
        "number": f"{d.code}/{SYMBOLS[number]}",
        "issuer": issuer(unit),
        "place": place_name(unit),
        "date": dated(when),
        "code": d.code,
        "procedure": {"code": d.procedure.code, "name": d.procedure.name},
        "applicant": {
            "name": d.applicant_name,
            "identifier": applicant_identifier(d),
            "id_number": d.applicant_id_number,
            "tax_code": d.applicant_tax_code,
            "address": d.applicant_address,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
        },
        "submitter": d.authorised_name if d.authorised and d.authorised_name else d.applicant_name,
    }


def _last(events: list[DossierEvent], action: str) -> DossierEvent | None:
    return next((e for e in reversed(events) if e.action == action), None)


def _time_text(d: Dossier) -> str:
    limit = processing_time(d.procedure_version, d.channel)
    if limit is None:
        return "Không quy định"
    amount, unit = limit
    return f"{amount.normalize():f}".replace(".", ",") + f" {UNIT_NAMES.get(unit, unit)}"


def _parsed(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) and value else None


# -------------------------------------------------------------------------------------------- the book
def _year_start(at: datetime) -> datetime:
    return datetime(at.astimezone(LOCAL_TZ).year, 1, 1, tzinfo=LOCAL_TZ)


def logbook_line(d: Dossier) -> dict[str, int] | None:
    """The dossier's place in the log book (Form 06) of its receiving unit: volume = year of reception,
    line = how many dossiers that unit received that year up to and including this one."""
    if d.received_at is None:
        return None
    earlier = Q(received_at__lt=d.received_at) | Q(received_at=d.received_at, pk__lte=d.pk)
    line = Dossier.objects.filter(
        earlier, receiving_agency_id=d.receiving_agency_id, received_at__gte=_year_start(d.received_at)
    ).count()
    return {"volume": d.received_at.astimezone(LOCAL_TZ).year, "line": line}


# ----------------------------------------------------------------------------------------------- forms
def _form01(d: Dossier, events: list[DossierEvent]) -> dict[str, Any]:
    received = _last(events, "accept") or _last(events, "receive")
    if d.received_at is None or received is None:
        raise _not_applicable("01", "hồ sơ chưa được tiếp nhận.")
    unit = d.receiving_agency
    result_place = f"Bộ phận tiếp nhận và trả kết quả - {unit.name}"
    fees = [{"name": f.name, "amount": money(f.amount)} for f in d.fees.all()]
    return {
        **_header(d, "01", unit, d.received_at),
        "components": [{"name": c.name, "copies": c.copies} for c in d.components.all()],
        "sets": 1,
        "processing_time": _time_text(d),
        "received_at": moment(d.received_at),
        # The appointment made at reception (a later apology or supplement pause has its own paper).
        "due_at": moment(d.original_due_at or d.due_at),
        "result_place": f"{result_place}, {unit.address}" if unit.address else result_place,
        "logbook": logbook_line(d),
        "fees": fees,
        "fee_total": money(d.fee_total) if fees else "",
        "receiving_officer": received.actor_name,
    }


def _form02(d: Dossier, events: list[DossierEvent]) -> dict[str, Any]:
    requests = [e for e in events if e.action == "request_supplement"]
    if not requests:
        raise _not_applicable("02", "chưa có yêu cầu bổ sung.")
    request = requests[-1]
    data = _header(d, "02", request.agency or d.receiving_agency, request.at)
    data["number"] += str(len(requests))  # the n-th request of this dossier: BS1, BS2
    return {
        **data,
        "at_reception": request.from_status not in machine.CLOCK_STATUSES,
        "items": machine.requested_items(request.data, request.reason),
        "reason": request.reason,
        "officer": request.actor_name,
        "date": dated(request.at),
    }


def _form03(d: Dossier, events: list[DossierEvent]) -> dict[str, Any]:
    refusal = _last(events, "refuse")
    if d.status != machine.Status.DENIED or refusal is None:
        raise _not_applicable("03", "hồ sơ không bị từ chối tiếp nhận.")
    return {
        **_header(d, "03", d.receiving_agency, refusal.at),
        "submitted_at": moment(d.submitted_at),
        "reason": refusal.reason,
        "officer": refusal.actor_name,
    }


def _form04(d: Dossier, events: list[DossierEvent]) -> dict[str, Any]:
    apology = _last(events, "apologize")
    if apology is None:
        raise _not_applicable("04", "chưa có thư xin lỗi, hẹn lại.")
    # The date this letter replaces, as it stood then: after any supplement pause, not the first receipt's.
    replaced = d.due_at_before_apology or _parsed(apology.data.get("old_due_at"))
    return {
        **_header(d, "04", apology.agency or d.agency, apology.at),
        "received_at": moment(d.received_at),
        "original_due_at": moment(replaced),
        "new_due_at": moment(_parsed(apology.data.get("new_due_at")) or apology.due_at),
        "reason": apology.reason,
        "signed_by": apology.actor_name,
    }


def _form05(d: Dossier, events: list[DossierEvent]) -> dict[str, Any]:
    if not any(e.action == "forward" for e in events):
        raise _not_applicable("05", "hồ sơ chưa được chuyển xử lý.")
    rows = ControlSheet(d, events).rows()
    lead = d.agency.name
    others = {r["to"] for r in rows if r["kind"] == "handover"} - {lead, d.receiving_agency.name}
    return {
        **_header(d, "05", d.receiving_agency, d.received_at or d.submitted_at),
        "receipt": f"{d.code}/{SYMBOLS['01']}",
        "received_at": moment(d.received_at),
        "due_at": moment(d.due_at),
        "lead_agency": lead,
        "coordinating_agencies": sorted(others),
        "rows": rows,
    }


FORMS: dict[str, Callable[[Dossier, list[DossierEvent]], dict[str, Any]]] = {
    "01": _form01,
    "02": _form02,
    "03": _form03,
    "04": _form04,
    "05": _form05,
}


def events_for_forms(d: Dossier) -> list[DossierEvent]:
    """The dossier's history with the agency each event left it at (and that agency's header parts)."""
    related = ["agency", *(f"agency__{p}" for p in AGENCY_PARTS)]
    return list(d.events.select_related(*related).order_by("seq"))


def form_data(d: Dossier, number: str | int, events: list[DossierEvent] | None = None) -> dict[str, Any]:
    """Official form `number` of the dossier (expects `selectors.dossier_for_forms`, or pays queries)."""
    number = _number(number)
    return FORMS[number](d, events_for_forms(d) if events is None else events)


# Form 05's result column.
STEP_RESULT = {machine.EARLY: "trước hạn", machine.ON_TIME: "đúng hạn", machine.LATE: "quá hạn"}


def _step_result(done: datetime, deadline: datetime | None) -> str:
    """Without a deadline to judge against, a hand-over counts as on time."""
    return STEP_RESULT[machine.judge(done, deadline) if deadline is not None else machine.ON_TIME]


class ControlSheet:
    """Form 05's rows, one per hand-over of the dossier, from its history:

    * ``handover`` (forward): from the unit that held it to the next one; judged against the deadline of
      the step being handed on (set by the previous hand-over from the internal workflow), else the
      dossier's due date at that moment;
    * ``pause`` / ``resume`` (a supplement request during processing and the applicant's supplement): the
      clock stops in between; the supplement moves the step's deadline and the due date by the paused
      working time, so the time paused is not counted against the step;
    * ``finish`` (complete): processing finished, the result handed to the one-stop;
    * ``return`` (return_result): the result handed to the applicant, judged against the due date;
    * ``stop`` / ``withdraw``: processing ended without a result.
    """

    def __init__(self, d: Dossier, events: list[DossierEvent]):
        self.d, self.events = d, events
        self.step_due: datetime | None = None
        self.names = self._agency_names()
        self.people = self._people()

    def _agency_names(self) -> dict[str, str]:
        d = self.d
        known = {a.identifier: a.name for a in (d.agency, d.receiving_agency, d.current_agency)}
        known.update({e.agency.identifier: e.agency.name for e in self.events if e.agency_id})
        wanted = {
            e.data.get(k) for e in self.events if e.action == "forward" for k in ("from_agency", "to_agency")
        }
        missing = {i for i in wanted if isinstance(i, str) and i not in known}
        if missing:  # an identifier that has changed since: the registry still knows the agency
            known.update(Agency.objects.filter(identifier__in=missing).values_list("identifier", "name"))
        return known

    def _people(self) -> dict[int, str]:
        ids = {e.data.get("to_user_id") for e in self.events if e.action == "forward"}
        ids = {i for i in ids if isinstance(i, int)}
        if not ids:
            return {}
        users = get_user_model().objects.filter(pk__in=ids).only("username", "first_name", "last_name")
        return {u.pk: names.full_name(u) for u in users}

    def _row(self, kind: str, e: DossierEvent, giver: str, receiver: str, **extra: Any) -> dict[str, Any]:
        deadline = extra.pop("deadline", None)
        return {
            "kind": kind,
            "from": giver,
            "from_person": extra.pop("from_person", e.actor_name),
            "to": receiver,
            "to_person": extra.pop("to_person", ""),
            "at": moment(e.at),
            "due_at": moment(deadline),
            "result": _step_result(e.at, deadline) if extra.pop("judged", True) else "",
            "step": extra.pop("step", ""),
            "note": extra.pop("note", ""),
        }

    def rows(self) -> list[dict[str, Any]]:
        d, out, holder = self.d, [], self.d.receiving_agency.name
        applicant = d.applicant_name
        for e in self.events:
            before, holder = holder, (e.agency.name if e.agency_id else holder)
            row = self._event_row(e, before, holder, applicant)
            if row is not None:
                out.append({"no": len(out) + 1, **row})
        return out

    def _event_row(self, e: DossierEvent, before: str, holder: str, applicant: str) -> dict | None:
        d, data = self.d, e.data if isinstance(e.data, dict) else {}
        if e.action == "forward":
            deadline = self.step_due or e.due_at
            self.step_due = _parsed(data.get("step_due_at"))
            return self._row(
                "handover",
                e,
                self.names.get(data.get("from_agency"), before),
                self.names.get(data.get("to_agency"), holder),
                to_person=self.people.get(data.get("to_user_id"), ""),
                deadline=deadline,
                step=data.get("step_title") or "",
            )
        if e.action == "request_supplement" and e.from_status in machine.CLOCK_STATUSES:
            return self._row(
                "pause",
                e,
                before,
                applicant,
                to_person=applicant,
                judged=False,
                note=f"Yêu cầu bổ sung hồ sơ: {e.reason}. Tạm dừng tính thời gian giải quyết.",
            )
        if e.action == "supplement" and e.to_status in machine.CLOCK_STATUSES:
            self.step_due = _parsed(data.get("step_due_at")) or self.step_due
            hours = str(data.get("paused_hours", "0")).replace(".", ",")
            return self._row(
                "resume",
                e,
                applicant,
                holder,
                from_person=applicant,
                to_person=e.actor_name if e.actor_name != applicant else "",
                judged=False,
                note=f"Đã bổ sung hồ sơ; {hours} giờ làm việc tạm dừng không tính vào thời hạn.",
            )
        if e.action == "complete":
            deadline = self.step_due or e.due_at
            return self._row(
                "finish",
                e,
                before,
                d.receiving_agency.name,
                deadline=deadline,
                note=f"Đã giải quyết xong: {data.get('result', d.result_name)}",
            )
        if e.action == "return_result":
            one_stop = d.receiving_agency.name
            return self._row(
                "return",
                e,
                one_stop,
                applicant,
                to_person=applicant,
                deadline=e.due_at,
                note="Đã trả kết quả",
            )
        if e.action in ("stop", "withdraw"):
            what = "Dừng xử lý" if e.action == "stop" else "Rút hồ sơ"
            return self._row(e.action, e, before, applicant, judged=False, note=f"{what}: {e.reason}")
        return None


def applicable_forms(d: Dossier, events: list[DossierEvent]) -> list[str]:
    """The numbers of the forms `form_data` gives for this dossier now, from its events already read (in
    order): a page's print links without building any form."""
    done = {e.action for e in events}
    found = {
        "01": d.received_at is not None and bool(done & {"accept", "receive"}),
        "02": "request_supplement" in done,
        "03": d.status == machine.Status.DENIED and "refuse" in done,
        "04": "apologize" in done,
        "05": "forward" in done,
    }
    return [number for number, applies in found.items() if applies]


# ------------------------------------------------------------------------------------------ the log book
def _day_start(value: date) -> datetime:
    return datetime.combine(value, time.min, tzinfo=LOCAL_TZ)


def logbook_queryset(agency: Agency, start: date, end: date) -> QuerySet[Dossier]:
    """The book's lines from `start` to `end` (inclusive, local dates), in the book's order."""
    first_forward = DossierEvent.objects.filter(
        dossier=OuterRef("pk"), action="forward", from_status=machine.Status.NEW
    ).order_by("seq")
    return (
        Dossier.objects.filter(
            receiving_agency=agency,
            received_at__gte=_day_start(start),
            received_at__lt=_day_start(end + timedelta(days=1)),
        )
        .select_related("procedure", "agency")
        .annotate(forwarded_at=Subquery(first_forward.values("at")[:1]))
        .order_by("received_at", "pk")
    )


def _note(d: Dossier) -> str:
    notes = []
    if d.supplement_count:
        notes.append(f"Bổ sung {d.supplement_count} lần")
    if d.apology_count:
        notes.append(f"Xin lỗi, hẹn lại ngày {day(d.due_at)}")
    if d.status == machine.Status.WAITING:
        notes.append("Đang chờ bổ sung")
    elif d.status in (machine.Status.CANCELLED, machine.Status.UNRESOLVED):
        notes.append(machine.Status(d.status).label)
    return "; ".join(notes)


def logbook_rows(agency: Agency, start: date, end: date, dossiers: list[Dossier]) -> list[dict[str, Any]]:
    """Form 06's lines for `dossiers` (from `logbook_queryset`): the line number in the year's volume
    (counting the unit's receptions of that year before `start` too), then the book's columns."""
    before = 0
    if start != date(start.year, 1, 1):
        before = Dossier.objects.filter(
            receiving_agency=agency,
            received_at__gte=_day_start(date(start.year, 1, 1)),
            received_at__lt=_day_start(start),
        ).count()
    lines: dict[int, int] = {start.year: before}
    out = []
    for d in dossiers:
        year = d.received_at.astimezone(LOCAL_TZ).year
        lines[year] = lines.get(year, 0) + 1
        finished = d.finished_at if d.status in (machine.Status.RELEASING, machine.Status.DONE) else None
        out.append(
            {
                "volume": year,
                "line": lines[year],
                "code": d.code,
                "procedure": d.procedure.name,
                "sets": 1,
                "applicant": d.applicant_name,
                "contact": ", ".join(x for x in (d.applicant_address, d.applicant_phone) if x),
                "lead_agency": d.agency.name,
                "received_at": moment(d.received_at),
                "due_at": moment(d.due_at),
                "forwarded_at": moment(d.forwarded_at),
                "result_received_at": moment(finished),
                "returned_at": moment(d.returned_at),
                "note": _note(d),
            }
        )
    return out


LOGBOOK_COLUMNS = (
    ("line", "STT"),
    ("code", "Mã hồ sơ"),
    ("procedure", "Tên TTHC"),
    ("sets", "Số lượng hồ sơ (bộ)"),
    ("applicant", "Tên cá nhân, tổ chức"),
    ("contact", "Địa chỉ, số điện thoại"),
    ("lead_agency", "Cơ quan chủ trì giải quyết"),
    ("received_at", "Nhận hồ sơ"),
    ("due_at", "Hẹn trả kết quả"),
    ("forwarded_at", "Chuyển hồ sơ đến cơ quan giải quyết"),
    ("result_received_at", "Nhận kết quả từ cơ quan giải quyết"),
    ("returned_at", "Trả kết quả cho cá nhân, tổ chức"),
    ("note", "Ghi chú"),
)
# The book's date columns, printed under one heading.
LOGBOOK_DATES = ("received_at", "due_at", "forwarded_at", "result_received_at", "returned_at")

# A book covers at most a year, so that one request cannot ask for the whole history.
MAX_PERIOD_DAYS = 366


def _period(start: Any, end: Any) -> tuple[date, date]:
    return inputs.period(start, end, doing="in sổ", max_days=MAX_PERIOD_DAYS)


def logbook(user, agency: Any, start: Any, end: Any, *, max_rows: int) -> dict[str, Any]:
    """Form 06 of the receiving unit `agency` (its identifier) from `start` to `end`, for a keeper of
    that book (`permissions.may_read_logbook`): 404 unknown agency, 403 not its keeper, 422 bad period
    or more than `max_rows` lines (a shorter period, or another format, then)."""
    unit = directory.agency_detail(inputs.text(agency, "agency", max_length=40, required=True))
    if not permissions.may_read_logbook(user, unit):
        raise PermissionDenied(
            "Chỉ cán bộ một cửa, lãnh đạo của đơn vị tiếp nhận này được in sổ theo dõi hồ sơ.",
            code="logbook_forbidden",
        )
    start, end = _period(start, end)
    dossiers = list(logbook_queryset(unit, start, end)[: max_rows + 1])
    if len(dossiers) > max_rows:
        raise ValidationFailed(
            f"Khoảng thời gian này có hơn {max_rows} hồ sơ; hãy chọn khoảng ngắn hơn.",
            code="logbook_too_large",
            details={"field": "from", "limit": max_rows},
        )
    return {
        "form": "06",
        "title": LOGBOOK_TITLE,
        "issuer": issuer(unit),
        "place": place_name(unit),
        "date": dated(timezone.now()),
        "printed_by": names.full_name(user),
        "agency": unit.identifier,
        "start": day(start),
        "end": day(end),
        "columns": LOGBOOK_COLUMNS,
        "rows": logbook_rows(unit, start, end, dossiers),
    }
