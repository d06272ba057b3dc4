"""Sổ theo dõi hồ sơ (Form 06) for the units whose book this officer keeps: pick the unit and the
period, get the A4 PDF or the XLSX. The rules and the file are `documents.responses.logbook_response`'s,
the same as the API's `/forms/06`."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from motcua.core.errors import DomainError
from motcua.core.formatting import LOCAL_TZ
from motcua.documents import responses
from motcua.dossiers import permissions

from .access import staff_page


@require_http_methods(["GET", "HEAD"])
@staff_page
def logbook(request: HttpRequest) -> HttpResponse:
    units = [a for a in request.officer.agencies if permissions.may_read_logbook(request.user, a)]
    today = timezone.now().astimezone(LOCAL_TZ).date()
    q = request.GET
    context = {
        "units": units,
        "agency": q.get("agency") or (units[0].identifier if units else ""),
        "start": q.get("from") or date(today.year, today.month, 1).isoformat(),
        "end": q.get("to") or today.isoformat(),
    }
    if "format" not in q:
        return render(request, "workspace/logbook.html", context, status=200 if units else 404)
    try:
        return responses.logbook_response(
            request.user, q.get("agency"), q.get("from"), q.get("to"), q["format"]
        )
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "workspace/logbook.html", context, status=exc.status)
