"""`motcua outbox_worker [--once] [--batch N] [--sleep S]`: deliver the transactional outbox."""

from __future__ import annotations

import signal
import threading

from motcua.access.idempotency import purge_idempotency_records
from motcua.core.management.base import MotcuaCommand, UsageError
from motcua.integrations.worker import OutboxWorker


class Command(MotcuaCommand):
    help = "Gửi các bản tin trong hàng đợi outbox (webhook), thử lại có giãn cách, chuyển vào hàng lỗi khi hết lượt."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="gửi những bản tin đến hạn rồi thoát")
        parser.add_argument("--batch", type=int, default=50, help="số bản tin nhận mỗi lượt (mặc định 50)")
        parser.add_argument(
            "--sleep", type=float, default=5.0, help="giây nghỉ khi không có việc (mặc định 5)"
        )

    def handle(self, *args, once: bool, batch: int, sleep: float, **opts):
        if not 1 <= batch <= 1000:
            raise UsageError("--batch phải từ 1 đến 1000")
        if not 0 < sleep <= 3600:
            raise UsageError("--sleep phải lớn hơn 0 và không quá 3600 giây")
        worker = OutboxWorker(batch=batch, say=lambda text: self.stderr.write(text))
        if once:
            stats = worker.run_once()
            self.stdout.write(
                f"Đã gửi {stats.delivered}, hẹn gửi lại {stats.retried}, chuyển hàng lỗi {stats.dead}."
            )
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(f"Outbox worker đang chạy (lô {batch}, nghỉ {sleep:g} s); Ctrl+C để dừng.")
        worker.run_forever(sleep=sleep, stop=stop, purge=purge_idempotency_records)
        self.stdout.write("Đã dừng.")
