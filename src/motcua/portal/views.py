"""Public pages: home, catalogue list and procedure page. Thin: parse the query, call a selector, render."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure
from motcua.catalog.selectors import procedure_detail, search_procedures
from motcua.core.errors import NotFound, ValidationFailed
from motcua.dossiers import machine
from motcua.dossiers import selectors as dossiers

from . import presenters, selectors

PAGE_SIZE = 20
FILTERS = ("field", "level", "agency", "online_level")
MAX_QUERY = 200


def _param(request: HttpRequest, name: str, max_len: int = 100) -> str:
    # NUL bytes are refused by PostgreSQL at the driver level; nothing legitimate contains them.
    return request.GET.get(name, "").replace("\x00", "").strip()[:max_len]


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "stats": selectors.home_stats(),
        "fields": selectors.field_counts(),
        "highlights": selectors.online_highlights(),
        "online_labels": presenters.ONLINE_SHORT,
    }
    return render(request, "portal/home.html", context)


def procedure_list(request: HttpRequest) -> HttpResponse:
    q = _param(request, "q", MAX_QUERY)
    chosen = {name: _param(request, name) for name in FILTERS}
    error = ""
    page = None
    results: list[dict] = []
    try:
        qs = search_procedures(q, **{k: v or None for k, v in chosen.items()})
        page = Paginator(selectors.with_list_parts(qs), PAGE_SIZE).get_page(request.GET.get("page"))
        results = [
            {
                "p": p,
                "levels": presenters.level_labels(p),
                "time": presenters.time_summary(p),
                "fee": presenters.fee_summary(p),
                "online": presenters.ONLINE_SHORT.get(p.online_level, ""),
            }
            for p in page.object_list
        ]
    except ValidationFailed as exc:
        error = exc.message
    fields, agencies = selectors.filter_options()
    context = {
        "q": q,
        "chosen": chosen,
        "active_filters": sum(1 for v in chosen.values() if v),
        "error": error,
        "page": page,
        "results": results,
        "fields": fields,
        "agencies": agencies,
        "levels": presenters.LEVEL_CHOICES,
        "online_levels": list(presenters.ONLINE_SHORT.items()),
    }
    return render(request, "portal/procedure_list.html", context, status=400 if error else 200)


def procedure_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        # Drafts stay hidden; abolished procedures stay readable (old dossiers and links point at them).
        p = procedure_detail(code, published_only=True)
    except NotFound:
        return render(request, "portal/404.html", {"missing_code": code[:40]}, status=404)
    channels = [
        {"c": c, "time": presenters.duration(c.processing_time, c.time_unit)} for c in p.channels.all()
    ]
    fees = list(p.fees.all())
    context = {
        "p": p,
        "levels": presenters.level_labels(p),
        "time": presenters.time_summary(p),
        "fee": presenters.fee_summary(p),
        "channels": channels,
        "fees": [f for f in fees if f.kind == f.Kind.FEE],
        "charges": [f for f in fees if f.kind == f.Kind.CHARGE],
        "other_fees": [f for f in fees if f.kind == f.Kind.OTHER],
        "component_groups": presenters.component_groups(p),
        "online_label": presenters.ONLINE_SHORT.get(p.online_level, ""),
        "abolished": p.publication_state == Procedure.PublicationState.ABOLISHED,
        "can_submit_online": p.publication_state != Procedure.PublicationState.ABOLISHED
        and p.online_level in (Procedure.OnlineLevel.FULL, Procedure.OnlineLevel.PARTIAL),
    }
    return render(request, "portal/procedure_detail.html", context)


def dossier_lookup(request: HttpRequest) -> HttpResponse:
    """Tra cứu hồ sơ: status and history of one dossier by its code and 4 digits only its applicant knows."""
    code, last4 = _param(request, "ma", 60), _param(request, "so", 10)
    context: dict = {"code": code, "last4": last4}
    status = 200
    if code or last4:
        found = dossiers.public_lookup(code, last4)
        if found is None:
            context["not_found"] = True
            status = 404
        else:
            d, events = found
            # What the applicant has to do now: the papers asked for, or the amount to pay.
            asked = next((e for e in reversed(events) if e.action == "request_supplement"), None)
            if d.status == machine.Status.WAITING and asked is not None:
                context["supplement"] = {"items": asked.data.get("items", []), "reason": asked.reason}
            if d.status == machine.Status.PAYING:
                context["to_pay"] = d.fee_total - d.fee_paid
            context.update(
                d=d,
                status_label=_(machine.Status(d.status).label),
                timeliness=presenters.TIMELINESS.get(machine.timeliness(d, timezone.now()) or ""),
                events=[
                    {
                        "e": e,
                        "label": _(machine.label_of(e.action, e.from_status)),
                        "status": _(machine.Status(e.to_status).label),
                    }
                    for e in events
                ],
            )
    return render(request, "portal/dossier_lookup.html", context, status=status)
