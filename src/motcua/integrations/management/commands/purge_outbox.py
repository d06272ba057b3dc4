"""`motcua purge_outbox [--days D]`: delete delivered outbox messages older than D days (never pending or dead)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from motcua.core.management.base import MotcuaCommand, UsageError
from motcua.integrations.worker import purge_delivered


class Command(MotcuaCommand):
    help = (
        "Xoá các bản tin outbox đã gửi xong quá hạn lưu (mặc định MOTCUA_OUTBOX_RETENTION_DAYS ngày); "
        "không bao giờ xoá bản tin đang chờ hoặc lỗi."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=float,
            default=None,
            help="số ngày giữ lại (mặc định theo MOTCUA_OUTBOX_RETENTION_DAYS)",
        )

    def handle(self, *args, days: float | None, **opts):
        if days is None:
            days = settings.OUTBOX_RETENTION_DAYS
        if not 0 < days <= 36500:
            raise UsageError("--days phải lớn hơn 0 và không quá 36500")
        removed = purge_delivered(older_than=timedelta(days=days))
        self.stdout.write(f"Đã xoá {removed} bản tin outbox đã gửi quá {days:g} ngày.")
