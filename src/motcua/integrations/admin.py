"""Outbox in the Django admin: the dead-letter view (filter by status) and a "retry now" action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import OutboxMessage
from .worker import retry_now


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "topic",
        "key",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "short_error",
    )
    list_filter = ("status", "topic")
    search_fields = ("key", "idempotency_key", "topic")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    actions = ["retry_selected"]
    readonly_fields = (
        "topic",
        "key",
        "payload",
        "idempotency_key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "delivered_at",
    )

    @admin.display(description=_("lỗi gần nhất"))
    def short_error(self, obj: OutboxMessage) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Gửi lại ngay (bản tin lỗi hoặc đang chờ)"))
    def retry_selected(self, request, queryset):
        count = retry_now(queryset)
        self.message_user(request, _("Đã đặt %(n)d bản tin gửi lại ngay.") % {"n": count}, messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        # Messages are written only by services, in the transaction of the change they report.
        return False
