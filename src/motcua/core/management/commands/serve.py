"""`motcua serve`: the production server, granian in WSGI mode (ASGI measured 6-17x slower, stack.md §4.1)."""

from __future__ import annotations

import os
import shutil
import sys

from django.conf import settings

from motcua.core.management.base import MotcuaCommand, UsageError


class Command(MotcuaCommand):
    help = "Serve motcua with granian (WSGI)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
        parser.add_argument("--threads", type=int, default=2, help="blocking threads per worker")
        parser.add_argument("--demo-banner", action="store_true", help="print the demo accounts first")

    def handle(self, *args, **opts):
        if not 0 < opts["port"] < 65536:
            raise UsageError(f"port must be 1-65535, got {opts['port']}")
        if opts["workers"] < 1:
            raise UsageError("--workers must be at least 1")
        granian = shutil.which("granian", path=os.path.dirname(sys.executable)) or shutil.which("granian")
        if granian is None:
            raise UsageError("granian is not installed in this environment (pip install granian)")
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        if opts["demo_banner"]:
            self.stdout.write(
                "\nmotcua đang chạy tại http://{host}:{port}/  (API: /api/v1/docs, quản trị: /admin/)\n"
                "Tài khoản demo (mật khẩu: demo):\n"
                "  admin       quản trị hệ thống\n"
                "  tiepnhan    cán bộ tiếp nhận một cửa, Trung tâm PVHCC tỉnh\n"
                "  chuyenvien  chuyên viên xử lý tại sở\n"
                "  lanhdao     lãnh đạo sở (phê duyệt, ký)\n"
                "  congdan     công dân\n".format(host=opts["host"], port=opts["port"])
            )
        self.stdout.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
        os.environ.setdefault("MOTCUA_HOME", str(settings.PROJECT_DIR))
        argv = [
            granian,
            "--interface",
            "wsgi",
            "--host",
            opts["host"],
            "--port",
            str(opts["port"]),
            "--workers",
            str(opts["workers"]),
            "--blocking-threads",
            str(opts["threads"]),
            "motcua.wsgi:application",
        ]
        os.execv(granian, argv)
