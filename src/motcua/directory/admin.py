"""Django admin for the directory: units, agencies, counters, staff roles, applicants, calendar."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

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
    verbose_name = _("mã định danh (lịch sử)")
    verbose_name_plural = _("lịch sử mã định danh")


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0
    fields = ("number", "name", "is_active")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("identifier", "name", "level", "kind", "province", "phone", "is_active")
    list_filter = ("level", "kind", "is_active", "province")
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
    list_display = ("user", "role", "agency", "counter", "title")
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


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """The stock user admin plus the roles (and citizen record) that give an account its permissions."""

    inlines = (StaffAssignmentInline, ApplicantInline)


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    list_display = ("full_name", "kind", "id_number", "tax_code", "phone", "email", "user")
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
