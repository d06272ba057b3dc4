"""A citizen's or an organisation's own space (/ca-nhan/, contract §6): their dossiers, one dossier with
what to do on it now (answer a supplement request with files, withdraw), its results and printed forms,
and their personal data warehouse (TT 01/2023 Art. 24).

Thin: reads come from `dossiers.selectors` (who sees what), `documents.warehouse` (what the person owns)
and `portal.presenters` (labels and history in the applicant's words); writes go through
`dossiers.files` and `dossiers.services.perform`, which decide whether they are allowed: the page only
shows a form where `selectors.available_actions` / `files.may_attach` say it would be accepted.
Signed out: to the sign-in page and back. Staff: to their own workspace. A dossier the person may not see
is the site's 404, as for a code that does not exist.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from motcua.access.throttle import client_ip
from motcua.core import inputs, keyset, storage
from motcua.core.errors import DomainError, NotFound, ValidationFailed
from motcua.documents import warehouse
from motcua.documents.models import Result
from motcua.dossiers import files, forms_data, machine, selectors, services
from motcua.dossiers.models import Dossier
from motcua.notifications.selectors import notifications_of
from motcua.online import selectors as online
from motcua.payments import pages as payment_pages
from motcua.payments import selectors as payments
from motcua.payments import services as payment_services

from . import presenters, signin

S = machine.Status
PAGE_SIZE = 20
RESULTS_SHOWN = 20  # a dossier has one result or a few; the rest are in the warehouse
WAITING_CAP = 99  # the "waiting on you" count stops here ("99+"): it is a badge, not a report

# Status groups of the list (?nhom=...): (label, statuses or None for all).
GROUPS = {
    "tat-ca": (gettext_lazy("Tất cả"), None),
    "dang-xu-ly": (gettext_lazy("Đang xử lý"), (S.RECEIVING, S.NEW, S.PROCESSING, S.PAYING)),
    "can-bo-sung": (gettext_lazy("Cần bổ sung"), (S.WAITING,)),
    "da-co-ket-qua": (gettext_lazy("Đã có kết quả"), (S.RELEASING, S.DONE)),
}
# What the person must do now, as a badge on the row.
WAITING_ON_YOU = {
    S.WAITING: gettext_lazy("Cần bổ sung hồ sơ"),
    S.PAYING: gettext_lazy("Cần nộp phí, lệ phí"),
}
OWES = gettext_lazy("Chờ nộp phí")
# The return page asks again this many times, this many seconds apart, while the confirmation is awaited.
RESULT_REFRESHES = 10
RESULT_REFRESH_SECONDS = 3


def _badge(d: Dossier) -> str:
    """A dossier that still owes a fee it may pay now (filed online, before processing asks) says so."""
    if d.status in WAITING_ON_YOU:
        return WAITING_ON_YOU[d.status]
    return OWES if payments.amount_due(d) else ""


def applicant_page(view):
    """Signed out: to /dang-nhap/ and back here. Staff and the administrator: their own landing page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('portal:signin')}?{urlencode({'next': request.get_full_path()})}")
        home = reverse("personal:home")
        target = signin.landing(user)
        if target != home:
            return redirect(target)
        return view(request, *args, **kwargs)

    return never_cache(wrapped)


def _see_other(url: str) -> HttpResponse:
    response = redirect(url)
    response.status_code = 303  # after a POST: the browser GETs the page
    return response


