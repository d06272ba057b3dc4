"""Electronic results in the Django admin: read only. Who revoked what, when and why shows here; revoking
goes through the officer's dossier page or the API (`results.revoke`: the leader of the issuing agency)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Result


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "issuing_agency", "signed_by", "signed_at", "revoked_at", "revoked_by")
    list_filter = ("issuing_agency",)
    search_fields = ("=code",)  # no search by the owner's ID number: personal data stays out of lists
    date_hierarchy = "signed_at"
    ordering = ("-id",)
    list_select_related = ("issuing_agency", "revoked_by")
    # The private file has no URL (the API hands it out after the dossier's check); the owner's ID number
    # stays out of the admin.
    HIDDEN = ("file", "owner_id_number")

    def get_fields(self, request, obj=None):
        names = [f.name for f in self.model._meta.fields if not f.primary_key and f.name not in self.HIDDEN]
        return [*names, "stored_file"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("tệp lưu trữ (riêng tư)"))
    def stored_file(self, obj: Result) -> str:
        return obj.file.name

    def has_add_permission(self, request) -> bool:
        return False  # issued only by completing a dossier, signed in that transaction

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked results stay stored for the retention period (Nghị định 45/2020)
