"""`motcua load_demo`: the demo data set (contract §3). Idempotent: a second run changes nothing."""

from __future__ import annotations

import time

from motcua.core.management.base import MotcuaCommand
from motcua.demo import services


class Command(MotcuaCommand):
    help = "Nạp dữ liệu minh họa: tỉnh Nghệ An, cơ quan, tài khoản, lịch, thủ tục hành chính (chạy lại không đổi gì)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--quiet-accounts", action="store_true", help="không in danh sách tài khoản minh họa ở cuối"
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()

        def progress(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        services.load_demo(progress)
        self.stdout.write(self.style.SUCCESS(f"Xong sau {time.monotonic() - started:.1f} giây."))
        if not options["quiet_accounts"]:
            self.stdout.write(f"Tài khoản minh họa (mật khẩu '{services.PASSWORD}'):")
            for username, what in services.account_table():
                self.stdout.write(f"  {username:<11} {what}")