# ----------------------------------------------------------------------------------------- my dossiers
@require_GET
@applicant_page
def home(request: HttpRequest) -> HttpResponse:
    """My dossiers, newest first, a keyset page at a time (no count over the whole table)."""
    group = request.GET.get("nhom", "tat-ca")
    if group not in GROUPS:
        group = "tat-ca"
    statuses = GROUPS[group][1]
    mine = selectors.dossiers_visible_to(request.user, listing=True)
    qs = mine.filter(status__in=list(statuses)) if statuses else mine
    cursor = request.GET.get("sau") or None
    error, status = "", 200
    try:
        window = keyset.page(
            qs,
            selectors.BY_SUBMISSION,
            size=PAGE_SIZE,
            cursor=cursor,
            load=lambda ids: Dossier.objects.filter(pk__in=ids).select_related("procedure"),
        )
    except ValidationFailed as exc:  # a cursor edited by hand: the first page, and why
        error, status = exc.message, 400
        window = keyset.page(qs, selectors.BY_SUBMISSION, size=PAGE_SIZE)
    waiting, waiting_capped = keyset.capped_count(mine.filter(status__in=list(WAITING_ON_YOU)), WAITING_CAP)
    rows = [
        {
            "d": d,
            "status_label": _(S(d.status).label),
            "badge": _badge(d),
        }
        for d in window.rows
    ]
    context = {
        "rows": rows,
        "group": group,
        "groups": [(key, label) for key, (label, _s) in GROUPS.items()],
        "next_url": f"?{urlencode({'nhom': group, 'sau': window.next})}" if window.next else "",
        "first_url": f"?{urlencode({'nhom': group})}" if cursor else "",
        "waiting": f"{waiting}+" if waiting_capped else waiting,
        "error": error,
        "drafts": online.drafts_of(request.user),
    }
    return render(request, "portal/personal/home.html", context, status=status)


# ------------------------------------------------------------------------------------------ one dossier
def _visible(request: HttpRequest, code: str) -> Dossier:
    try:
        return selectors.dossier_detail(request.user, code)
    except NotFound:
        raise Http404("dossier") from None


def _pending(d: Dossier) -> list:
    """Files uploaded while the dossier waits for a supplement: the supplement hands them in."""
    if d.status != S.WAITING or d.paused_at is None:
        return []
    return [f for f in d.files.all() if f.event_seq is None and f.uploaded_at >= d.paused_at]


def _components(d: Dossier, pending: list) -> tuple[list[dict], list]:
    """Each component with its files (those already part of the record), and the files of none."""
    pending_ids = {f.pk for f in pending}
    handed = [f for f in d.files.all() if f.pk not in pending_ids]
    parts = [{"c": c, "files": [f for f in handed if f.component_id == c.pk]} for c in d.components.all()]
    return parts, [f for f in handed if f.component_id is None]


def _render(request, d: Dossier, *, status: int = 200, **errors) -> HttpResponse:
    now = timezone.now()
    events = list(d.events.select_related("agency").order_by("seq"))
    actions = selectors.available_actions(request.user, d, now)
    pending = _pending(d)
    parts, loose = _components(d, pending)
    results = list(Result.objects.filter(dossier=d).order_by("n")[: RESULTS_SHOWN + 1])
    for r in results:
        r.key = f"r{r.pk}"  # its key in the warehouse, whose download re-checks ownership
    context = {
        "d": d,
        "status_label": _(S(d.status).label),
        "timeliness": presenters.TIMELINESS.get(machine.timeliness(d, now) or ""),
        "badge": _badge(d),
        "pay": payment_pages.payment_panel(request.user, d),
        "history": presenters.history(events, reasons=True),
        "supplement": presenters.supplement_request(d, events) if "supplement" in actions else None,
        "may_attach": "supplement" in actions and files.may_attach(request.user, d),
        "pending": pending,
        "can_withdraw": "withdraw" in actions,
        "to_pay": d.fee_total - d.fee_paid if d.status == S.PAYING else 0,
        "fees": list(d.fees.all()),  # prefetched by dossier_detail
        "parts": parts,
        "loose_files": loose,
        "results": results[:RESULTS_SHOWN],
        "more_results": len(results) > RESULTS_SHOWN,
        "forms": [
            (n, forms_data.FORM_TITLES[n], reverse("api:form", kwargs={"code": d.code, "number": n}))
            for n in forms_data.applicable_forms(d, events)
        ],
        "notices": list(notifications_of(d)),
        "finished": d.status in machine.FINISHED,
        **errors,
    }
    # A refusal whose form is gone (the dossier moved on meanwhile) is said above the page.
    hidden = {
        "supplement_error": context["supplement"] is None,
        "upload_error": not context["may_attach"],
        "withdraw_error": not context["can_withdraw"],
        "payment_error": context["pay"] is None,
    }
    context["page_error"] = next((errors[k] for k, gone in hidden.items() if gone and errors.get(k)), "")
    response = render(request, "portal/personal/dossier.html", context, status=status)
    return payment_pages.allow_platform(response) if context["pay"] else response


