"""Online submission pages (/nop-ho-so/): case → e-form → review → submit → confirmation. Thin: parse,
call `services`/`selectors`, render; every refusal is a page with the service's Vietnamese message."""

from __future__ import annotations

from datetime import date
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from motcua.access import vneid
from motcua.core.errors import DomainError, NotFound, PermissionDenied
from motcua.documents import warehouse
from motcua.dossiers.models import Dossier
from motcua.integrations.population import online as population

from . import forms, selectors, services
from .models import Draft

MAX_KEY = 32


def citizen_page(view):
    """Signed in (else the sign-in page), and a citizen/organisation account (else a page saying why)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            own = services.applicant(request.user)
        except PermissionDenied as exc:
            return render(request, "online/refused.html", {"message": exc.message, "staff": True}, status=403)
        try:
            return view(request, own, *args, **kwargs)
        except NotFound as exc:
            return render(request, "online/not_found.html", {"message": exc.message}, status=404)

    return wrapped


def _offer(code: str) -> selectors.Offer:
    return selectors.offer(code)


def _offline(request: HttpRequest, offer: selectors.Offer) -> HttpResponse:
    return render(request, "online/not_online.html", {"offer": offer, "p": offer.procedure}, status=409)


def step_url(draft: Draft) -> str:
    name = {"case": "case", "form": "form", "review": "review"}.get(draft.step, "form")
    return reverse(f"online:{name}", args=[draft.procedure.code, draft.key])


@require_http_methods(["GET", "HEAD"])
@citizen_page
def drafts(request: HttpRequest, own) -> HttpResponse:
    return render(request, "online/drafts.html", {"drafts": selectors.drafts_of(request.user)})


@require_http_methods(["GET", "HEAD", "POST"])
def start(request: HttpRequest, code: str) -> HttpResponse:
    # The offer is checked before the account: "not offered online" is said to anyone, signed in or not.
    try:
        offer = _offer(code)
    except NotFound:
        return render(request, "portal/404.html", {"missing_code": code[:40]}, status=404)
    if not offer.online:
        return _offline(request, offer)
    return _start(request, code=code, offer=offer)


@citizen_page
def _start(request: HttpRequest, own, *, code: str, offer: selectors.Offer) -> HttpResponse:
    chosen = {"case": "", "agency": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        chosen = {k: request.POST.get(k, "")[:40] for k in chosen}
        try:
            draft = services.start(request.user, offer, chosen["case"], chosen["agency"])
        except services.FormErrors as exc:
            errors = exc.errors
        else:
            return redirect(step_url(draft))
    context = {
        "offer": offer,
        "p": offer.procedure,
        "chosen": chosen,
        "errors": errors,
        "own_drafts": selectors.drafts_of(request.user, offer.procedure),
    }
    return render(request, "online/case.html", context, status=422 if errors else 200)


@require_http_methods(["GET", "HEAD"])
@citizen_page
def resume(request: HttpRequest, own, code: str, key: str) -> HttpResponse:
    return redirect(step_url(selectors.draft_of(request.user, key[:MAX_KEY], code)))


@require_http_methods(["GET", "HEAD", "POST"])
@citizen_page
def case(request: HttpRequest, own, code: str, key: str) -> HttpResponse:
    draft = selectors.draft_of(request.user, key[:MAX_KEY], code)
    offer = _offer(code)
    if not offer.online:
        return _offline(request, offer)
    chosen = {"case": draft.case_code, "agency": draft.agency.identifier if draft.agency else ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        chosen = {k: request.POST.get(k, "")[:40] for k in chosen}
        try:
            services.set_case(request.user, draft, offer, chosen["case"], chosen["agency"])
        except services.FormErrors as exc:
            errors = exc.errors
        else:
            return redirect(step_url(draft))
    context = {"offer": offer, "p": offer.procedure, "chosen": chosen, "errors": errors, "draft": draft}
    return render(request, "online/case.html", context, status=422 if errors else 200)


OWN_INPUTS = (
    ("phone", _("Số điện thoại"), "tel", "tel"),
    ("email", _("Thư điện tử"), "email", "email"),
    ("address", _("Địa chỉ liên hệ"), "text", "street-address"),
)
TYPED_INPUTS = (
    ("name", _("Họ và tên (hoặc tên tổ chức)"), "text", "off"),
    ("id_number", _("Số định danh cá nhân (12 chữ số)"), "text", "off"),
    ("birth_date", _("Ngày sinh"), "date", "off"),
    ("tax_code", _("Mã số thuế (tổ chức)"), "text", "off"),
    ("phone", _("Số điện thoại"), "tel", "off"),
    ("email", _("Thư điện tử"), "email", "off"),
    ("address", _("Địa chỉ"), "text", "off"),
)
REQUIRED = {"own-phone", "app-name", "app-id_number", "app-phone"}


def _inputs(prefix: str, spec, values: dict, errors: dict) -> list[dict]:
    return [
        {
            "name": f"{prefix}-{key}",
            "id": f"{prefix}-{key}".replace("_", "-"),
            "label": label,
            "type": kind,
            "autocomplete": auto,
            "value": values.get(f"{prefix}-{key}", ""),
            "error": errors.get(f"{prefix}-{key}", ""),
            "required": f"{prefix}-{key}" in REQUIRED,
            "numeric": key in ("id_number", "tax_code"),
        }
        for key, label, kind, auto in spec
    ]


def _form_context(request, own, draft: Draft, offer, *, values: dict, on_behalf: bool, errors: dict) -> dict:
    files = list(draft.files.all())
    papers = [p for p in warehouse.papers(request.user) if p.reusable]
    parts = selectors.parts(offer, draft.case_code, files)
    codes = {part.code for part in parts}
    for part in parts:
        part.file_error = errors.get(f"file-{part.code}", "")
        part.reuse_error = errors.get(f"reuse-{part.code}", "")
    return {
        "own": own,
        "draft": draft,
        "offer": offer,
        "p": offer.procedure,
        "case": offer.case(draft.case_code),
        "parts": parts,
        "papers": papers,
        "own_inputs": _inputs("own", OWN_INPUTS, values, errors),
        "typed_inputs": _inputs("app", TYPED_INPUTS, values, errors),
        "kind_value": values.get("app-kind") or "citizen",
        "kind_error": errors.get("app-kind", ""),
        "summary": values.get("summary", ""),
        "summary_error": errors.get("summary", ""),
        "form_error": errors.get("form", "")
        or next(
            (
                m
                for k, m in errors.items()
                if k.startswith(("file-", "reuse-")) and k.split("-", 1)[1] not in codes
            ),
            "",
        ),
        "on_behalf": on_behalf,
        "errors": errors,
        "kinds": forms.KINDS,
        "max_files": selectors.max_files(),
        "max_mb": settings.DOSSIER_FILE_MAX_BYTES // (1024 * 1024),
        "saved": request.GET.get("saved"),
        "population": population.panel(request.user, own, draft),
    }


def _values(draft: Draft, post=None) -> dict:
    """What the inputs show: the posted text after a refusal, else the draft's."""
    if post is not None:
        return {k: post.get(k, "") for k in post if k != "csrfmiddlewaretoken"}
    values = {f"own-{k}": v for k, v in draft.own_contact.items()}
    values.update({f"app-{k}": v for k, v in draft.applicant.items()})
    values["summary"] = draft.summary
    return values


