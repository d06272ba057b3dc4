"""`motcua outbox_worker [--once] [--batch N] [--sleep S]`: deliver the transactional outbox.

SIGTERM and SIGINT stop it promptly: the message in flight is finished, the leases of the rest are given back.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

from django.core.management.base import CommandError
from django.db import Error as DatabaseError

from motcua.access.idempotency import purge_idempotency_records
from motcua.core.management.base import MotcuaCommand, UsageError
from motcua.integrations.selectors import queue_status
from motcua.integrations.worker import OutboxWorker


@contextmanager
def stop_on_signals(stop: threading.Event):
    """Set `stop` on SIGTERM/SIGINT while the block runs (handlers exist only in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Command(MotcuaCommand):
    help = (
        "Gửi các bản tin trong hàng đợi outbox (webhook; Cổng DVCQG; thông báo thư điện tử, SMS cho người nộp), "
        "thử lại có "
        "giãn cách, chuyển vào hàng lỗi khi hết lượt."
    )

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
        stop = threading.Event()
        with stop_on_signals(stop):
            if once:
                self.once(worker, stop)
                return
            self.stdout.write(f"Outbox worker đang chạy (lô {batch}, nghỉ {sleep:g} s); Ctrl+C để dừng.")
            worker.run_forever(sleep=sleep, stop=stop, purge=purge_idempotency_records)
        self.stdout.write("Đã dừng.")

    def once(self, worker: OutboxWorker, stop: threading.Event) -> None:
        try:
            stats = worker.run_once(stop)
            status = queue_status()
        except DatabaseError as exc:
            raise CommandError(
                f"Lỗi cơ sở dữ liệu ({type(exc).__name__}); các bản tin chưa gửi vẫn chờ, hãy chạy lại sau.",
                returncode=2,
            ) from exc
        self.stdout.write(
            f"Đã gửi {stats.delivered}, hẹn gửi lại {stats.retried}, chuyển hàng lỗi {stats.dead}. "
            + status.describe()
        )
