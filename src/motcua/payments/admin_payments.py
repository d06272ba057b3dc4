"""Django admin for the payment records: read-only lists an administrator or auditor searches by reference or
dossier code and filters by state, outcome or flag. Nothing is written or deleted here: payments, refunds and
resolutions go through `payments.services` (the officers' pages), which keep the dossier's history. Lists show
no personal data (the payer's name is on the payment's own page only).

(Imported by `apps.PaymentsConfig.ready`: `payments/admin.py`, with the receiving accounts, is another
branch's file in issue 12.)
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from motcua.core.admin import ReadOnlyAdminMixin, readable_json

from .models import Payment, PaymentAttempt, PaymentNotice, PaymentRequest, Refund


class PaymentsReadOnly(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over the whole table on every filtered page


@admin.register(PaymentRequest)
class PaymentRequestAdmin(PaymentsReadOnly):
    list_display = ("dossier_code", "kind", "reason", "amount", "state", "requested_at", "settled_at")
    list_filter = ("state", "kind")
    search_fields = ("=dossier__code",)
    list_select_related = ("dossier",)
    date_hierarchy = "requested_at"

    @admin.display(description=_("mã hồ sơ"), ordering="dossier__code")
    def dossier_code(self, obj: PaymentRequest) -> str:
        return obj.dossier.code


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(PaymentsReadOnly):
    list_display = (
        "reference",
        "dossier_code",
        "gateway",
        "amount",
        "state",
        "started_at",
        "finished_at",
        "transaction_id",
    )
    list_filter = ("state", "gateway")
    search_fields = ("=reference", "=transaction_id", "=request__dossier__code")
    list_select_related = ("request__dossier",)
    date_hierarchy = "started_at"

    @admin.display(description=_("mã hồ sơ"), ordering="request__dossier__code")
    def dossier_code(self, obj: PaymentAttempt) -> str:
        return obj.request.dossier.code


@admin.register(Payment)
class PaymentAdmin(PaymentsReadOnly):
    list_display = ("dossier_code", "amount", "method", "online", "paid_at", "receipt", "reference", "agency")
    list_filter = ("method", "online")
    search_fields = ("=dossier__code", "=reference", "=attempt__reference")
    list_select_related = ("dossier", "agency")
    date_hierarchy = "paid_at"

    @admin.display(description=_("mã hồ sơ"), ordering="dossier__code")
    def dossier_code(self, obj: Payment) -> str:
        return obj.dossier.code

    @admin.display(description=_("biên lai"))
    def receipt(self, obj: Payment) -> str:
        return f"{obj.receipt_series}/{obj.receipt_number:07d}" if obj.receipt_number else "–"


@admin.register(Refund)
class RefundAdmin(PaymentsReadOnly):
    list_display = ("dossier_code", "amount", "at", "reference", "reason")
    search_fields = ("=payment__dossier__code", "=reference")
    list_select_related = ("payment__dossier",)
    date_hierarchy = "at"

    @admin.display(description=_("mã hồ sơ"), ordering="payment__dossier__code")
    def dossier_code(self, obj: Refund) -> str:
        return obj.payment.dossier.code


class OpenFlagFilter(admin.SimpleListFilter):
    title = _("cần cán bộ xem")
    parameter_name = "can_xem"

    def lookups(self, request, model_admin):
        return (("open", _("Chưa xử lý")), ("resolved", _("Đã xử lý")), ("no", _("Không cần xem")))

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(flagged=True, resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(flagged=True, resolved_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(flagged=False)
        return queryset


@admin.register(PaymentNotice)
class PaymentNoticeAdmin(PaymentsReadOnly):
    list_display = (
        "received_at",
        "source",
        "reference",
        "outcome",
        "result_code",
        "amount",
        "transaction_id",
        "flagged",
        "resolved_at",
    )
    list_filter = (OpenFlagFilter, "outcome", "source", "gateway")
    search_fields = ("=reference", "=transaction_id", "=attempt__request__dossier__code")
    date_hierarchy = "received_at"

    def get_readonly_fields(self, request, obj=None):
        # The message as received, as tables (the raw JSON field has no read-only widget worth showing).
        return [f for f in super().get_readonly_fields(request, obj) if f != "body"] + ["message"]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description=_("nội dung"))
    def message(self, obj: PaymentNotice):
        return readable_json(obj.body)
