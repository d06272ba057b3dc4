"""Counter reception (/can-bo/tiep-nhan/): a one-stop officer receives a dossier in a few keystrokes.

Find the procedure (accent-insensitive, live as one types), pick the case and the competent agency, tick
the papers handed in (a paper the catalogue replaces by data is not demanded), look the applicant up by
personal ID, collect the fee, attach the scans with their metadata; then receive (Form 01), or guide once
in writing (Form 02), or refuse (Form 03). Everything works without JavaScript; htmx only replaces parts
of the page (the search results, the papers of another case, the applicant after a lookup).

Thin: reads are `dossiers.selectors`, writes `dossiers.counter` (which goes through the services). This
module turns the posted form into their inputs and their errors back into messages beside the fields.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from motcua.access import throttle
from motcua.catalog.models import TimeUnit
from motcua.core import formatting, inputs
from motcua.core.errors import DomainError, ValidationFailed
from motcua.core.identity import check_personal_id
from motcua.dossiers import counter as desk
from motcua.dossiers import deadlines, selectors
from motcua.dossiers.models import ApplicantKind, Channel, DossierFee, DossierFile
from motcua.dossiers.schemas import PaperMetadata
from motcua.dossiers.services.intake import case_components, demanded, fee_lines, fee_reductions
from motcua.dossiers.statuses import Status
from motcua.integrations.population import counter as population
from motcua.payments import pages as payment_pages

from .access import staff_page

TEMPLATE = "workspace/counter.html"
APPLICANT_FIELDS = ("kind", "id_number", "tax_code", "name", "birth_date", "phone", "email", "address")
TEXT_FIELDS = (
    *APPLICANT_FIELDS,
    "uq_name",
    "uq_id_number",
    "summary",
    "payment",
    "reference",
    "fee_reduction",
    "reason_guide",
    "other_items",
    "reason_refuse",
    "population",  # the signed proof of a matching population database lookup (population.counter)
)
META_FIELDS = tuple(PaperMetadata.model_fields)
PAYMENT_CHOICES = ("cash", "transfer", "later")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
DEFAULT_SCOPE = "Toàn quốc"
# Where a service's `details.field` is shown on the page (the rest: at the top of the form).
FIELD_OF = {
    "authorised.name": "uq_name",
    "authorised.id_number": "uq_id_number",
    "method": "payment",
    "reference": "reference",
    "fee_reduction": "fee_reduction",
    "items": "other_items",
    "summary": "summary",
    "case": "case",
    "agency": "agency",
}


def reception_page(view):
    """A workspace page for reception officers only; anyone else gets 404, as for any page they may not see."""

    @staff_page
    def wrapped(request, *args, **kwargs):
        if not request.officer.receives:
            raise Http404("not a reception officer")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def form_url(code: str, number: str) -> str:
    """The official form's PDF (the API answers the browser session too)."""
    return f"/api/v1/dossiers/{code}/forms/{number}"


def dossier_url(code: str) -> str:
    return reverse("workspace:dossier", kwargs={"code": code})


# ------------------------------------------------------------------------------------------ the form
@dataclass
class Paper:
    """One paper of the catalogue as the page shows it, with what the officer posted for it."""

    code: str
    name: str
    required: bool
    replaced: bool  # replaced by data the agency reads itself: not demanded
    demanded: bool
    originals: int
    copies: int
    form_code: str
    ticked: bool = False
    count: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    fields: list[dict[str, Any]] = field(default_factory=list)

    @property
    def expected_count(self) -> int:
        return max(1, self.originals + self.copies)

    @property
    def scan_open(self) -> bool:
        return any(key != "paper" for key in self.errors)

    @property
    def tp_id(self) -> str:
        return f"tp-{self.code}"

    @property
    def scan_id(self) -> str:
        return f"scan-{self.code}"


