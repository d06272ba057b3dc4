"""`motcua payment_simulator --port N`: the local national payment platform (contract §8, ADR 0029)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from motcua.core.management.base import MotcuaCommand, UsageError
from motcua.payments.simulator import Platform, make_server

CALLBACK_PATH = "/api/v1/payments/callback"
RETURN_PATH = "/thanh-toan/ket-qua/"


def _http(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class Command(MotcuaCommand):
    help = (
        "Chạy nền tảng thanh toán trực tuyến mô phỏng (contract §8) để phát triển và kiểm thử: nhận INIT, trang "
        "thanh toán, gửi xác nhận về motcua, trả lời QUERY; có thể giả lập lỗi. --port 0 chọn cổng trống."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--partner", default="", help="MaDoiTac (mặc định MOTCUA_PAYMENT_PARTNER)")
        parser.add_argument("--secret", default="", help="khóa ký MaXacThuc (mặc định MOTCUA_PAYMENT_SECRET)")
        parser.add_argument(
            "--callback-url", default="", help=f"nơi gửi xác nhận (mặc định MOTCUA_SITE_URL{CALLBACK_PATH})"
        )
        parser.add_argument(
            "--return-url",
            default="",
            help=f"trang người nộp quay về (mặc định MOTCUA_SITE_URL{RETURN_PATH})",
        )
        parser.add_argument(
            "--data", default="", help="tệp SQLite (mặc định VAR_DIR/payment-simulator.sqlite3)"
        )
        parser.add_argument("--delay", type=float, default=0.0, help="gửi xác nhận sau bao nhiêu giây")
        parser.add_argument("--repeat", type=int, default=1, help="gửi mỗi xác nhận bao nhiêu lần")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--quiet", action="store_true", help="không in từng yêu cầu")

    def handle(self, *args, **opts):
        if not 0 <= opts["port"] < 65536:
            raise UsageError(f"--port phải từ 0 đến 65535, nhận được {opts['port']}.")
        partner = opts["partner"] or settings.PAYMENT_PARTNER
        secret = opts["secret"] or settings.PAYMENT_SECRET
        if not (partner and secret):
            raise UsageError(
                "Cần mã đối tác và khóa ký: --partner/--secret hoặc MOTCUA_PAYMENT_PARTNER/MOTCUA_PAYMENT_SECRET."
            )
        site = settings.SITE_URL
        callback = opts["callback_url"] or (f"{site}{CALLBACK_PATH}" if site else "")
        back = opts["return_url"] or (f"{site}{RETURN_PATH}" if site else "")
        for flag, value in (("--callback-url", callback), ("--return-url", back)):
            if not _http(value):
                raise UsageError(
                    f"{flag} phải là địa chỉ http(s) (hoặc đặt MOTCUA_SITE_URL), nhận được {value!r}."
                )
        if not 0 <= opts["delay"] <= 600:
            raise UsageError(f"--delay phải từ 0 đến 600 giây, nhận được {opts['delay']:g}.")
        if not 1 <= opts["repeat"] <= 100:
            raise UsageError(f"--repeat phải từ 1 đến 100, nhận được {opts['repeat']}.")
        data = Path(opts["data"]) if opts["data"] else settings.VAR_DIR / "payment-simulator.sqlite3"
        if data.is_dir():
            raise UsageError(f"--data là một tệp SQLite, không phải thư mục: {data}.")
        try:
            app = Platform(
                data,
                partners={partner: secret},
                callback_url=callback,
                return_url=back,
                delay=opts["delay"],
                repeat=opts["repeat"],
                seed=opts["seed"],
            )
        except Exception as exc:  # noqa: BLE001 (sqlite3 or the file system: one line, whatever it is)
            raise UsageError(f"Không mở được tệp dữ liệu {data}: {exc}.") from exc
        try:
            server = make_server(app, opts["host"], opts["port"], quiet=opts["quiet"])
        except OSError as exc:
            raise UsageError(f"Không mở được cổng {opts['host']}:{opts['port']}: {exc.strerror}.") from exc
        self.stdout.write(
            f"Nền tảng thanh toán mô phỏng tại http://{opts['host']}:{server.server_port}/ (đối tác {partner}; "
            f"xác nhận gửi đến {callback}; lưu tại {data})"
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
