"""`motcua purge_idempotency [--hours H]`: forget stored Idempotency-Key responses older than H hours."""

from __future__ import annotations

from datetime import timedelta

from motcua.access.idempotency import RETENTION, purge_idempotency_records
from motcua.core.management.base import MotcuaCommand, UsageError


class Command(MotcuaCommand):
    help = "Xoá các phản hồi Idempotency-Key đã lưu quá hạn (mặc định 24 giờ)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=RETENTION.total_seconds() / 3600)

    def handle(self, *args, hours: float, **opts):
        if hours <= 0:
            raise UsageError("--hours phải lớn hơn 0")
        removed = purge_idempotency_records(older_than=timedelta(hours=hours))
        self.stdout.write(f"Đã xoá {removed} bản ghi Idempotency-Key.")