# The metadata inputs of a scan: (field, label, input type, hint).
META_INPUTS = (
    ("doc_type", gettext_lazy("Mã loại giấy tờ"), "text", ""),
    ("doc_name", gettext_lazy("Tên giấy tờ"), "text", ""),
    (
        "holder_id_number",
        gettext_lazy("Số định danh cá nhân, mã số của tổ chức chủ giấy tờ"),
        "text",
        gettext_lazy("Để trống: số của chủ hồ sơ."),
    ),
    ("holder_name", gettext_lazy("Họ và tên chủ giấy tờ (khi không có số định danh)"), "text", ""),
    ("holder_birth_year", gettext_lazy("Năm sinh"), "number", ""),
    ("issued_on", gettext_lazy("Ngày cấp"), "day", ""),
    ("issuer", gettext_lazy("Cơ quan cấp"), "text", ""),
    ("content_summary", gettext_lazy("Trích yếu nội dung chính"), "textarea", ""),
    ("valid_from", gettext_lazy("Hiệu lực từ ngày"), "day", ""),
    ("valid_to", gettext_lazy("Hiệu lực đến ngày"), "day", ""),
    ("valid_indefinitely", gettext_lazy("Không thời hạn"), "checkbox", ""),
    ("validity_scope", gettext_lazy("Phạm vi hiệu lực"), "text", ""),
)


@dataclass
class Posted:
    """The counter form as posted (or empty), kept to show it again after an error."""

    token: str
    procedure: str = ""
    case: str = ""
    agency: str = ""
    values: dict[str, str] = field(default_factory=dict)
    ticked: list[str] = field(default_factory=list)
    counts: dict[str, str] = field(default_factory=dict)
    meta: dict[str, dict[str, str]] = field(default_factory=dict)
    uploads: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


def _clean(value: str | None, limit: int = 5000) -> str:
    # The services parse every value (NUL, length, NFC); here only what a form field can carry.
    return (value or "").replace("\x00", "")[:limit]


def _read(request: HttpRequest) -> Posted:
    post = request.POST
    token = post.get("idem", "")
    p = Posted(
        token=token if TOKEN.match(token) else secrets.token_urlsafe(24),
        procedure=_clean(post.get("procedure"), 20).strip(),
        case=_clean(post.get("case"), 40).strip(),
        agency=_clean(post.get("agency"), 40).strip(),
        values={name: _clean(post.get(name)) for name in TEXT_FIELDS},
        ticked=list(dict.fromkeys(_clean(c, 40) for c in post.getlist("tp")))[:100],
    )
    for code in p.ticked:
        p.counts[code] = _clean(post.get(f"so_ban_{code}"), 5).strip()
    for key in post:
        if key.startswith("m_"):
            code, _sep, name = key[2:].rpartition("__")
            if name in META_FIELDS and code:
                p.meta.setdefault(code[:40], {})[name] = _clean(post.get(key), 2000)
    for key, upload in request.FILES.items():
        if key.startswith("scan_"):
            p.uploads[key[5:45]] = upload
    return p


META_DAYS = ("issued_on", "valid_from", "valid_to")


def _iso_day(value: str, where: str) -> str | None:
    """A date typed at the counter as on the papers (dd/mm/yyyy) -> YYYY-MM-DD, the services' form."""
    typed = inputs.typed_day(value, where)
    return typed.isoformat() if typed else None


def _submission(p: Posted) -> dict[str, Any]:
    v = p.values
    applicant = {name: v[name].strip() for name in APPLICANT_FIELDS}
    applicant["birth_date"] = _iso_day(applicant["birth_date"], "applicant.birth_date")
    applicant["kind"] = applicant["kind"] or ApplicantKind.CITIZEN
    authorised = None
    if v["uq_name"].strip() or v["uq_id_number"].strip():
        authorised = {"name": v["uq_name"], "id_number": v["uq_id_number"]}
    return {
        "procedure": p.procedure,
        "agency": p.agency,
        "case": p.case,
        "applicant": applicant,
        "authorised": authorised,
        "components": [{"code": c, "copies": p.counts.get(c) or 1} for c in p.ticked],
        "summary": v["summary"],
        "fee_reduction": v["fee_reduction"].strip(),
    }


