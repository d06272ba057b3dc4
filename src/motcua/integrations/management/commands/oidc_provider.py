"""`motcua oidc_provider --port N`: the local VNeID stand-in (contract §9) for development and tests."""

from __future__ import annotations

from django.conf import settings

from motcua.core.management.base import MotcuaCommand, UsageError
from motcua.integrations.vneid.provider import Provider, load_or_create_key, make_server


class Command(MotcuaCommand):
    help = "Serve a local OpenID Connect provider seeded with the demo citizens (development, tests)."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--issuer", default="", help="its own base URL (default http://HOST:PORT)")

    def handle(self, *args, **opts):
        if not 0 < opts["port"] < 65536:
            raise UsageError(f"--port phải từ 1 đến 65535, nhận được {opts['port']}.")
        secret = settings.OIDC_CLIENT_SECRET
        if not secret:
            raise UsageError(
                "Chưa đặt MOTCUA_OIDC_CLIENT_SECRET: nhà cung cấp định danh cần mật khẩu của ứng dụng."
            )
        issuer = opts["issuer"] or f"http://{opts['host']}:{opts['port']}"
        # One key for the life of the var dir: a restarted provider keeps the kid clients have cached.
        key = load_or_create_key(settings.VAR_DIR / "oidc-provider" / "signing-key.json")
        app = Provider(issuer=issuer, client_id=settings.OIDC_CLIENT_ID, client_secret=secret, key=key)
        try:
            server = make_server(app, opts["host"], opts["port"])
        except OSError as exc:
            raise UsageError(f"Không mở được cổng {opts['host']}:{opts['port']}: {exc.strerror}.") from exc
        self.stdout.write(
            f"Nhà cung cấp định danh VNeID (mô phỏng) tại {issuer}/ (client_id {app.client_id})"
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
