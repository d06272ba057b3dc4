"""Django admin for the catalogue: fields, procedures with all their parts, read-only versions.

Saves go through `catalog.services` as imports do: folded search columns (services.save_procedure)
before the save, a new version snapshot (services.snapshot) after the inlines are saved.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from motcua.core.admin import ReadOnlyAdminMixin

from . import services
from .models import (
    Field,
    LegalBasis,
    Procedure,
    ProcedureCase,
    ProcedureChannel,
    ProcedureComponent,
    ProcedureFee,
    ProcedureForm,
    ProcedureResult,
    ProcedureStep,
    ProcedureVersion,
)


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name", "name_folded")

    def save_model(self, request, obj: Field, form, change: bool) -> None:
        services.save_field(obj, renamed=change and "name" in form.changed_data)


class _Inline(admin.TabularInline):
    extra = 0


class CaseInline(_Inline):
    model = ProcedureCase
    fields = ("order", "code", "name")


class StepInline(admin.StackedInline):
    model = ProcedureStep
    extra = 0
    fields = ("order", "title", "description")


class ChannelInline(_Inline):
    model = ProcedureChannel
    fields = ("channel", "processing_time", "time_unit", "fee", "description")


class ComponentInline(_Inline):
    model = ProcedureComponent
    fields = (
        "order",
        "code",
        "name",
        "case",
        "originals",
        "copies",
        "required",
        "form_code",
        "replaceable_by_data",
        "digitise_required",
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "case":
            # Only the cases of the procedure being edited.
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = (
                ProcedureCase.objects.filter(procedure_id=object_id)
                if object_id
                else ProcedureCase.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class FormInline(_Inline):
    model = ProcedureForm
    fields = ("code", "name", "url")


class FeeInline(_Inline):
    model = ProcedureFee
    fields = ("kind", "amount", "channel", "description", "exemption")


class ResultInline(_Inline):
    model = ProcedureResult
    fields = ("code", "name", "paper_required")


class LegalBasisInline(_Inline):
    model = LegalBasis
    fields = ("number", "title", "issued_on", "effective_on")


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "field", "online_level", "publication_state", "version")
    list_filter = (
        "field",
        "online_level",
        "at_ministry",
        "at_province",
        "at_district",
        "at_commune",
        "publication_state",
        "kind",
    )
    list_select_related = ("field",)
    search_fields = ("code", "name", "name_folded")
    filter_horizontal = ("agencies",)
    readonly_fields = ("version", "updated_at")
    inlines = (
        CaseInline,
        StepInline,
        ChannelInline,
        ComponentInline,
        FormInline,
        FeeInline,
        ResultInline,
        LegalBasisInline,
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "code",
                    "local_code",
                    "name",
                    "field",
                    "kind",
                    "publication_state",
                    "published_at",
                    "version",
                    "updated_at",
                )
            },
        ),
        (
            _("Cấp và cơ quan thực hiện"),
            {
                "fields": (
                    "at_ministry",
                    "at_province",
                    "at_district",
                    "at_commune",
                    "vertical_sector",
                    "agencies",
                )
            },
        ),
        (
            _("Thời hạn, đối tượng, điều kiện"),
            {"fields": ("processing_time", "time_unit", "time_note", "subjects", "requirements")},
        ),
        (_("Dịch vụ công trực tuyến"), {"fields": ("online_level", "eligible_full_online")}),
        (
            _("Quyết định công bố"),
            {
                "fields": (
                    "announcement_number",
                    "announcement_date",
                    "announcement_kind",
                    "announcing_agency",
                )
            },
        ),
    )

    def get_search_results(self, request, queryset, search_term: str):
        # Accent-insensitive: 'dang ky khai sinh' finds 'Đăng ký khai sinh' through name_folded.
        from motcua.core.text import fold

        return super().get_search_results(request, queryset, fold(search_term) or search_term)

    def save_model(self, request, obj: Procedure, form, change: bool) -> None:
        services.save_procedure(obj)

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # After agencies and every inline are saved: one version per content change, as imports do.
        services.snapshot(form.instance)


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("procedure", "number", "effective_from", "effective_to", "created_at")
    list_select_related = ("procedure",)
    search_fields = ("procedure__code", "procedure__name_folded")