@require_GET
@applicant_page
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    return _render(request, _visible(request, code))


def _page_url(d: Dossier, anchor: str = "") -> str:
    return reverse("personal:dossier", kwargs={"code": d.code}) + (f"#{anchor}" if anchor else "")


@require_POST
@applicant_page
def upload(request: HttpRequest, code: str) -> HttpResponse:
    """One file answering a paper the supplement request asked for (its name kept as the file's paper
    name, so the one-stop sees which paper it is). It stays pending until the supplement is submitted."""
    d = _visible(request, code)
    paper = request.POST.get("paper", "").replace("\x00", "").strip()[:500]
    try:
        f = files.attach(request.user, code, request.FILES.get("file"), metadata={"doc_name": paper})
    except NotFound:
        raise Http404("dossier") from None
    except DomainError as exc:
        return _render(request, d, status=exc.status, upload_error=exc.message)
    messages.success(request, _("Đã tải lên tệp {name}.").format(name=f.name))
    return _see_other(_page_url(d, "bo-sung"))


@require_POST
@applicant_page
def remove(request: HttpRequest, code: str, file_id: int) -> HttpResponse:
    d = _visible(request, code)
    try:
        files.remove(request.user, code, file_id)
    except NotFound as exc:
        if exc.code == "dossier_not_found":
            raise Http404("dossier") from None
        return _render(request, d, status=exc.status, upload_error=exc.message)
    except DomainError as exc:
        return _render(request, d, status=exc.status, upload_error=exc.message)
    messages.success(request, _("Đã xóa tệp."))
    return _see_other(_page_url(d, "bo-sung"))


def _version(request: HttpRequest) -> int:
    return inputs.integer(request.POST.get("version"), "version", minimum=1, maximum=2**31 - 1)


@require_POST
@applicant_page
def supplement(request: HttpRequest, code: str) -> HttpResponse:
    """Hand in the pending files: the dossier goes back to where it was and its clock runs again."""
    d = _visible(request, code)
    note = request.POST.get("note", "")
    try:
        version = _version(request)
        if d.status == S.WAITING and not _pending(d):
            raise ValidationFailed(
                "Hãy tải lên ít nhất một tệp giấy tờ bổ sung trước khi nộp.",
                code="missing_field",
                details={"field": "files"},
            )
        services.perform(request.user, code, "supplement", expected_version=version, note=note)
    except NotFound:
        raise Http404("dossier") from None
    except DomainError as exc:
        return _render(request, d, status=exc.status, supplement_error=exc.message, note=note)
    messages.success(request, _("Đã nộp hồ sơ bổ sung. Hồ sơ tiếp tục được giải quyết."))
    return _see_other(_page_url(d))


@require_POST
@applicant_page
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    """Withdraw the dossier (status 7, final): asks for a reason and an explicit confirmation."""
    d = _visible(request, code)
    reason = request.POST.get("reason", "")
    try:
        version = _version(request)
        if request.POST.get("confirmed") != "1":
            raise ValidationFailed(
                "Hãy đánh dấu xác nhận rút hồ sơ: hồ sơ đã rút không thể tiếp tục giải quyết.",
                code="missing_field",
                details={"field": "confirmed"},
            )
        services.perform(request.user, code, "withdraw", expected_version=version, reason=reason)
    except NotFound:
        raise Http404("dossier") from None
    except DomainError as exc:
        return _render(request, d, status=exc.status, withdraw_error=exc.message, reason=reason)
    messages.success(request, _("Đã rút hồ sơ {code}.").format(code=d.code))
    return _see_other(_page_url(d))


