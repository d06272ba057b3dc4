"""One dossier for officers (/can-bo/ho-so/{code}/): its record, history, papers, fees and the actions
this officer may take on it now.

Thin: an action's form is parsed into the action's input and handed to `services.perform` (with the
version the page showed); a file to `files.attach`. Whatever they refuse is shown beside the form with
their status (422 input, 409 state or stale version, 403 role); a dossier the officer may not see is the
site's 404, as for a code that does not exist. Success redirects back to the page (POST-redirect-GET).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from motcua.core import inputs
from motcua.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from motcua.dossiers import files, machine, selectors, services
from motcua.payments import pages as payment_pages
from motcua.payments import services as payment_services
from motcua.portal.templatetags.motcua_format import money

from . import dossier_page as page
from .access import staff_page


def _visible(request: HttpRequest, code: str):
    try:
        return selectors.dossier_detail(request.user, code)
    except NotFound:
        raise Http404("dossier") from None


def _render(
    request,
    d,
    *,
    status=200,
    changed=None,
    error: str = "",
    upload_error: str = "",
    refund: dict | None = None,
):
    """The whole page; `changed` replaces the empty form of its action (posted values, errors)."""
    now = timezone.now()
    context = page.page_context(request, d, now)
    actions = selectors.available_actions(request.user, d, now)
    forms = [page.action_form(a, d, request.user) for a in page.in_page_order(actions)]
    if changed is not None:
        forms = [changed if f.name == changed.name else f for f in forms]
        if changed.name not in actions and changed.error:
            error = error or changed.error  # the action is gone (state moved on): say why above
    if upload_error and not context["may_attach"]:
        error = error or upload_error  # a file posted by hand by someone without the upload form
    if refund is not None:
        shown = any(
            p["id"] == refund["payment"] and p["refundable"]
            for p in (context["pay"] or {}).get("payments", [])
        )
        if not shown:
            error = error or refund["error"]  # the form is gone (refunded meanwhile, no right): say why above
    printed = request.GET.get("phieu", "")
    context.update(
        forms=forms,
        error=error,
        upload_error=upload_error,
        just_issued=next((f for f in context["forms_to_print"] if f[0] == printed), None),
        refund=refund or {},
    )
    return render(request, "workspace/dossier.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
@staff_page
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    return _render(request, _visible(request, code))


def _answer(request, d, form, status: int):
    if request.htmx:
        return render(request, "workspace/_action_form.html", {"f": form, "d": d}, status=status)
    return _render(request, d, status=status, changed=form)


@require_POST
@staff_page
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    d = _visible(request, code)
    if action not in machine.BY_NAME:
        raise Http404("action")
    post = request.POST
    form = page.action_form(action, d, request.user)
    try:
        version = inputs.integer(post.get("version"), "version", minimum=1, maximum=2**31 - 1)
        form = page.filled(form, post, version)
        given = page.parse(action, post)
        if action in page.DANGEROUS and post.get("confirmed") != "1":
            if post.get("back") != "1":
                selectors.check_action(request.user, d, action, given, expected_version=version)
                form.confirm = True
            return _answer(request, d, form, 200)
        done = services.perform(request.user, code, action, expected_version=version, **given)
    except NotFound:
        raise Http404("dossier") from None
    except PermissionDenied as exc:
        if request.htmx:
            return _answer(request, d, page.with_error(form, exc), exc.status)
        return render(request, "workspace/refused.html", {"d": d, "message": exc.message}, status=exc.status)
    except DomainError as exc:
        return _answer(request, d, page.with_error(form, exc), exc.status)
    messages.success(request, page.done_message(action, done, d))
    url = reverse("workspace:dossier", kwargs={"code": done.code})
    issued = page.issued_form(action, d.status)
    if issued:
        url += f"?phieu={issued}"
    return HttpResponseClientRedirect(url) if request.htmx else _see_other(url)


@require_POST
@staff_page
def attach(request: HttpRequest, code: str) -> HttpResponse:
    """A scanned paper, through the same service as the API's upload."""
    d = _visible(request, code)
    try:
        f = files.attach(
            request.user, code, request.FILES.get("file"), component=request.POST.get("component")
        )
    except NotFound:
        raise Http404("dossier") from None
    except DomainError as exc:
        return _render(request, d, status=exc.status, upload_error=exc.message)
    messages.success(request, _("Đã tải lên tệp {name}.").format(name=f.name))
    return _see_other(reverse("workspace:dossier", kwargs={"code": d.code}))


@require_POST
@staff_page
def refund(request: HttpRequest, code: str, payment_id: int) -> HttpResponse:
    """Give back a payment of a refused, withdrawn or stopped dossier (`payments.services.refund` decides
    who may, and how much: the whole payment when the amount is left blank)."""
    d = _visible(request, code)
    if not payment_pages.belongs(d, payment_id):
        raise Http404("payment")
    post = request.POST
    values = {k: post.get(k, "").strip()[:500] for k in ("amount", "reason", "reference")}
    try:
        amount = _amount(values["amount"])
        made = payment_services.refund(
            request.user, payment_id, amount=amount, reason=values["reason"], reference=values["reference"]
        )
    except NotFound:
        raise Http404("payment") from None
    except DomainError as exc:
        return _render(
            request, d, status=exc.status, refund={"payment": payment_id, "error": exc.message, **values}
        )
    messages.success(
        request,
        _("Đã ghi nhận hoàn trả {amount} của hồ sơ {code}.").format(amount=money(made.amount), code=d.code),
    )
    return _see_other(reverse("workspace:dossier", kwargs={"code": d.code}) + "#thanh-toan")


def _amount(text: str) -> int | None:
    """The refund's amount as typed ('1.500.000', '1500000 ₫'); blank: the whole payment."""
    if not text:
        return None
    digits = "".join(text.replace("₫", "").split()).replace(".", "").replace(",", "")
    if not digits.isascii() or not digits.isdigit() or not 0 < int(digits) <= 10**13:
        raise ValidationFailed(
            _("Số tiền hoàn phải là một số nguyên đồng lớn hơn 0."),
            code="invalid_amount",
            details={"field": "amount"},
        )
    return int(digits)


def _see_other(url: str) -> HttpResponse:
    response = redirect(url)
    response.status_code = 303  # after a POST: the browser GETs the page
    return response
