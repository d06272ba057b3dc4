"""`motcua outbox_replay [--topic PREFIX] [--key CODE] [--dry-run]`: put dead outbox messages back to pending."""

from __future__ import annotations

import re

from django.db.models import Q

from motcua.core.management.base import MotcuaCommand, UsageError
from motcua.integrations.models import OutboxMessage
from motcua.integrations.worker import retry_now

TOKEN = re.compile(r"^[0-9A-Za-z._:-]+$")


class Command(MotcuaCommand):
    help = (
        "Đưa các bản tin trong hàng lỗi (đã dừng thử lại) về hàng chờ gửi, với lượt thử mới; lọc theo loại bản "
        "tin (tiền tố) và mã hồ sơ."
    )

    def add_arguments(self, parser):
        parser.add_argument("--topic", default="", help="tiền tố loại bản tin, ví dụ dvcqg. hoặc notify.")
        parser.add_argument("--key", default="", help="mã hồ sơ (hoặc khóa thứ tự của bản tin)")
        parser.add_argument("--dry-run", action="store_true", help="chỉ đếm, không thay đổi gì")

    def handle(self, *args, topic: str, key: str, dry_run: bool, **opts):
        for name, value in (("--topic", topic), ("--key", key)):
            if value and not TOKEN.match(value):
                raise UsageError(f"{name} chỉ gồm chữ, số và các dấu . _ : -, nhận được {value!r}.")
        dead = OutboxMessage.objects.filter(status=OutboxMessage.Status.DEAD)
        if topic:
            dead = dead.filter(topic__startswith=topic)
        if key:
            # A dossier's messages are keyed by its code, or by "{channel}:{code}" (notices, the portal).
            dead = dead.filter(Q(key=key) | Q(key__endswith=f":{key}"))
        if dry_run:
            self.stdout.write(f"Có {dead.count()} bản tin lỗi sẽ được gửi lại (chạy thử, chưa thay đổi gì).")
            return
        count = retry_now(dead)
        self.stdout.write(f"Đã đưa {count} bản tin lỗi về hàng chờ gửi; outbox worker sẽ gửi lại.")
