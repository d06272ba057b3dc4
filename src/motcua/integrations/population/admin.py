"""The population lookup audit log in the admin (system administrators only, like the whole admin): read-only,
filtered by purpose, outcome and date. Lists show the personal ID masked; the whole number only on a row's
own page, for the audit that needs it."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from motcua.core.admin import EstimatedCountPaginator, ReadOnlyAdminMixin
from motcua.core.masking import mask_id_number

from .models import Lookup


@admin.register(Lookup)
class LookupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "at",
        "username",
        "masked_id",
        "purpose",
        "outcome",
        "mismatch",
        "error_code",
        "dossier_code",
    )
    list_filter = ("purpose", "outcome", "at")
    # Never by personal ID: the admin's search goes into the address (?q=), and IDs never do.
    search_fields = ("=username", "=dossier__code", "=transaction")
    search_help_text = _("Tìm theo tài khoản người tra cứu, mã hồ sơ hoặc mã giao dịch của nền tảng")
    date_hierarchy = "at"
    ordering = ("-at", "-id")
    list_select_related = ("dossier",)
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fields = (
        "at",
        "username",
        "user",
        "id_number",
        "purpose",
        "reference",
        "dossier",
        "outcome",
        "mismatched",
        "error_code",
        "transaction",
    )

    @admin.display(description=_("số định danh"), ordering="id_number")
    def masked_id(self, obj: Lookup) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description=_("trường không khớp"))
    def mismatch(self, obj: Lookup) -> str:
        names = {"name": _("họ và tên"), "birth_date": _("ngày sinh")}
        return ", ".join(str(names.get(f, f)) for f in obj.mismatched or []) or "–"

    @admin.display(description=_("hồ sơ"), ordering="dossier__code")
    def dossier_code(self, obj: Lookup) -> str:
        return obj.dossier.code if obj.dossier_id else "–"
