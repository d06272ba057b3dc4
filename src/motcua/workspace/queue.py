"""The officer's work queue (/can-bo/): what is still to do, most urgent first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from motcua.core.errors import DomainError
from motcua.dossiers import selectors
from motcua.dossiers.statuses import OPEN, timeliness

from .access import staff_page

PAGE_SIZE = 50


@require_http_methods(["GET", "HEAD"])
@staff_page
def queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    q = request.GET.get("q", "")[:100]
    error = ""
    try:
        qs = selectors.list_dossiers(request.user, status=",".join(str(int(s)) for s in sorted(OPEN)), q=q)
        rows = list(qs.order_by("due_at", "id")[:PAGE_SIZE])
    except DomainError as exc:
        rows, error = [], exc.message
    for d in rows:
        d.timeliness_now = timeliness(d, now)
    return render(request, "workspace/queue.html", {"rows": rows, "q": q, "error": error})
