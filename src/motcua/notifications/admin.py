"""Notices in the Django admin: what was sent to whom (masked), what failed and why, and a "send again" action
for the failed ones (it retries their outbox messages)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from motcua.integrations.models import OutboxMessage
from motcua.integrations.worker import retry_now

from .models import Notification

Status = Notification.Status


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "dossier_code",
        "event_seq",
        "kind",
        "channel",
        "recipient",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "error",
    )
    list_filter = ("status", "channel", "kind")
    search_fields = ("=dossier__code",)
    date_hierarchy = "created_at"
    ordering = ("-id",)
    actions = ["send_again"]
    list_select_related = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if not f.primary_key]

    @admin.display(description=Notification._meta.get_field("dossier").verbose_name, ordering="dossier_id")
    def dossier_code(self, obj: Notification) -> str:
        return obj.dossier_id  # the code itself (to_field="code"): no join

    @admin.action(description=_("Gửi lại ngay các thông báo gửi lỗi"))
    def send_again(self, request, queryset):
        keys = list(queryset.filter(status__in=[Status.FAILED, Status.DEAD]).values_list("key", flat=True))
        count = retry_now(OutboxMessage.objects.filter(idempotency_key__in=keys))
        Notification.objects.filter(key__in=keys, status=Status.DEAD).update(status=Status.FAILED)
        self.message_user(request, _("Đã đặt %(n)d thông báo gửi lại ngay.") % {"n": count}, messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        # Notices are planned only from dossier changes, in their transaction.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # The record of what the applicant was told is history.
        return False
