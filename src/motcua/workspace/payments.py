"""Payments that need an officer (/can-bo/thanh-toan/): the gateway's confirmations motcua refused or could
not match (wrong amount, already paid, after a refund, unknown...), for the agencies this officer receives
for, each with a form to say how it was handled.

Thin: `payments.selectors.open_flags` says which notices the officer may handle, `payments.services.resolve`
closes one (and refuses what it must). The list names the dossier, never the payer.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from motcua.core.errors import DomainError, NotFound
from motcua.payments import pages, selectors, services

from .access import staff_page


def _page(request: HttpRequest, *, status: int = 200, error: dict | None = None) -> HttpResponse:
    rows = pages.notice_rows(selectors.open_flags(request.user))
    error = error or {}
    if error and not any(r["n"].pk == error.get("notice") for r in rows):
        error = {**error, "top": True}  # its row is gone (resolved meanwhile): say why above the list
    return render(request, "workspace/payment_flags.html", {"rows": rows, "error": error}, status=status)


@require_http_methods(["GET", "HEAD"])
@staff_page
def flags(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@staff_page
def resolve(request: HttpRequest, notice_id: int) -> HttpResponse:
    resolution = request.POST.get("resolution", "")[:2000]
    try:
        services.resolve(request.user, notice_id, resolution=resolution)
    except NotFound:
        raise Http404("notice") from None
    except DomainError as exc:
        error = {"notice": notice_id, "message": exc.message, "resolution": resolution}
        return _page(request, status=exc.status, error=error)
    messages.success(request, _("Đã ghi nhận cách xử lý."))
    response = redirect(reverse("workspace:payment_flags"))
    response.status_code = 303  # after a POST: the browser GETs the page
    return response
