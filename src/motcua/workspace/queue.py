"""The officer's work queue (/can-bo/): what is still to do, grouped by urgency, with live counts.

Two views: "mine" (assigned to me, still running) and "unit" (what my agencies still have to do,
including dossiers waiting for reception and results waiting at the counter). The rows, the buckets and
their counts are `dossiers.selectors`' (`dossier_page`, `work_queue_counts`): keyset pages and counts of
open dossiers only, so page 1,000 costs what page 1 does and no page counts a million rows.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from motcua.catalog.models import Field
from motcua.core.errors import DomainError
from motcua.directory.models import Role
from motcua.dossiers import queue as buckets
from motcua.dossiers import selectors
from motcua.dossiers.models import Channel
from motcua.dossiers.statuses import Status

from .access import staff_page
from .templatetags.workspace_tags import TIMELINESS_LABELS

PAGE_SIZE = 30
FILTERS = ("procedure", "field", "status", "channel", "received_from", "received_to", "q")
# The four urgency buckets (the list's `due` filter), then the unit's dossiers with no clock, by status.
GROUPS = {
    **{bucket: (TIMELINESS_LABELS[bucket], {"due": bucket}) for bucket in buckets.BUCKETS},
    "to_receive": (_("Chờ tiếp nhận"), {"status": str(Status.RECEIVING)}),
    "to_return": (_("Chờ trả kết quả"), {"status": str(Status.RELEASING)}),
}
MINE_GROUPS = buckets.BUCKETS


def _default_view(officer) -> str:
    """Reception works the unit's queue (no dossier is assigned to a counter); others their own first."""
    return "unit" if officer.receives or Role.CENTRE_HEAD in officer.roles else "mine"


def _query(params: dict, **changes) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged) if merged else "?"


@require_http_methods(["GET", "HEAD"])
@staff_page
def queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    g = request.GET
    # The header's search box sends `q` alone: look among every dossier this officer may see, finished
    # or held by another unit (a code read off a form, an applicant at the counter), newest first.
    searching = bool(g.get("q", "").strip()) and "view" not in g
    view = g.get("view") if g.get("view") in buckets.VIEWS else _default_view(request.officer)
    group = g.get("group") if g.get("group") in GROUPS else ""
    if view == "mine" and group not in MINE_GROUPS:
        group = ""  # nothing assigned to a person waits for reception or hand-over
    filters = {name: g.get(name, "").strip()[:100] for name in FILTERS}
    params = {"view": "" if searching else view, "group": group, **filters}
    context = {
        "searching": searching,
        "view": view,
        "group": group,
        "groups": [(key, GROUPS[key][0]) for key in (MINE_GROUPS if view == "mine" else GROUPS)],
        "filters": filters,
        "statuses": Status.choices,
        "channels": Channel.choices,
        "fields": Field.objects.only("code", "name").order_by("name"),
        "counts": selectors.work_queue_counts(request.user, now),
        "params": params,
        "rows": [],
        "page": None,
        "error": "",
        "first_page": _query(params),
    }
    wanted = {k: v for k, v in filters.items() if v}
    if group:
        wanted.update(GROUPS[group][1])
    try:
        page = selectors.dossier_page(
            request.user,
            size=PAGE_SIZE,
            cursor=g.get("cursor") or None,
            view=None if searching else view,
            now=now,
            **wanted,
        )
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "workspace/queue.html", context, status=exc.status)
    for d in page.items:
        d.bucket = buckets.bucket_of(d, now) or ""
    context.update(
        rows=page.items,
        page=page,
        next_page=_query(params, cursor=page.next) if page.next else "",
        paged=bool(g.get("cursor")),
    )
    return render(request, "workspace/queue.html", context)
