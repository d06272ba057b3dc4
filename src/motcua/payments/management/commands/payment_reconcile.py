"""`motcua payment_reconcile [--limit N] [--every MINUTES]`: reconcile online payments with the platform.

Every attempt still without a confirmation past MOTCUA_PAYMENT_QUERY_AFTER_MINUTES is queried (QUERY, contract
§8); what the platform says goes through the same checks as a posted confirmation (reference, partner, amount,
never paid twice), mismatches are flagged for an officer, and attempts the platform never heard of expire after
MOTCUA_PAYMENT_EXPIRE_AFTER_HOURS. Run it from cron or a systemd timer, or keep it running with --every.
"""

from __future__ import annotations

import threading

from django.db import Error as DatabaseError

from motcua.core.management.base import MotcuaCommand, UsageError
from motcua.integrations.management.commands.outbox_worker import stop_on_signals
from motcua.payments import services
from motcua.payments.models import PaymentNotice

LABELS = {
    "queried": "đã tra cứu",
    PaymentNotice.Outcome.ACCEPTED: "ghi nhận đã thanh toán",
    PaymentNotice.Outcome.FAILED: "không thành công",
    PaymentNotice.Outcome.PENDING: "chưa có kết quả",
    "expired": "hết hạn",
    PaymentNotice.Outcome.DUPLICATE: "đã ghi nhận trước",
    "unreachable": "không tra cứu được",
}


class Command(MotcuaCommand):
    help = "Đối soát các lượt thanh toán trực tuyến chưa nhận được xác nhận với nền tảng thanh toán."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="số lượt tra cứu mỗi lần (mặc định 500)")
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            help="chạy lặp lại sau mỗi chừng ấy phút (mặc định: chạy một lần)",
        )

    def handle(self, *args, limit: int, every: float, **opts):
        if not 1 <= limit <= 100000:
            raise UsageError("--limit phải từ 1 đến 100000")
        if every and not 0 < every <= 24 * 60:
            raise UsageError("--every phải lớn hơn 0 và không quá 1440 phút")
        stop = threading.Event()
        with stop_on_signals(stop):
            while True:
                self.once(limit)
                if not every or stop.wait(every * 60):
                    break

    def once(self, limit: int) -> None:
        try:
            counts = services.reconcile(limit=limit, progress=self.progress)
        except DatabaseError as exc:
            raise UsageError(f"Lỗi cơ sở dữ liệu ({type(exc).__name__}); hãy chạy lại sau.") from exc
        parts = [f"{LABELS.get(k, k)} {counts[k]}" for k in LABELS if counts.get(k)]
        flagged = {k: v for k, v in counts.items() if k not in LABELS}
        parts += [
            f"{PaymentNotice.Outcome(k).label.lower()} {v} (cần cán bộ xem)" for k, v in flagged.items()
        ]
        self.stdout.write(
            "Đối soát: " + (", ".join(parts) if parts else "không có lượt nào cần tra cứu") + "."
        )

    def progress(self, n: int, total: int) -> None:
        if total >= 50 and (n % 50 == 0 or n == total):
            self.stderr.write(f"  {n}/{total}")
