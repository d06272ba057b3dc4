"""Django admin for dossiers: a read-mostly view. State changes go through services, never through admin."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from motcua.catalog.admin import procedure_cell
from motcua.core.admin import EstimatedCountPaginator, ReadOnlyAdminMixin, person, readable_json, truncated

from . import machine
from .models import Dossier, DossierComponent, DossierEvent, DossierFee, DossierFile, Workflow, WorkflowStep


def _verbose(model, field: str) -> str:
    return model._meta.get_field(field).verbose_name


class ActionFilter(admin.SimpleListFilter):
    title = _("thao tác")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(machine.LABELS.items(), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class EventDisplay:
    """Columns shared by the event list and the dossier's event inline."""

    @admin.display(description=_("thao tác"))
    def action_label(self, obj: DossierEvent) -> str:
        return machine.label_of(obj.action, obj.from_status)

    @admin.display(description=_verbose(DossierEvent, "data"))
    def data_view(self, obj: DossierEvent):
        return readable_json(obj.data)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class EventInline(EventDisplay, ReadOnlyInline):
    model = DossierEvent
    fields = (
        "seq",
        "at",
        "actor_name",
        "action_label",
        "from_status",
        "to_status",
        "due_at",
        "note",
        "reason",
        "data_view",
    )
    readonly_fields = fields
    ordering = ("seq",)


class ComponentInline(ReadOnlyInline):
    model = DossierComponent
    fields = ("code", "name", "copies", "required", "digitised")
    readonly_fields = fields


class FileInline(ReadOnlyInline):
    model = DossierFile
    fields = ("name", "component", "content_type", "size", "uploaded_at", "uploader", "event_seq")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("component", "uploaded_by")

    @admin.display(description=_verbose(DossierFile, "uploaded_by"))
    def uploader(self, obj: DossierFile) -> str:
        return person(obj.uploaded_by)


class FeeInline(ReadOnlyInline):
    model = DossierFee
    fields = ("name", "kind", "amount", "method", "reference", "paid_at")
    readonly_fields = fields


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "applicant_name",
        "procedure_name",
        "agency_name",
        "status",
        "channel",
        "received_at",
        "due_at",
    )
    list_filter = ("status", "channel", "agency", "current_agency")
    search_fields = ("code", "applicant_name", "applicant_name_folded", "applicant_id_number")
    date_hierarchy = "submitted_at"
    list_select_related = ("procedure", "agency")
    list_per_page = 50
    # A province keeps millions of dossiers: no COUNT(*) of the whole table on every page.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    inlines = (ComponentInline, FileInline, FeeInline, EventInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "code",
                    "procedure",
                    "procedure_version",
                    "case_code",
                    "summary",
                    "channel",
                    "status",
                    "paused_from_status",
                )
            },
        ),
        (
            _("Chủ hồ sơ"),
            {
                "fields": (
                    "applicant_kind",
                    "applicant_name",
                    "applicant_id_number",
                    "applicant_tax_code",
                    "applicant_birth_date",
                    "applicant_phone",
                    "applicant_email",
                    "applicant_address",
                    "authorised",
                    "authorised_name",
                    "authorised_id_number",
                    "applicant_account",
                    "vneid_verified",
                )
            },
        ),
        (
            _("Xử lý"),
            {
                "fields": (
                    "receiving_agency",
                    "agency",
                    "current_agency",
                    "assignee_name",
                    "step",
                    "step_due_at",
                    "result_name",
                    "digitised",
                )
            },
        ),
        (
            _("Thời hạn"),
            {
                "fields": (
                    "submitted_at",
                    "received_at",
                    "due_at",
                    "original_due_at",
                    "paused_at",
                    "finished_at",
                    "returned_at",
                    "refused_at",
                    "supplement_count",
                    "guidance_count",
                    "apology_count",
                    "apologized_at",
                    "due_at_before_apology",
                )
            },
        ),
        (_("Phí, lệ phí"), {"fields": ("fee_total", "fee_paid", "paid_online")}),
        (
            _("Thông tin kỹ thuật"),
            {"classes": ("collapse",), "fields": ("version", "idempotency_key", "created_at", "updated_at")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # Every field: the lifecycle services are the only writers (ADR 0004).
        return [f.name for f in self.model._meta.fields] + ["applicant_account", "assignee_name"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("_change"):
            # The change page shows these rows' names; the list does not need them.
            queryset = queryset.select_related(
                "procedure_version",
                "receiving_agency",
                "current_agency",
                "assignee",
                "applicant_user",
            )
        return queryset

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # nothing here is editable: a view, without a "save" button that saves nothing

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_verbose(Dossier, "procedure"), ordering="procedure__code")
    def procedure_name(self, obj: Dossier) -> str:
        return procedure_cell(obj.procedure)

    @admin.display(description=_verbose(Dossier, "agency"), ordering="agency__name")
    def agency_name(self, obj: Dossier) -> str:
        return truncated(obj.agency.name, 40)

    @admin.display(description=_verbose(Dossier, "assignee"))
    def assignee_name(self, obj: Dossier) -> str:
        return person(obj.assignee)

    @admin.display(description=_verbose(Dossier, "applicant_user"))
    def applicant_account(self, obj: Dossier) -> str:
        return person(obj.applicant_user)


@admin.register(DossierEvent)
class DossierEventAdmin(EventDisplay, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("dossier", "seq", "at", "actor_name", "action_label", "from_status", "to_status")
    list_filter = (ActionFilter, "to_status")
    search_fields = ("dossier__code", "actor_name")
    list_select_related = ("dossier",)
    list_per_page = 50
    # The largest table of all (several events per dossier): never counted whole.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    raw_id_fields = ("dossier", "actor", "agency")
    fields = (
        "dossier",
        "seq",
        "at",
        "actor_name",
        "actor_account",
        "action_label",
        "from_status",
        "to_status",
        "due_at",
        "agency",
        "note",
        "reason",
        "data_view",
    )

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("dossier", "actor", "agency")

    @admin.display(description=_verbose(DossierEvent, "actor"))
    def actor_account(self, obj: DossierEvent) -> str:
        return person(obj.actor)


class WorkflowStepInline(admin.TabularInline):
    model = WorkflowStep
    extra = 1
    fields = ("order", "title", "agency", "role", "time", "assignee")
    autocomplete_fields = ("agency", "assignee")


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    """Internal workflows are configuration: administrators edit them; `forward` without `to` follows them."""

    list_display = ("name", "agency", "procedure_name")
    list_filter = ("agency",)
    search_fields = ("name", "procedure__code", "procedure__name")
    autocomplete_fields = ("agency", "procedure")
    list_select_related = ("agency", "procedure")
    inlines = (WorkflowStepInline,)

    @admin.display(description=_verbose(Workflow, "procedure"), ordering="procedure__code")
    def procedure_name(self, obj: Workflow) -> str:
        return procedure_cell(obj.procedure) if obj.procedure else _("Mọi thủ tục của cơ quan")