def _scans(p: Posted) -> list[desk.Scan]:
    """The scans posted with ticked papers; blank metadata dropped, the holder defaulting to the applicant."""
    scans = []
    for code, upload in p.uploads.items():
        if code not in p.ticked:
            raise ValidationFailed(
                _("Đánh dấu đã nhận giấy tờ này trước khi đính kèm bản quét."),
                code="invalid_field",
                details={"field": f"scans.{code}.file"},
            )
        meta = {k: v.strip() for k, v in p.meta.get(code, {}).items() if v.strip()}
        for name in META_DAYS:
            if name in meta:
                meta[name] = _iso_day(meta[name], f"scans.{code}.{name}")
        holder = p.values["id_number"].strip() or p.values["tax_code"].strip()
        if holder and not meta.get("holder_id_number") and not meta.get("holder_name"):
            meta["holder_id_number"] = holder  # the label says so: blank means the applicant's number
        scans.append(desk.Scan(code, upload, meta))
    return scans


def _payment(p: Posted, fee_total: int) -> dict[str, str] | None:
    """The `pay` input for the fee collected now, or None (nothing to pay, or collected later)."""
    if not fee_total:
        return None
    choice = p.values["payment"]
    if choice not in PAYMENT_CHOICES:
        raise ValidationFailed(
            _("Chọn thu phí, lệ phí bằng tiền mặt, chuyển khoản, hoặc chưa thu."),
            code="missing_field",
            details={"field": "method"},
        )
    if choice == "later":
        return None
    return {"method": choice, "reference": p.values["reference"].strip()}


def _other_items(p: Posted) -> list[str]:
    return [line.strip() for line in p.values["other_items"].splitlines() if line.strip()][:50]


def _place(p: Posted, exc: DomainError, action: str) -> None:
    """Put a service's refusal beside the field it names (`details.field`), else at the top."""
    details = exc.details if isinstance(exc.details, dict) else {}
    where = str(details.get("field") or "")
    if where.startswith("applicant."):
        p.errors[where.removeprefix("applicant.")] = exc.message
    elif m := re.fullmatch(r"components\[(\d+)\]\.(code|copies)", where):
        index = int(m.group(1))
        code = p.ticked[index] if index < len(p.ticked) else ""
        p.errors[f"paper:{code}"] = exc.message
    elif m := re.fullmatch(r"scans\.([^.]+)\.(\w+)", where):
        p.errors[f"scan:{m.group(1)}:{m.group(2)}"] = exc.message
    elif where == "reason":
        p.errors["reason_refuse" if action == "refuse" else "reason_guide"] = exc.message
    elif where in FIELD_OF:
        p.errors[FIELD_OF[where]] = exc.message
    else:
        p.general.append(exc.message)


# ------------------------------------------------------------------------------------------- context
def _papers(version, case_code: str, p: Posted) -> list[Paper]:
    papers = []
    for code, c in case_components(version, case_code).items():
        meta = {"doc_type": code, "doc_name": c["name"], "validity_scope": DEFAULT_SCOPE}
        meta.update(p.meta.get(code, {}))
        paper = Paper(
            code=code,
            name=c["name"],
            required=bool(c.get("required", True)),
            replaced=bool(c.get("replaceable_by_data")),
            demanded=demanded(c),
            originals=int(c.get("originals") or 0),
            copies=int(c.get("copies") or 0),
            form_code=c.get("form_code") or "",
            ticked=code in p.ticked,
            meta=meta,
        )
        paper.count = p.counts.get(code) or str(paper.expected_count)
        paper.errors = {
            key.rsplit(":", 1)[1]: message
            for key, message in p.errors.items()
            if key.startswith(f"scan:{code}:")
        }
        if f"paper:{code}" in p.errors:
            paper.errors["paper"] = p.errors[f"paper:{code}"]
        paper.fields = [
            {
                "name": name,
                "label": label,
                "type": kind,
                "hint": hint,
                "id": f"m-{code}-{name}",
                "input": f"m_{code}__{name}",
                "value": meta.get(name, ""),
                "error": paper.errors.get(name, ""),
            }
            for name, label, kind, hint in META_INPUTS
        ]
        papers.append(paper)
    return papers


def _case_code(version, case: str) -> str:
    """The case the dossier will be filed under: the one chosen if the procedure has it, else its first
    (as intake does when none is given)."""
    cases = version.record.get("cases") or []
    return case if any(c["code"] == case for c in cases) else (cases[0]["code"] if cases else "")


