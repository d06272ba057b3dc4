"""The portal's acknowledgements in the admin (read-only: only the portal transport writes them) and the page
"Đồng bộ Cổng DVCQG": the sync rate per receiving unit for a chosen period and the dossiers pending (ADR 0027)."""

from __future__ import annotations

from django.contrib import admin
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from motcua.core.admin import EstimatedCountPaginator, ReadOnlyAdminMixin
from motcua.core.errors import DomainError

from . import selectors
from .models import PortalSync

PAGE = 50


@admin.register(PortalSync)
class PortalSyncAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("dossier", "acked_version", "acked_status", "first_acked_at", "acked_at")
    list_select_related = ("dossier",)
    search_fields = ("dossier__code",)
    search_help_text = _("Tìm theo mã hồ sơ")
    ordering = ("-acked_at",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    change_list_template = "admin/dvcqg/portalsync_change_list.html"

    def get_urls(self):
        return [
            path("ty-le/", self.admin_site.admin_view(self.rate_view), name="dvcqg_sync_rate"),
            *super().get_urls(),
        ]

    def rate_view(self, request):
        """The rate per receiving unit the user may see, for `from`-`to`, and a page of pending dossiers."""
        params = request.GET
        context = {
            **self.admin_site.each_context(request),
            "title": _("Đồng bộ Cổng DVCQG"),
            "opts": self.model._meta,
        }
        try:
            start, end = selectors.period(params.get("from"), params.get("to"))
            agency = params.get("agency") or None
            rates, total = selectors.sync_rates(request.user, agency, start, end)
            window = selectors.pending(
                request.user, agency, start, end, size=PAGE, cursor=params.get("cursor")
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "admin/dvcqg/sync_rate.html", context, status=exc.status)
        context.update(
            start=start,
            end=end,
            agency=agency or "",
            rates=rates,
            total=total,
            pending=window.rows,
            next=window.next,
        )
        return render(request, "admin/dvcqg/sync_rate.html", context)
