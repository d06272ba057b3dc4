"""The page "Tỷ lệ thanh toán trực tuyến": the online-payment share (766 indicators 3.5b, 3.6; ADR 0034) per agency,
or per procedure of one agency, for a chosen period, in the admin beside the payments it counts."""

from __future__ import annotations

from babel.numbers import format_decimal
from django.contrib import admin
from django.shortcuts import render
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from motcua.core import formatting
from motcua.core.admin import EstimatedCountPaginator
from motcua.core.errors import DomainError

from . import reports
from .admin import PaymentsReadOnly  # admin.py imports this module last, once that class exists
from .models import Payment


def percent(value: float | None, locale: str) -> str:
    """57.14 -> '57,14 %' (vi), '57.14 %' (en); '–' when nothing was owed (the portal's N/A)."""
    if value is None:
        return "–"
    return f"{format_decimal(value, format='#,##0.00', locale=_babel(locale))} %"


def _babel(locale: str) -> str:
    return "vi_VN" if locale.startswith("vi") else "en_US"


def _shown(s: reports.Share, locale: str) -> dict:
    """A row as the page prints it: counts as they are, the share and money in the reader's language."""
    return {
        "code": s.code,
        "name": s.name,
        "owed": s.owed,
        "paid": s.paid,
        "unpaid": s.unpaid,
        "national": s.national,
        "local": s.local,
        "counter": s.counter,
        "percent": percent(s.percent, locale),
        "online_amount": formatting.money(s.online_amount, locale),
        "counter_amount": formatting.money(s.counter_amount, locale),
        "refunds": s.refunds,
        "refunded": formatting.money(s.refunded, locale),
    }


class OnlineShareUrls:
    """Adds the share page to a ModelAdmin of payments (`admin:payments_online_share`)."""

    def get_urls(self):
        return [
            path(
                "ty-le-truc-tuyen/",
                self.admin_site.admin_view(self.online_share_view),
                name="payments_online_share",
            ),
            *super().get_urls(),
        ]

    def online_share_view(self, request):
        """The share per agency the user may see for `from`-`to`; with `agency` and `by=procedure`, per
        procedure of that agency."""
        params = request.GET
        context = {
            **self.admin_site.each_context(request),
            "title": _("Tỷ lệ thanh toán trực tuyến"),
            "opts": self.model._meta,
        }
        try:
            start, end = reports.period(params.get("from"), params.get("to"))
            by = params.get("by") or "agency"
            agency = params.get("agency") or None
            report = reports.online_share(request.user, agency, start, end, by=by)
        except DomainError as exc:
            context.update(
                error=exc.message, by=params.get("by") or "agency", agency=params.get("agency", "")
            )
            return render(request, "admin/payments/online_share.html", context, status=exc.status)
        locale = get_language() or "vi"
        context.update(
            start=start,
            end=end,
            by=report.by,
            agency=report.agency.identifier if report.agency else "",
            unit=report.agency,
            rows=[_shown(r, locale) for r in report.rows],
            total=_shown(report.total, locale),
            with_fee=report.with_fee,
            with_online_payment=report.with_online_payment,
        )
        return render(request, "admin/payments/online_share.html", context)


@admin.register(Payment)
class PaymentAdmin(OnlineShareUrls, PaymentsReadOnly):
    """Payments as recorded (only the ledger writes them), with the share page as an object tool."""

    def get_readonly_fields(self, request, obj=None):
        # The stored receipt's path and digest are the download's business, not the officer's.
        hidden = {"receipt_file", "receipt_sha256"}
        return [f for f in super().get_readonly_fields(request, obj) if f not in hidden]

    list_display = ("dossier", "amount", "method", "online", "paid_at", "agency")
    list_filter = ("method", "online")
    list_select_related = ("dossier", "agency")
    search_fields = ("=dossier__code", "=reference")
    ordering = ("-paid_at",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    change_list_template = "admin/payments/payment_change_list.html"
