"""Counter reception (/can-bo/tiep-nhan/). Being built: see issue 9 part 2."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .access import staff_page


@require_http_methods(["GET", "HEAD"])
@staff_page
def counter(request: HttpRequest) -> HttpResponse:
    return render(request, "workspace/counter.html", {})
