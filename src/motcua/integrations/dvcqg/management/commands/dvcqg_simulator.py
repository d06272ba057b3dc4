"""`motcua dvcqg_simulator --port N [--data DIR]`: the local National Public Service Portal (contract §7)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from motcua.core.management.base import MotcuaCommand, UsageError
from motcua.integrations.dvcqg.simulator import Simulator, make_server


def share(value: str) -> float:
    number = float(value)
    if not 0 <= number <= 1:
        raise ValueError(value)
    return number


class Command(MotcuaCommand):
    help = (
        "Chạy Cổng Dịch vụ công quốc gia mô phỏng (contract §7) để phát triển và kiểm thử: kiểm tra, lưu hồ sơ "
        "nhận được, có thể giả lập lỗi."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--data", default="", help="thư mục lưu (mặc định VAR_DIR/dvcqg-simulator)")
        parser.add_argument("--fail", type=share, default=0.0, help="tỉ lệ lần gọi trả lỗi, 0-1")
        parser.add_argument(
            "--timeout-after-store",
            type=share,
            default=0.0,
            help="tỉ lệ lần gọi lưu xong rồi trả lời quá muộn",
        )
        parser.add_argument("--late-seconds", type=float, default=30.0, help="trả lời muộn bao nhiêu giây")
        parser.add_argument("--session-ttl", type=float, default=3600.0, help="thời hạn phiên, giây")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--quiet", action="store_true", help="không in từng yêu cầu")

    def handle(self, *args, **opts):
        if not 0 < opts["port"] < 65536:
            raise UsageError(f"--port phải từ 1 đến 65535, nhận được {opts['port']}.")
        if not (settings.DVCQG_USERNAME and settings.DVCQG_PASSWORD):
            raise UsageError(
                "Chưa đặt MOTCUA_DVCQG_USERNAME và MOTCUA_DVCQG_PASSWORD: Cổng mô phỏng cần tài khoản."
            )
        if opts["session_ttl"] <= 0 or opts["late_seconds"] < 0:
            raise UsageError("--session-ttl phải dương và --late-seconds không âm.")
        data = Path(opts["data"]) if opts["data"] else settings.VAR_DIR / "dvcqg-simulator"
        app = Simulator(
            data,
            username=settings.DVCQG_USERNAME,
            password=settings.DVCQG_PASSWORD,
            madonvi=settings.DVCQG_MADONVI,
            fail=opts["fail"],
            timeout_after_store=opts["timeout_after_store"],
            session_ttl=opts["session_ttl"],
            seed=opts["seed"],
        )
        app.faults["late_seconds"] = opts["late_seconds"]
        try:
            server = make_server(app, opts["host"], opts["port"], quiet=opts["quiet"])
        except OSError as exc:
            raise UsageError(f"Không mở được cổng {opts['host']}:{opts['port']}: {exc.strerror}.") from exc
        self.stdout.write(f"Cổng DVCQG mô phỏng tại http://{opts['host']}:{opts['port']}/ (lưu tại {data})")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
