"""Django admin for the directory: units, agencies, counters, staff roles, applicants, calendar."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

from motcua.calendar.core import parse_windows
from motcua.core.admin import person
from motcua.core.names import full_name

from .models import (
    AdminUnit,
    Agency,
    AgencyIdentifier,
    Applicant,
    CalendarDay,
    Counter,
    StaffAssignment,
)


@admin.register(AdminUnit)
class AdminUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "division_type", "parent", "valid_from", "valid_to")
    list_filter = ("level", "division_type", "valid_from")
    # name_folded makes 'nghe an' find 'Nghệ An' in the admin search box as well.
    search_fields = ("code", "name", "name_folded", "codename")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("name_folded",)
    list_per_page = 50


class AgencyIdentifierInline(admin.TabularInline):
    model = AgencyIdentifier
    extra = 0


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0
    fields = ("number", "name", "is_active")


class WorkingWindowsField(forms.CharField):
    """Working hours as people write them, "07:00-11:30, 13:30-17:00", stored as [["07:00", "11:30"], ...]."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _(
                "Các khung giờ cách nhau bởi dấu phẩy, ví dụ 07:00-11:30, 13:30-17:00; để trống: giờ mặc định."
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(f"{start}-{end}" for start, end in value)
        return value

    def to_python(self, value) -> list[list[str]]:
        text = super().to_python(value).replace("–", "-")
        if not text.strip():
            return []
        pairs = [part.split("-") for part in text.replace(";", ",").split(",") if part.strip()]
        try:
            windows = parse_windows([[t.strip() for t in pair] for pair in pairs])
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
        return [[f"{start:%H:%M}", f"{end:%H:%M}"] for start, end in windows]


class AgencyForm(forms.ModelForm):
    working_windows = WorkingWindowsField(label=Agency._meta.get_field("working_windows").verbose_name)

    class Meta:
        model = Agency
        fields = "__all__"  # noqa: DJ007 (the ModelAdmin chooses the fields shown)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = AgencyForm
    list_display = ("identifier", "name", "level", "kind", "province", "phone", "is_active")
    # Only the provinces some agency is in, not all 3,400 administrative units.
    list_filter = ("level", "kind", "is_active", ("province", admin.RelatedOnlyFieldListFilter))
    search_fields = ("identifier", "name", "name_folded", "short_name", "identifiers__identifier")
    list_select_related = ("province",)
    autocomplete_fields = ("parent", "admin_unit", "province")
    readonly_fields = ("name_folded",)
    inlines = (AgencyIdentifierInline, CounterInline)


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ("agency", "number", "name", "is_active")
    list_filter = ("is_active", "agency")
    search_fields = ("name", "agency__name", "agency__identifier")
    list_select_related = ("agency",)
    autocomplete_fields = ("agency",)
    filter_horizontal = ("fields",)


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    list_display = ("officer", "role", "agency", "counter", "title")
    list_filter = ("role", "agency")
    search_fields = (
        "user__username",
        "user__first_name",
        "user__last_name",
        "agency__name",
        "agency__identifier",
    )
    list_select_related = ("user", "agency", "counter__agency")
    autocomplete_fields = ("user", "agency", "counter")

    @admin.display(description=_("cán bộ"), ordering="user__last_name")
    def officer(self, obj: StaffAssignment) -> str:
        return person(obj.user)


class StaffAssignmentInline(admin.TabularInline):
    model = StaffAssignment
    extra = 0
    fields = ("agency", "role", "counter", "title")
    autocomplete_fields = ("agency", "counter")


class ApplicantInline(admin.StackedInline):
    model = Applicant
    extra = 0
    max_num = 1
    autocomplete_fields = ("admin_unit",)


PERMISSION_ACTIONS = {"add": _("thêm"), "change": _("sửa"), "delete": _("xóa"), "view": _("xem")}


def permission_label(permission: Permission) -> str:
    """'Hồ sơ và quy trình xử lý | hồ sơ | xem' instead of the English name Django stores ('Can view dossier')."""
    model = permission.content_type.model_class()
    action = permission.codename.split("_", 1)[0]
    if (
        model is None
        or action not in PERMISSION_ACTIONS
        or permission.codename != f"{action}_{model._meta.model_name}"
    ):
        return str(permission)
    return (
        f"{model._meta.app_config.verbose_name} | {model._meta.verbose_name} | {PERMISSION_ACTIONS[action]}"
    )


class PermissionLabels:
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.related_model is Permission:
            field.label_from_instance = permission_label
        return field


User = get_user_model()
for model in (User, Group):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Group)
class GroupAdmin(PermissionLabels, BaseGroupAdmin):
    pass


@admin.register(User)
class UserAdmin(PermissionLabels, BaseUserAdmin):
    """The stock user admin plus the roles (and citizen record) that give an account its permissions.

    Names family name first: motcua keeps "Trần Thị" in last_name and "Lan" in first_name (core.names).
    """

    inlines = (StaffAssignmentInline, ApplicantInline)
    list_display = ("username", "name", "email", "is_staff", "is_active", "last_login")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Thông tin cá nhân"), {"fields": ("last_name", "first_name", "email")}),
        (
            _("Quyền trên trang quản trị"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Mốc thời gian"), {"fields": ("last_login", "date_joined")}),
    )
    NAME_LABELS = {"last_name": _("họ và tên đệm"), "first_name": _("tên")}

    @admin.display(description=_("Họ và tên"), ordering="last_name")
    def name(self, obj) -> str:
        return full_name(obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        for field, label in self.NAME_LABELS.items():
            if field in form.base_fields:
                form.base_fields[field].label = label
        return form


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    list_display = ("full_name", "kind", "id_number", "tax_code", "phone", "email", "user")
    list_per_page = 50
    list_filter = ("kind",)
    search_fields = ("full_name", "id_number", "tax_code", "phone", "email", "user__username")
    list_select_related = ("user",)
    autocomplete_fields = ("user", "admin_unit")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name", "agency", "source")
    list_filter = ("kind", "agency", "source")
    date_hierarchy = "date"
    search_fields = ("name",)
    list_select_related = ("agency",)
    autocomplete_fields = ("agency",)
