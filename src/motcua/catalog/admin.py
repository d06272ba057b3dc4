"""Django admin for the catalogue: fields, procedures with all their parts, read-only versions.

Saves go through `catalog.services` as imports do: folded search columns (services.save_procedure)
before the save, a new version snapshot (services.snapshot) after the inlines are saved.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from motcua.core.admin import LinesField, ReadOnlyAdminMixin, readable_json, truncated

from . import national, reductions, services
from .models import (
    Field,
    LegalBasis,
    NationalRecord,
    Procedure,
    ProcedureCase,
    ProcedureChannel,
    ProcedureComponent,
    ProcedureFee,
    ProcedureForm,
    ProcedureResult,
    ProcedureStep,
    ProcedureVersion,
    SearchSynonym,
)


def procedure_cell(procedure: Procedure, limit: int = 48) -> str:
    """'1.004222 Đăng ký thường trú': the name cut to fit a 1366 px table, whole on hover."""
    return format_html("{} {}", procedure.code, truncated(procedure.name, limit))


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name", "name_folded")

    def save_model(self, request, obj: Field, form, change: bool) -> None:
        services.save_field(obj, renamed=change and "name" in form.changed_data)


class _Inline(admin.TabularInline):
    extra = 0


def _cases_of_edited(request):
    """Only the cases of the procedure being edited (a component's or a fee's case)."""
    object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
    return ProcedureCase.objects.filter(procedure_id=object_id) if object_id else ProcedureCase.objects.none()


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
            kwargs["queryset"] = _cases_of_edited(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class FormInline(_Inline):
    model = ProcedureForm
    fields = ("code", "name", "url")


class ReductionsField(forms.CharField):
    """A fee row's reductions typed as in the spreadsheet: `Hộ nghèo: 100%; Người cao tuổi: 50%`."""

    widget = forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Ví dụ: Hộ nghèo: 100%; Người cao tuổi: 50% (100% = miễn)"))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, str) and value.strip().startswith("["):
            try:  # the JSON field's own rendering of the stored list
                value = json.loads(value)
            except json.JSONDecodeError:
                return value
        return reductions.format_cell(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[dict]:
        items, error = reductions.parse_cell(super().to_python(value))
        if error:
            raise forms.ValidationError(error)
        clean, problems = reductions.check(items)
        if problems:
            raise forms.ValidationError(problems)
        return clean


class FeeForm(forms.ModelForm):
    reductions = ReductionsField(label=ProcedureFee._meta.get_field("reductions").verbose_name)

    class Meta:
        model = ProcedureFee
        fields = ("kind", "amount", "channel", "case", "description", "exemption", "reductions")


class FeeInline(_Inline):
    model = ProcedureFee
    form = FeeForm
    fields = ("kind", "amount", "channel", "case", "description", "exemption", "reductions")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "case":
            kwargs["queryset"] = _cases_of_edited(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ResultInline(_Inline):
    model = ProcedureResult
    fields = ("code", "name", "paper_required")


class LegalBasisInline(_Inline):
    model = LegalBasis
    fields = ("number", "title", "issued_on", "effective_on")


class NationalRecordForm(forms.ModelForm):
    local_fields = forms.MultipleChoiceField(
        label=NationalRecord._meta.get_field("local_fields").verbose_name,
        choices=[(key, label) for key, label in national.LABELS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=NationalRecord._meta.get_field("local_fields").help_text,
    )

    class Meta:
        model = NationalRecord
        fields = ("local_fields",)


class NationalRecordInline(admin.StackedInline):
    """What the national database says, what differs from it here, and the fields the province keeps."""

    model = NationalRecord
    form = NationalRecordForm
    can_delete = False
    extra = 0
    max_num = 1
    verbose_name = verbose_name_plural = _("so với CSDLQG về TTHC")
    fields = ("source", "imported_at", "issuing_body", "differences", "unmatched", "local_fields")
    readonly_fields = ("source", "imported_at", "issuing_body", "differences", "unmatched")

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # written by the national imports only

    @admin.display(description=_("khác với CSDLQG"))
    def differences(self, obj: NationalRecord):
        entries = national.diff_of(obj.procedure, obj)["differences"]
        if not entries:
            return _("Không có khác biệt")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    d["label"],
                    national.show(d["local"], 120),
                    national.show(d["national"], 120),
                    _("cả hai cùng sửa") if d["conflict"] else _("đánh dấu giữ") if d["marked"] else "",
                )
                for d in entries
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>{}</tbody></table>",
            _("trường"),
            _("tại địa phương"),
            _("theo CSDLQG"),
            rows,
        )

    @admin.display(description=_("cơ quan thực hiện chưa khớp"))
    def unmatched(self, obj: NationalRecord) -> str:
        return "; ".join(f"{u['name']} ({u['reason']})" for u in obj.unmatched_agencies) or "–"


class ProcedureForm(forms.ModelForm):
    subjects = LinesField(
        label=Procedure._meta.get_field("subjects").verbose_name,
        help_text=_("Mỗi dòng một đối tượng, ví dụ: Công dân Việt Nam"),
    )

    class Meta:
        model = Procedure
        fields = "__all__"  # noqa: DJ007 (the ModelAdmin chooses the fields shown)


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    form = ProcedureForm
    list_display = ("code", "short_name", "field_name", "online_level", "publication_state", "version")
    list_per_page = 50
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
        NationalRecordInline,
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

    @admin.display(description=Procedure._meta.get_field("name").verbose_name, ordering="name")
    def short_name(self, obj: Procedure) -> str:
        return truncated(obj.name, 70)

    @admin.display(description=Procedure._meta.get_field("field").verbose_name, ordering="field__name")
    def field_name(self, obj: Procedure) -> str:
        return truncated(obj.field.name, 30)

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
    list_display = ("procedure_name", "number", "effective_from", "effective_to", "created_at")
    list_select_related = ("procedure",)
    search_fields = ("procedure__code", "procedure__name_folded")
    list_per_page = 50
    fields = ("procedure", "number", "effective_from", "effective_to", "created_at", "record_view")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(
        description=ProcedureVersion._meta.get_field("procedure").verbose_name, ordering="procedure__code"
    )
    def procedure_name(self, obj: ProcedureVersion) -> str:
        return procedure_cell(obj.procedure, 70)

    @admin.display(description=ProcedureVersion._meta.get_field("record").verbose_name)
    def record_view(self, obj: ProcedureVersion):
        return readable_json(obj.record)


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    """Local additions to the reviewed synonym list (catalog/data/search_synonyms.tsv); search sees a
    change at its next query (the synonyms are part of the search index's generation)."""

    list_display = ("phrase", "meaning", "note", "updated_at")
    search_fields = ("phrase", "meaning")