@require_http_methods(["GET", "HEAD", "POST"])
@citizen_page
def form(request: HttpRequest, own, code: str, key: str) -> HttpResponse:
    draft = selectors.draft_of(request.user, key[:MAX_KEY], code)
    offer = _offer(code)
    if not offer.online:
        return _offline(request, offer)
    if request.method != "POST":
        values = _values(draft)
        if not draft.own_contact:  # prefilled from the account
            values.update({"own-phone": own.phone, "own-email": own.email, "own-address": own.address})
        context = _form_context(
            request, own, draft, offer, values=values, on_behalf=draft.on_behalf, errors={}
        )
        return render(request, "online/form.html", context)

    action = request.POST.get("action", "save")
    parsed = forms.parse(request.POST, own_kind=own.kind)
    parts = selectors.parts(offer, draft.case_code)
    new = [
        services.Upload(p.code, request.FILES[f"file-{p.code}"])
        for p in parts
        if f"file-{p.code}" in request.FILES
    ]
    reused = [
        services.Reuse(p.code, request.POST[f"reuse-{p.code}"][:24])
        for p in parts
        if request.POST.get(f"reuse-{p.code}")
    ]
    remove = {int(v) for v in request.POST.getlist("remove") if v.isdigit()}
    unknown = [k for k in request.FILES if not any(k == f"file-{p.code}" for p in parts)]
    going_on = action == "next" and not remove
    try:
        if unknown:
            raise services.FormErrors(
                {"form": "Tệp gửi lên không thuộc thành phần hồ sơ nào của trường hợp này."}
            )
        services.save(request.user, draft, offer, parsed, new=new, reused=reused, remove=remove)
    except services.FormErrors as exc:
        context = _form_context(
            request,
            own,
            draft,
            offer,
            values=_values(draft, request.POST),
            on_behalf=parsed.on_behalf,
            errors=exc.errors,
        )
        return render(request, "online/form.html", context, status=422)
    if going_on:
        missing = forms.missing(draft.on_behalf, draft.applicant, draft.own_contact)
        if missing:
            context = _form_context(
                request, own, draft, offer, values=_values(draft), on_behalf=draft.on_behalf, errors=missing
            )
            return render(request, "online/form.html", context, status=422)
        draft.step = Draft.Step.REVIEW
        draft.save(update_fields=["step", "updated_at"])
        return redirect(reverse("online:review", args=[code, draft.key]))
    saved = "saved" if action == "save" else "changed"
    return redirect(reverse("online:form", args=[code, draft.key]) + f"?{saved}=1#step-form")