def _parts(user, code: str, case: str, agency_id: str, p: Posted) -> dict[str, Any]:
    """Everything the form shows of the chosen procedure: case, agency, papers, time and due date, fees."""
    found = selectors.counter_procedure(user, code)
    cases = found.version.record.get("cases") or []
    case_code = _case_code(found.version, case)
    agency = next((a for a in found.agencies if a.identifier == agency_id), None)
    if agency is None and len(found.agencies) == 1:
        agency = found.agencies[0]
    # The reductions of this case's fees; the one claimed (if still listed after a change of case) is
    # applied to the lines shown, so that the total is what will be owed.
    listed = fee_reductions(found.version, Channel.COUNTER, case_code)
    claimed = p.values.get("fee_reduction", "").strip()
    claimed = next((r["name"] for r in listed if r["name"].casefold() == claimed.casefold()), "")
    fees = fee_lines(found.version, Channel.COUNTER, case_code, claimed)
    limit = deadlines.processing_time(found.version, Channel.COUNTER)
    papers = _papers(found.version, case_code, p)
    return {
        "proc": found.procedure,
        "cases": cases,
        "case_code": case_code,
        "agencies": found.agencies,
        "agency": agency,
        "papers": papers,
        "missing": [x for x in papers if x.demanded and not x.ticked] if p.ticked else [],
        "fees": fees,
        "fee_total": sum(f.amount for f in fees),
        "reductions": listed,
        "fee_reduction": claimed,
        "time_amount": limit[0] if limit else None,
        "time_unit": TimeUnit(limit[1]).label if limit and limit[1] in TimeUnit.values else "",
        "due_preview": (
            deadlines.due_for(found.version, Channel.COUNTER, agency, timezone.now()) if agency else None
        ),
    }


FOCUS_IDS = {
    "uq_name": "uq-name",
    "uq_id_number": "uq-id-number",
    "summary": "counter-summary",
    "payment": "fee-method",
    "reference": "fee-reference",
    "fee_reduction": "fee-reduction",
    "reason_guide": "guide-reason",
    "other_items": "guide-items",
    "reason_refuse": "refuse-reason",
    "case": "counter-case",
    "agency": "counter-agency",
}


def _element(key: str, papers: list[Paper]) -> str:
    """The id of the input an error key (of `_place`) belongs to."""
    if key in APPLICANT_FIELDS:
        return "applicant-" + key.replace("_", "-")
    if key.startswith("paper:"):
        return f"tp-{key[6:]}"
    if key.startswith("scan:"):
        _scan, code, name = key.split(":", 2)
        return f"scan-{code}" if name == "file" else f"m-{code}-{name}"
    if key == "papers":
        return papers[0].tp_id if papers else "counter-receive"
    return FOCUS_IDS.get(key, "counter-receive")


def _focus(parts: dict[str, Any], p: Posted) -> str:
    """Where the cursor starts: the first field with an error, else the next thing to choose."""
    if p.errors:
        return _element(next(iter(p.errors)), parts["papers"])
    if len(parts["cases"]) > 1 and not p.case:
        return "counter-case"
    if parts["agency"] is None:
        return "counter-agency"
    return _element("papers", parts["papers"])


def _page(request: HttpRequest, p: Posted, *, q: str = "", status: int = 200, **extra: Any) -> HttpResponse:
    context: dict[str, Any] = {"q": q, "posted": p, "values": p.values, "errors": p.errors, **extra}
    context.setdefault("population_enabled", population.enabled())
    if p.procedure and "result" not in extra:
        try:
            context.update(_parts(request.user, p.procedure, p.case, p.agency, p))
        except DomainError as exc:
            return render(request, TEMPLATE, {**context, "not_found": exc.message}, status=404)
        context["focus"] = _focus(context, p)
    else:  # after a submit the print button has the focus (the result's autofocus)
        context.setdefault("focus", "" if "result" in extra else "counter-q")
    if q:
        context["results"], context["search_error"] = _search(request.user, q)
    return render(request, TEMPLATE, context, status=status)


def _search(user, q: str) -> tuple[list, str]:
    try:
        return selectors.receivable_procedures(user, q), ""
    except ValidationFailed as exc:
        return [], exc.message


