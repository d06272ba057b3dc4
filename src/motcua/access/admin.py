"""Django admin for API tokens: listed, filtered by state and revoked (they are issued with `motcua issue_token`)."""

from __future__ import annotations

import axes.admin  # registers axes' pages now, before the lines below change them
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.admin import person

from .models import ApiToken
from .tokens import revoke_api_tokens

# Neither table is written here (AXES_DISABLE_ACCESS_LOG; no failure log): two empty pages would only confuse.
for model in (AccessLog, AccessFailureLog, AccessAttempt):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(axes.admin.AccessAttemptAdmin):
    """axes' list of locked usernames and addresses, with Vietnamese headers for its two computed columns."""

    @admin.display(description=_("tình trạng"))
    def status(self, obj: AccessAttempt) -> str:
        return super().status(obj)

    @admin.display(description=_("hết hạn lúc"))
    def expiration(self, obj: AccessAttempt):
        return super().expiration(obj)


TOKEN_STATES = {"active": _("Còn hiệu lực"), "expired": _("Đã hết hạn"), "revoked": _("Đã thu hồi")}


class TokenStateFilter(admin.SimpleListFilter):
    title = _("trạng thái")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return tuple(TOKEN_STATES.items())

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(revoked=False, expires_at__gt=now)
        if self.value() == "expired":
            return queryset.filter(revoked=False, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked=True)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are issued with `motcua issue_token`; here they can only be revoked."""

    list_display = ("prefix", "owner", "created_at", "last_used_at", "expires_at", "state_label")
    list_filter = (TokenStateFilter, "expires_at", "created_at")
    search_fields = ("prefix", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("user", "prefix", "key_hash", "created_at", "last_used_at", "expires_at", "revoked")
    date_hierarchy = "created_at"
    actions = ("revoke",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=ApiToken._meta.get_field("user").verbose_name, ordering="user__username")
    def owner(self, obj: ApiToken) -> str:
        return person(obj.user)

    @admin.display(description=_("trạng thái"))
    def state_label(self, obj: ApiToken) -> str:
        return TOKEN_STATES[obj.state]

    @admin.action(description=_("Thu hồi các mã truy cập đã chọn"), permissions=["delete"])
    def revoke(self, request, queryset) -> None:
        n = revoke_api_tokens(queryset)
        self.message_user(request, _("Đã thu hồi %(n)d mã truy cập.") % {"n": n}, messages.SUCCESS)
