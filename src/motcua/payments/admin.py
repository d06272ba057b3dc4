"""Django admin for payments."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from unidecode import unidecode

from motcua.core.admin import ReadOnlyAdminMixin, readable_json
from motcua.core.formatting import money

from . import banks, vietqr
from .models import PaymentAttempt, PaymentNotice, PaymentRequest, ReceivingAccount, Refund

# ------------------------------------------------------------------------------------ receiving accounts
# ADR 0030. The bank is chosen from NAPAS's table, so a VietQR never names a BIN no bank answers to; the
# account number, name and tax code are brought to the shapes banks and receipts use.
SEPARATORS = re.compile(r"[\s.\-]+")
ACCOUNT_NAME_RE = re.compile(r"[A-Z0-9][A-Z0-9 .,&()/\-]*")
TAX_CODE_RE = re.compile(r"[0-9]{10}(-[0-9]{3})?")
PREVIEW_AMOUNT = 10000
PREVIEW_PURPOSE = "KIEM TRA"


class ReceivingAccountForm(forms.ModelForm):
    bank_bin = forms.ChoiceField(
        label=ReceivingAccount._meta.get_field("bank_bin").verbose_name,
        choices=lambda: [("", "---------"), *banks.choices()],
        help_text=_("Danh sách ngân hàng thành viên NAPAS nhận chuyển khoản VietQR."),
    )

    class Meta:
        model = ReceivingAccount
        fields = "__all__"  # noqa: DJ007 (the ModelAdmin chooses the fields shown)
        help_texts = {
            "bank_name": _("Để trống: tên ngân hàng theo danh sách NAPAS; có thể ghi thêm chi nhánh."),
            "account_number": _("Chỉ gồm chữ số (hoặc chữ cái), 6–19 ký tự; dấu cách, dấu chấm được bỏ."),
            "account_name": _("Tên chủ tài khoản như ngân hàng ghi: chữ in hoa không dấu."),
            "tax_code": _("10 chữ số, hoặc 10 chữ số, dấu gạch và 3 chữ số của đơn vị phụ thuộc."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_name"].required = False

    def clean_account_number(self) -> str:
        value = SEPARATORS.sub("", self.cleaned_data.get("account_number") or "")
        if not (6 <= len(value) <= 19 and vietqr.ACCOUNT_RE.fullmatch(value)):
            raise forms.ValidationError(
                _("Số tài khoản gồm 6 đến 19 chữ số hoặc chữ cái (VietQR cho phép tối đa 19)."),
                code="invalid",
            )
        return value

    def clean_account_name(self) -> str:
        # As the bank holds it and as banking apps show it: upper case, no diacritics (đ -> D).
        value = " ".join(unidecode(self.cleaned_data.get("account_name") or "").upper().split())
        if not ACCOUNT_NAME_RE.fullmatch(value):
            raise forms.ValidationError(
                _("Tên tài khoản chỉ gồm chữ cái, chữ số, dấu cách và . , & ( ) / -."), code="invalid"
            )
        return value

    def clean_tax_code(self) -> str:
        value = (self.cleaned_data.get("tax_code") or "").strip()
        if value and not TAX_CODE_RE.fullmatch(value):
            raise forms.ValidationError(
                _("Mã số thuế gồm 10 chữ số, hoặc 10 chữ số, dấu gạch và 3 chữ số."), code="invalid"
            )
        return value

    def clean(self):
        data = super().clean()
        bank = banks.by_bin(data.get("bank_bin") or "")
        if bank is not None and not (data.get("bank_name") or "").strip():
            data["bank_name"] = bank.name
        return data


@admin.register(ReceivingAccount)
class ReceivingAccountAdmin(admin.ModelAdmin):
    form = ReceivingAccountForm
    list_display = (
        "agency",
        "bank",
        "account_number",
        "account_name",
        "receipt_series",
        "receipt_last_number",
    )
    search_fields = ("agency__name", "agency__identifier", "account_number", "account_name")
    list_select_related = ("agency",)
    autocomplete_fields = ("agency",)
    fields = (
        "agency",
        "bank_bin",
        "bank_name",
        "account_number",
        "account_name",
        "tax_code",
        "receipt_form",
        "receipt_series",
        "receipt_last_number",
        "vietqr_preview",
    )

    def get_readonly_fields(self, request, obj=None):
        # The last receipt number moves only with payments (under the account's row lock): set once, when
        # the account is created (the number reached on paper or in the former system), then read-only.
        return ("vietqr_preview", *(("receipt_last_number",) if obj is not None else ()))

    @admin.display(
        description=ReceivingAccount._meta.get_field("bank_name").verbose_name, ordering="bank_bin"
    )
    def bank(self, obj: ReceivingAccount) -> str:
        bank = banks.by_bin(obj.bank_bin)
        return f"{bank.short_name} ({obj.bank_bin})" if bank else obj.bank_bin

    @admin.display(description=_("mã VietQR thử"))
    def vietqr_preview(self, obj: ReceivingAccount | None):
        if obj is None or obj.pk is None:
            return _("Lưu tài khoản để xem mã VietQR thử.")
        try:
            payload = vietqr.build(obj.bank_bin, obj.account_number, PREVIEW_AMOUNT, PREVIEW_PURPOSE)
        except vietqr.ValidationFailed as exc:
            return exc.message
        # segno writes only path data: nothing from the account reaches the markup but the escaped text.
        code = vietqr.qr(payload).svg_inline(border=vietqr.QUIET_ZONE, scale=4, lineclass=None)
        return format_html(
            "{}<br>{}",
            mark_safe(code),  # noqa: S308
            _(
                "Quét bằng ứng dụng ngân hàng để kiểm tra ngân hàng, số và tên tài khoản "
                "(mã thử %(amount)s, không chuyển tiền)."
            )
            % {"amount": money(PREVIEW_AMOUNT, get_language() or "vi")},
        )


# ------------------------------------------------------------------------------------- payment records
# Read-only lists an administrator or auditor searches by reference or dossier code and filters by state,
# outcome or flag. Nothing is written or deleted here: payments, refunds and resolutions go through
# `payments.services` (the officers' pages), which keep the dossier's history. Lists show no personal data
# (the payer's name is on the payment's own page only).
class PaymentsReadOnly(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        return [f for f in super().get_readonly_fields(request, obj) if f != "id"]  # the row's own number

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


# The online-payment share page hangs on the Payment admin (ADR 0034): that admin registers `Payment`.
from . import admin_reports  # noqa: E402, F401