# ------------------------------------------------------------------------------------------ the views
@require_http_methods(["GET", "HEAD", "POST"])
@reception_page
def counter(request: HttpRequest) -> HttpResponse:
    """GET: the empty form (`?thu_tuc=` with a procedure chosen, `?q=` with search results). POST: one of
    the three outcomes, by the button pressed (`action`: receive, guide, refuse)."""
    if request.method == "POST":
        return _submit(request)
    return _page(request, _chosen(request), q=_clean(request.GET.get("q"), 200))


def _chosen(request: HttpRequest) -> Posted:
    """An empty form for the procedure, case and agency in the address (`?thu_tuc=&truong_hop=&co_quan=`)."""
    return Posted(
        token=secrets.token_urlsafe(24),
        procedure=_clean(request.GET.get("thu_tuc"), 20).strip(),
        case=_clean(request.GET.get("truong_hop"), 40).strip(),
        agency=_clean(request.GET.get("co_quan"), 40).strip(),
        values=dict.fromkeys(TEXT_FIELDS, ""),
    )


def _submit(request: HttpRequest) -> HttpResponse:
    p = _read(request)
    action = request.POST.get("action", "receive")
    if action not in ("receive", "guide", "refuse"):
        action = "receive"
    key = f"counter:{request.user.pk}:{p.token}"
    # DSKetNoiCSDL: the population database, when this form's applicant was verified by a lookup.
    dbs = population.databases(request.user, p.token, p.values["population"], p.values["id_number"])
    try:
        sub = _submission(p)
        if action == "guide":
            d = desk.guide(
                request.user,
                sub,
                reason=p.values["reason_guide"],
                other_items=_other_items(p),
                idempotency_key=key,
                national_databases=dbs,
            )
            population.filed(request.user, p.token, d, dbs)
            return _page(request, p, result=_result(d))
        if action == "refuse":
            d = desk.refuse(
                request.user,
                sub,
                reason=p.values["reason_refuse"],
                idempotency_key=key,
                national_databases=dbs,
            )
            population.filed(request.user, p.token, d, dbs)
            return _page(request, p, result=_result(d))
        version = selectors.counter_procedure(request.user, p.procedure).version
        owed = fee_lines(version, Channel.COUNTER, _case_code(version, p.case), sub["fee_reduction"])
        payment = _payment(p, sum(f.amount for f in owed))
        out = desk.receive(
            request.user,
            sub,
            payment=payment,
            scans=_scans(p),
            idempotency_key=key,
            national_databases=dbs,
        )
        population.filed(request.user, p.token, out.dossier, dbs)
    except DomainError as exc:
        _place(p, exc, action)
        if exc.code == "missing_component":
            p.errors.setdefault("papers", exc.message)
            p.general = [m for m in p.general if m != exc.message]
        return _page(
            request, p, status=exc.status if exc.status in (403, 404, 409, 422) else 422, action=action
        )
    result = _result(out.dossier, out)
    if out.paid:
        result.method = DossierFee.Method(payment["method"]).label
        result.receipts = payment_pages.receipt_urls(out.dossier)
    return _page(request, p, result=result)


@dataclass
class Result:
    """What the officer sees after the submit: the dossier and what became of each part."""

    kind: str  # received | guided | refused
    code: str
    due_at: Any
    fee_total: int
    fee_paid: int
    form: str
    form_url: str
    dossier_url: str
    procedure: str
    due_time: str = ""
    again: bool = False  # an earlier submit of the same form made it
    payment_error: str = ""
    method: str = ""
    scans: list[DossierFile] = field(default_factory=list)
    scan_errors: list[tuple[str, str]] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)  # of the fee collected with the dossier
    items: list[str] = field(default_factory=list)
    reason: str = ""


def _result(d, out: desk.Received | None = None) -> Result:
    kind = {Status.RECEIVING: "guided", Status.WAITING: "guided", Status.DENIED: "refused"}.get(
        d.status, "received"
    )
    form = {"received": "01", "guided": "02", "refused": "03"}[kind]
    r = Result(
        kind=kind,
        code=d.code,
        due_at=d.due_at,
        fee_total=d.fee_total,
        fee_paid=d.fee_paid,
        form=form,
        form_url=form_url(d.code, form),
        dossier_url=dossier_url(d.code),
        procedure=d.procedure.code,
        due_time=formatting.moment(d.due_at)[:5] if d.due_at else "",
        again=out is not None and not out.created,
    )
    if out is not None:
        r.payment_error = out.payment_error.message if out.payment_error else ""
        r.scans = out.scans
        r.scan_errors = [(code, exc.message) for code, exc in out.scan_errors]
    if kind != "received":
        last = d.events.filter(action__in=("request_supplement", "refuse")).order_by("-seq").first()
        if last is not None:
            r.items = list(last.data.get("items") or [])
            r.reason = last.reason
    return r


