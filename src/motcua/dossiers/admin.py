"""Django admin for dossiers: a read-mostly view. State changes go through services, never through admin."""

from __future__ import annotations

from django.contrib import admin

from motcua.core.admin import ReadOnlyAdminMixin

from .models import Dossier, DossierComponent, DossierEvent, DossierFee, DossierFile, Workflow, WorkflowStep


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = DossierEvent
    fields = ("seq", "at", "actor_name", "action", "from_status", "to_status", "due_at", "note", "reason")
    readonly_fields = fields
    ordering = ("seq",)


class ComponentInline(ReadOnlyInline):
    model = DossierComponent
    fields = ("code", "name", "copies", "required", "digitised")
    readonly_fields = fields


class FileInline(ReadOnlyInline):
    model = DossierFile
    fields = (
        "name",
        "component",
        "content_type",
        "size",
        "sha256",
        "uploaded_at",
        "uploaded_by",
        "event_seq",
    )
    readonly_fields = fields


class FeeInline(ReadOnlyInline):
    model = DossierFee
    fields = ("name", "kind", "amount", "paid_at")
    readonly_fields = fields


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "applicant_name",
        "procedure",
        "agency",
        "status",
        "channel",
        "received_at",
        "due_at",
    )
    list_filter = ("status", "channel", "agency", "current_agency")
    search_fields = ("code", "applicant_name", "applicant_name_folded", "applicant_id_number")
    date_hierarchy = "submitted_at"
    list_select_related = ("procedure", "agency")
    inlines = (ComponentInline, FileInline, FeeInline, EventInline)
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # Every field: the lifecycle services are the only writers (ADR 0004).
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DossierEvent)
class DossierEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("dossier", "seq", "at", "actor_name", "action", "from_status", "to_status")
    list_filter = ("action", "to_status")
    search_fields = ("dossier__code", "actor_name")
    list_select_related = ("dossier",)
    show_full_result_count = False


class WorkflowStepInline(admin.TabularInline):
    model = WorkflowStep
    extra = 1
    fields = ("order", "title", "agency", "role", "time", "assignee")
    autocomplete_fields = ("agency",)
    raw_id_fields = ("assignee",)


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    """Internal workflows are configuration: administrators edit them; `forward` without `to` follows them."""

    list_display = ("name", "agency", "procedure")
    list_filter = ("agency",)
    search_fields = ("name", "procedure__code", "procedure__name")
    autocomplete_fields = ("agency", "procedure")
    list_select_related = ("agency", "procedure")
    inlines = (WorkflowStepInline,)
