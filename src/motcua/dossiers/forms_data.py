"""The content of the official forms of a dossier (Thông tư 01/2018/TT-VPCP appendix, domain.md §2.4).

Plain dicts, ready for the PDF templates: Form 01 (receipt and appointment), 02 (supplement request),
03 (refusal), 04 (apology and new appointment), 05 (hand-over control sheet). `form_data` raises
NotFound(code="form_not_applicable") when a form does not apply to the dossier (yet).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from motcua.catalog.models import TimeUnit
from motcua.core.errors import NotFound
from motcua.core.formatting import day, moment, money

from . import machine
from .deadlines import processing_time
from .models import Dossier, DossierEvent

FORM_TITLES = {
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "05": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
}
UNIT_NAMES = dict(TimeUnit.choices)


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


def _header(d: Dossier, number: str) -> dict[str, Any]:
    return {
        "form": number,
        "title": FORM_TITLES[number],
        "issuer": d.receiving_agency.name,
        "code": d.code,
        "procedure": {"code": d.procedure.code, "name": d.procedure.name},
        "applicant": {
            "name": d.applicant_name,
            "id_number": d.applicant_id_number,
            "tax_code": d.applicant_tax_code,
            "address": d.applicant_address,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
        },
    }


def _last(events: list[DossierEvent], action: str) -> DossierEvent | None:
    return next((e for e in reversed(events) if e.action == action), None)


def _time_text(d: Dossier) -> str:
    limit = processing_time(d.procedure_version, d.channel)
    if limit is None:
        return "Không quy định"
    amount, unit = limit
    return f"{amount.normalize():f}".replace(".", ",") + f" {UNIT_NAMES.get(unit, unit)}"


def form_data(d: Dossier, number: str | int) -> dict[str, Any]:
    number = _number(number)
    events = list(d.events.select_related("actor").order_by("seq"))
    data = _header(d, number)
    if number == "01":
        received = _last(events, "accept") or _last(events, "receive")
        if d.received_at is None or received is None:
            raise _not_applicable(number, "hồ sơ chưa được tiếp nhận.")
        data.update(
            {
                "components": [{"name": c.name, "copies": c.copies} for c in d.components.all()],
                "sets": 1,
                "processing_time": _time_text(d),
                "received_at": moment(d.received_at),
                "due_at": moment(d.original_due_at or d.due_at),
                "result_place": d.receiving_agency.name,
                "fees": [{"name": f.name, "amount": money(f.amount)} for f in d.fees.all()],
                "receiving_officer": received.actor_name,
            }
        )
    elif number == "02":
        request = _last(events, "request_supplement")
        if request is None:
            raise _not_applicable(number, "chưa có yêu cầu bổ sung.")
        data.update(
            {
                "items": [{"name": item, "reason": request.reason} for item in request.data.get("items", [])],
                "reason": request.reason,
                "officer": request.actor_name,
                "date": day(request.at),
            }
        )
    elif number == "03":
        refusal = _last(events, "refuse")
        if d.status != machine.Status.DENIED or refusal is None:
            raise _not_applicable(number, "hồ sơ không bị từ chối tiếp nhận.")
        data.update({"reason": refusal.reason, "officer": refusal.actor_name, "date": day(refusal.at)})
    elif number == "04":
        apology = _last(events, "apologize")
        if apology is None:
            raise _not_applicable(number, "chưa có thư xin lỗi, hẹn lại.")
        data.update(
            {
                "received_at": day(d.received_at),
                # The date this letter replaces: after any supplement pause, not the first receipt's.
                "original_due_at": moment(parse_datetime(apology.data["old_due_at"])),
                "new_due_at": moment(apology.due_at),
                "reason": apology.reason,
                "signed_by": apology.actor_name,
                "date": day(apology.at),
            }
        )
    else:
        handovers = [e for e in events if e.action == "forward"]
        if not handovers:
            raise _not_applicable(number, "hồ sơ chưa được chuyển xử lý.")
        # Each row hands the dossier on; its result judges the step being handed over: against that step's
        # own deadline (set by the previous hand-over from the internal workflow), else the dossier's.
        rows, step_due = [], None
        for e in handovers:
            deadline = step_due or e.due_at
            rows.append(
                {
                    "from": e.data.get("from_agency", ""),
                    "to": e.data.get("to_agency", ""),
                    "to_user": e.data.get("to_user") or "",
                    "step": e.data.get("step_title", ""),
                    "by": e.actor_name,
                    "at": moment(e.at),
                    "due_at": moment(deadline),
                    "result": _step_result(e.at, deadline),
                }
            )
            step_due = parse_datetime(e.data["step_due_at"]) if e.data.get("step_due_at") else None
        data["rows"] = rows
    return data


# Form 05's result column.
STEP_RESULT = {machine.EARLY: "trước hạn", machine.ON_TIME: "đúng hạn", machine.LATE: "quá hạn"}


def _step_result(done: datetime, deadline: datetime | None) -> str:
    """Without a deadline to judge against, a hand-over counts as on time."""
    return STEP_RESULT[machine.judge(done, deadline) if deadline is not None else machine.ON_TIME]


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