@require_http_methods(["GET", "HEAD"])
@reception_page
def search(request: HttpRequest) -> HttpResponse:
    """The search results alone (htmx, as the officer types)."""
    q = _clean(request.GET.get("q"), 200)
    results, error = _search(request.user, q)
    return render(
        request, "workspace/counter_results.html", {"q": q, "results": results, "search_error": error}
    )


@require_http_methods(["GET", "HEAD"])
@reception_page
def parts(request: HttpRequest) -> HttpResponse:
    """The papers, time and fees of another case or agency (htmx, when the officer changes them)."""
    p = _chosen(request)
    try:
        context = _parts(request.user, p.procedure, p.case, p.agency, p)
    except DomainError as exc:
        raise Http404(exc.message) from None
    return render(
        request, "workspace/counter_parts.html", {**context, "posted": p, "errors": {}, "values": p.values}
    )


@require_http_methods(["POST"])
@reception_page
def lookup(request: HttpRequest) -> HttpResponse:
    """The applicant by personal ID among earlier dossiers and accounts (posted: the number stays out of
    URLs and logs). Every lookup counts against the officer and the client address (429 beyond)."""
    p = _read(request)
    target = f"officer:{request.user.pk}"
    blocked = throttle.APPLICANT_LOOKUP.blocked(request, target)
    status, note = 200, ""
    if blocked is not None:
        wait = blocked.retry_after()
        status = 429
        p.errors["id_number"] = _("Tra cứu quá nhiều lần; thử lại sau %(minutes)s phút.") % {
            "minutes": max(1, (wait + 59) // 60)
        }
    else:
        try:
            number = check_personal_id(p.values["id_number"])
        except ValidationFailed as exc:
            status, p.errors["id_number"] = 422, exc.message
        else:
            throttle.APPLICANT_LOOKUP.miss(request, target)
            found = selectors.applicant_by_id_number(request.user, number)
            if found is None:
                note = _("Chưa có hồ sơ hay tài khoản nào với số định danh này: nhập thông tin theo giấy tờ.")
            else:
                p.values["id_number"] = number
                p.values["kind"] = ApplicantKind.CITIZEN
                for name, value in found.items():
                    if value:
                        p.values[name] = formatting.day(value) if name == "birth_date" else str(value)
                note = _(
                    "Đã điền theo hồ sơ gần nhất hoặc tài khoản của người này: kiểm tra lại với giấy tờ."
                )
    if request.htmx:
        focus = "applicant-id-number" if p.errors else "applicant-name"
        context = {"values": p.values, "errors": p.errors, "lookup_note": note, "focus": focus}
        context["population_enabled"] = population.enabled()
        return render(request, "workspace/counter_applicant.html", context, status=status)
    return _page(request, p, status=status, lookup_note=note)


@require_http_methods(["POST"])
@reception_page
def population_lookup(request: HttpRequest) -> HttpResponse:
    """The "Tra cứu CSDL dân cư" button: the applicant's personal ID, name and birth date checked against
    the National Population Database; on a match the form is filled from the registry (`population.counter`)."""
    p = _read(request)
    status, verdict = population.look_up(request, p.token, p.values, p.errors)
    if request.htmx:
        focus = "applicant-id-number" if "id_number" in p.errors else "applicant-phone"
        for name in ("name", "birth_date"):
            if name in p.errors:
                focus = "applicant-" + name.replace("_", "-")
        context = {
            "values": p.values,
            "errors": p.errors,
            "population": verdict,
            "population_enabled": True,
            "focus": focus,
        }
        return render(request, "workspace/counter_applicant.html", context, status=status)
    return _page(request, p, status=status, population=verdict)
