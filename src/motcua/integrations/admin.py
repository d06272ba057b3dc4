"""Outbox in the Django admin: dead letters and the messages they block (filter with counts, the blocking
message and its error beside each blocked one, a warning on the list), and a "retry now" action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.core.admin import EstimatedCountPaginator, readable_json, truncated

from .models import OutboxMessage
from .selectors import blocked, queue_status, with_blocker
from .worker import retry_now

Status = OutboxMessage.Status


def request_queue_status(request):
    """`queue_status()` once per page: the warning and the filter's counts both show it."""
    if not hasattr(request, "_motcua_queue_status"):
        request._motcua_queue_status = queue_status()
    return request._motcua_queue_status


class TroubleFilter(admin.SimpleListFilter):
    title = _("sự cố gửi")
    parameter_name = "trouble"

    def lookups(self, request, model_admin):
        status = request_queue_status(request)
        return [
            ("dead", _("Gửi lỗi, dừng thử lại (%(n)d)") % {"n": status.dead}),
            ("blocked", _("Bị chặn sau bản tin lỗi cùng khóa (%(n)d)") % {"n": status.blocked}),
        ]

    def queryset(self, request, queryset):
        if self.value() == "dead":
            return queryset.filter(status=Status.DEAD)
        if self.value() == "blocked":
            return queryset.filter(pk__in=blocked().values("pk"))
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "topic",
        "key",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "short_error",
        "blocked_by",
    )
    list_filter = (TroubleFilter, "status", "topic")
    search_fields = ("key", "idempotency_key", "topic")
    search_help_text = _("Tìm theo khóa (mã hồ sơ), khóa chống gửi trùng hoặc loại bản tin")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    actions = ["retry_selected"]
    list_per_page = 50
    # Every dossier change writes a message: the table is large between purges; never counted whole.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fields = readonly_fields = (
        "topic",
        "key",
        "idempotency_key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "delivered_at",
        "payload_view",
    )

    def get_queryset(self, request):
        queryset = with_blocker(super().get_queryset(request))
        if request.resolver_match and request.resolver_match.url_name.endswith("_changelist"):
            queryset = queryset.defer("payload")  # the list shows no payload; a dossier's is kilobytes
        return queryset

    def changelist_view(self, request, extra_context=None):
        status = request_queue_status(request)
        if status.dead and request.method == "GET":
            self.message_user(request, status.describe(), messages.WARNING)
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("số bản tin"), ordering="id")
    def number(self, obj: OutboxMessage) -> int:
        return obj.pk

    @admin.display(description=_("lỗi gần nhất"))
    def short_error(self, obj: OutboxMessage) -> str:
        return truncated(obj.last_error, 80)

    @admin.display(description=OutboxMessage._meta.get_field("payload").verbose_name)
    def payload_view(self, obj: OutboxMessage):
        return readable_json(obj.payload)

    @admin.display(description=_("bị chặn bởi"))
    def blocked_by(self, obj: OutboxMessage) -> str:
        if obj.status != Status.PENDING or obj.blocked_by is None:
            return ""
        return truncated(f"#{obj.blocked_by}: {obj.blocked_error or ''}", 60)

    @admin.action(description=_("Gửi lại ngay (bản tin lỗi hoặc đang chờ, kèm bản tin lỗi đang chặn chúng)"))
    def retry_selected(self, request, queryset):
        # A blocked message waits for the dead one of its key: retrying it means retrying that one too.
        chosen = OutboxMessage.objects.filter(
            Q(pk__in=queryset.values("pk")) | Q(key__in=queryset.values("key"), status=Status.DEAD)
        )
        count = retry_now(chosen)
        self.message_user(request, _("Đã đặt %(n)d bản tin gửi lại ngay.") % {"n": count}, messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        # Messages are written only by services, in the transaction of the change they report.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read-only: retried with the action, removed with delete, never edited
