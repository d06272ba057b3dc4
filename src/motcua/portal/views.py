"""Public pages: home, catalogue list, procedure page, dossier lookup and the 429 page. Thin: parse the query, call a selector, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from motcua.access import throttle
from motcua.catalog.models import Procedure
from motcua.catalog.selectors import MAX_QUERY_LENGTH, match_of, procedure_detail, search_procedures
from motcua.core.errors import NotFound, ValidationFailed
from motcua.dossiers import codes
from motcua.dossiers import selectors as dossiers

from . import presenters, selectors

PAGE_SIZE = 20
FILTERS = ("field", "level", "agency", "online_level")
# One more than the search accepts, so that a longer text gets the search's clear refusal, not a cut.
MAX_QUERY = MAX_QUERY_LENGTH + 1
# Why a hit that does not show the query words in its name was found (docs/adr/0025).
WHY = {
    "result": _("Cấp giấy tờ bạn tìm (kết quả thực hiện)"),
    "synonym": _("Theo tên gọi thường dùng"),
    "corrected": _("Theo từ khóa đã sửa chính tả"),
    "partial": _("Gần đúng với tên bạn nhập"),
}


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
    suggestion = ""
    try:
        qs = search_procedures(q, **{k: v or None for k, v in chosen.items()})
        outcome = getattr(qs, "outcome", None)
        suggestion = outcome.suggestion if outcome is not None else ""
        page = Paginator(selectors.with_list_parts(qs), PAGE_SIZE).get_page(request.GET.get("page"))
        results = [
            {
                "p": p,
                "levels": presenters.level_labels(p),
                "time": presenters.time_summary(p),
                "fee": presenters.fee_summary(p),
                "online": presenters.ONLINE_SHORT.get(p.online_level, ""),
                "why": WHY.get(match_of(p.rank), "") if hasattr(p, "rank") else "",
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
        "suggestion": suggestion,
        "max_query": MAX_QUERY_LENGTH,
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


LOOKUP_TEMPLATE = "portal/dossier_lookup.html"


def _posted(request: HttpRequest, name: str, max_len: int) -> str:
    return request.POST.get(name, "").replace("\x00", "").strip()[:max_len]


@require_http_methods(["GET", "HEAD", "POST"])
def dossier_lookup(request: HttpRequest) -> HttpResponse:
    """Tra cứu hồ sơ: status and history of one dossier by its code and 4 digits only its applicant knows.

    The form is posted, so the digits stay out of URLs, browser history and access logs; a link may carry
    the code alone (?ma=...) to fill the form in. Misses are throttled per client and per dossier code.
    """
    if request.method != "POST":
        code = codes.normalise(_param(request, "ma", 120))[:61]
        if "so" in request.GET:  # an old link or a hand-made URL: take the digits out of the address bar
            return redirect(f"{request.path}?{urlencode({'ma': code})}" if code else request.path)
        return render(request, LOOKUP_TEMPLATE, {"code": code})
    # Typed by hand from a paper receipt: any case, spaces anywhere. The throttle counts the code as it is
    # stored, so spelling one code many ways buys no extra tries.
    code, last4 = codes.normalise(_posted(request, "ma", 120))[:61], _posted(request, "so", 10)
    context: dict = {"code": code, "last4": last4}
    if not (code or last4):
        return render(request, LOOKUP_TEMPLATE, context)
    # Checked before the lookup: once the limit is reached even the right digits are refused, or the
    # limit would not stop anyone.
    blocked = throttle.DOSSIER_LOOKUP.blocked(request, code)
    if blocked is not None:
        return too_many(request, blocked, "lookup")
    found = dossiers.public_lookup(code, last4)
    if found is None:
        throttle.DOSSIER_LOOKUP.miss(request, code)
        context["not_found"] = True
        return render(request, LOOKUP_TEMPLATE, context, status=404)
    context.update(presenters.dossier_status(*found, timezone.now()))
    return render(request, LOOKUP_TEMPLATE, context)


def too_many(request: HttpRequest, blocked: throttle.Blocked, what: str) -> HttpResponse:
    """429 with Retry-After, saying in words when to try again. `what`: 'lookup' or 'signin'."""
    wait = blocked.retry_after()
    context = {"what": what, "until": blocked.until, "wait": presenters.wait_label(wait)}
    response = render(request, "portal/429.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


def signin_locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """django-axes' lock-out response (AXES_LOCKOUT_CALLABLE) for any sign-in page."""
    return too_many(request, throttle.signin_blocked_until(request, credentials), "signin")