@require_POST
@citizen_page
def population_check(request: HttpRequest, own, code: str, key: str) -> HttpResponse:
    """The "Đối chiếu với CSDL dân cư" button: the account holder (and the person filed for, as saved) looked up in the
    National Population Database; the form then shows each verdict."""
    draft = selectors.draft_of(request.user, key[:MAX_KEY], code)
    status, problems = population.check(request, own, draft)
    if problems:
        offer = _offer(code)
        context = _form_context(
            request, own, draft, offer, values=_values(draft), on_behalf=draft.on_behalf, errors={}
        )
        context["population_problems"] = problems
        return render(request, "online/form.html", context, status=status)
    return redirect(reverse("online:form", args=[code, draft.key]) + "#population")


@require_http_methods(["GET", "HEAD", "POST"])
@citizen_page
def review(request: HttpRequest, own, code: str, key: str) -> HttpResponse:
    key = key[:MAX_KEY]
    offer = _offer(code)
    if not offer.online:
        return _offline(request, offer)
    error = reduction_error = ""
    claimed = forms.fee_reduction(request.POST) if request.method == "POST" else ""
    if request.method == "POST":
        # Before reading the draft: a second click (or a reload) after the first submission found no
        # draft, and lands on the dossier the first one filed.
        try:
            d = services.submit(
                request.user, key, code, vneid_verified=vneid.verified(request), fee_reduction=claimed
            )
        except NotFound as exc:
            if exc.code == "draft_not_found":
                raise
            error = exc.message  # a draft paper whose bytes are gone: said on the review page
        except DomainError as exc:
            if exc.code == "unknown_fee_reduction":
                reduction_error = exc.message
            else:
                error = exc.message
        else:
            return redirect(reverse("online:done", args=[d.code]))
    draft = selectors.draft_of(request.user, key, code)
    files = list(draft.files.all())
    parts = selectors.parts(offer, draft.case_code, files)
    fees = selectors.fees(offer, draft.case_code, "" if reduction_error else claimed)
    context = {
        "own": own,
        "draft": draft,
        "offer": offer,
        "p": offer.procedure,
        "case": offer.case(draft.case_code),
        "parts": parts,
        "missing_papers": [p for p in parts if p.missing],
        "missing_fields": forms.missing(draft.on_behalf, draft.applicant, draft.own_contact),
        "typed_birth": _iso_date(draft.applicant.get("birth_date")),
        "error": error,
        "kinds": forms.KINDS,
        "fees": fees,
        "fee_reduction": claimed,
        "reduction_error": reduction_error,
    }
    return render(request, "online/review.html", context, status=422 if error or reduction_error else 200)


def _iso_date(value):
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


@require_POST
@citizen_page
def delete(request: HttpRequest, own, code: str, key: str) -> HttpResponse:
    services.delete(request.user, selectors.draft_of(request.user, key[:MAX_KEY], code))
    return redirect(reverse("online:drafts") + "?deleted=1")


@require_http_methods(["GET", "HEAD"])
@citizen_page
def done(request: HttpRequest, own, dossier_code: str) -> HttpResponse:
    d = (
        Dossier.objects.select_related("procedure", "agency")
        .filter(code=dossier_code[:60], applicant_user=request.user, channel=2)
        .first()
    )
    if d is None:
        raise NotFound("Không có hồ sơ này trong tài khoản của bạn.", code="dossier_not_found")
    context = {"d": d, "components": list(d.components.all()), "files": list(d.files.all())}
    return render(request, "online/done.html", context)