# -------------------------------------------------------------------------------------------- payment
@require_POST
@applicant_page
def pay(request: HttpRequest, code: str) -> HttpResponse:
    """Start an online payment of what the dossier owes and send the payer to the platform's page. What
    the service refuses (nothing to pay 409, platform not connected or silent 503, too many tries 429) is
    said in the fees section of the dossier's page."""
    d = _visible(request, code)
    try:
        attempt = payment_services.start(
            request.user,
            code,
            ip=client_ip(request) or "",
            device=payment_pages.device_of(request),
            request=request,
        )
    except NotFound:
        raise Http404("dossier") from None
    except DomainError as exc:
        response = _render(request, d, status=exc.status, payment_error=exc.message)
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response
    return _see_other(attempt.redirect_url)


@require_GET
@applicant_page
def payment_result(request: HttpRequest) -> HttpResponse:
    """Where the platform sends the payer back (`?ref=MaThamChieu`): the attempt's outcome, for its payer
    only. The confirmation may come a few seconds after the payer: the page asks again a few times."""
    try:
        attempt = payments.attempt_for_payer(request.user, request.GET.get("ref", ""))
    except NotFound:
        raise Http404("attempt") from None
    d = attempt.request.dossier
    outcome = payment_pages.attempt_outcome(attempt)
    try:
        asked = int(request.GET.get("lan", "0"))
    except ValueError:
        asked = 0
    refresh = ""
    if outcome["kind"] == "pending" and 0 <= asked < RESULT_REFRESHES:
        query = urlencode({"ref": attempt.reference, "lan": asked + 1})
        refresh = f"{RESULT_REFRESH_SECONDS};url={reverse('portal:payment_result')}?{query}"
    context = {
        "a": attempt,
        "d": d,
        "outcome": outcome,
        "refresh": refresh,
        "still_owed": payments.amount_due(d),
        "status_label": _(S(d.status).label),
    }
    return payment_pages.allow_platform(render(request, "portal/personal/payment_result.html", context))


# ------------------------------------------------------------------------------------------- downloads
def _send(request: HttpRequest, storage_name: str, sha256: str, filename: str, content_type: str):
    """The bytes once their checksum matches; otherwise a page that says why (never a 500)."""
    try:
        return storage.serve(
            storage_name,
            sha256,
            filename=filename,
            content_type=content_type,
            inline=content_type == "application/pdf",
        )
    except DomainError as exc:
        return render(request, "portal/personal/file_error.html", {"message": exc.message}, status=exc.status)


@require_GET
@applicant_page
def dossier_file(request: HttpRequest, code: str, file_id: int) -> HttpResponse:
    try:
        f = selectors.dossier_file(request.user, code, file_id)
    except NotFound:
        raise Http404("file") from None
    return _send(request, f.file.name, f.sha256, f.name, f.content_type)


@require_GET
@applicant_page
def paper_download(request: HttpRequest, key: str) -> HttpResponse:
    """A result or digitised paper of the person's warehouse (ownership re-checked on every call)."""
    try:
        p = warehouse.paper(request.user, key)
    except NotFound:
        raise Http404("paper") from None
    name = f"{p.result_code}.pdf" if p.kind == "result" else p.name
    return _send(request, p.storage_name, p.sha256, name, p.content_type)


# ------------------------------------------------------------------------------------------- warehouse
@require_GET
@applicant_page
def data_warehouse(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "who": warehouse.identity(user),
        "processed": warehouse.processed_dossiers(user),
        "results": warehouse.results_shelf(user),
        "papers": warehouse.papers_shelf(user),
        "limit": warehouse.PAGE_LIMIT,
    }
    return render(request, "portal/personal/warehouse.html", context)
