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

from motcua.core.formatting import money

from . import banks, vietqr
from .models import ReceivingAccount

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


# The online-payment share page hangs on the Payment admin (ADR 0034).
from . import admin_reports  # noqa: E402, F401
