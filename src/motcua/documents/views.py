"""The printed forms for the staff pages (the workspace links here; mounted under its prefix by
`motcua.documents.urls`). Same rules and answers as the API: a dossier the user may not see is a 404, a
log book of another unit a 403, a bad period a 400 with the reason."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET

from motcua.core.errors import DomainError, NotFound, PermissionDenied

from . import responses


def _page_error(exc: DomainError) -> HttpResponse:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if isinstance(exc, PermissionDenied):
        raise DjangoPermissionDenied(exc.message)
    return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")


@require_GET
@login_required
def dossier_form(request: HttpRequest, code: str, number: str) -> HttpResponse:
    try:
        return responses.form_pdf_response(request.user, code, number)
    except DomainError as exc:
        return _page_error(exc)


@require_GET
@login_required
def logbook(request: HttpRequest) -> HttpResponse:
    """`?agency=&from=&to=&format=pdf|xlsx`, as the API's `/forms/06`."""
    q = request.GET
    try:
        return responses.logbook_response(
            request.user, q.get("agency"), q.get("from"), q.get("to"), q.get("format") or "pdf"
        )
    except DomainError as exc:
        return _page_error(exc)
