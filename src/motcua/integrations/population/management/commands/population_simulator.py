"""`motcua population_simulator --port N`: the local stand-in for the population database lookup (ADR 0026)."""

from __future__ import annotations

from django.conf import settings

from motcua.core.management.base import MotcuaCommand, UsageError
from motcua.integrations.population.simulator import Platform, make_server


class Command(MotcuaCommand):
    help = (
        "Serve a local stand-in for the integration platform's population database lookup, seeded with the "
        "demo citizens (development, tests). --port 0 takes a free port; the first line printed names it."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, **opts):
        if not 0 <= opts["port"] < 65536:
            raise UsageError(f"--port phải từ 0 đến 65535, nhận được {opts['port']}.")
        secret = settings.POPULATION_CLIENT_SECRET
        if not secret:
            raise UsageError(
                "Chưa đặt MOTCUA_POPULATION_CLIENT_SECRET: nền tảng tích hợp cần mật khẩu của ứng dụng."
            )
        app = Platform(client_id=settings.POPULATION_CLIENT_ID, client_secret=secret)
        try:
            server = make_server(app, opts["host"], opts["port"])
        except OSError as exc:
            raise UsageError(f"Không mở được cổng {opts['host']}:{opts['port']}: {exc.strerror}.") from exc
        url = f"http://{opts['host']}:{server.server_port}"
        self.stdout.write(
            f"CSDL quốc gia về dân cư (mô phỏng nền tảng tích hợp) tại {url}/ "
            f"(client_id {app.client_id}, {len(app.residents)} công dân mẫu)"
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
