"""A test-only portal over real HTTP: /auth gives a session, /share answers through sim_catalogue.handle().

Until the portal simulator process (integrations/dvcqg/simulator.py) serves /share, the catalogue client is
tested against this small WSGI server; it speaks contract §7 for the catalogue services only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from wsgiref.simple_server import WSGIRequestHandler, make_server

from motcua.integrations.dvcqg import sim_catalogue


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):  # no access log on the test output
        pass


class Portal:
    def __init__(self):
        self.data: list[dict] | None = None  # None: the seeded national data set
        self.calls: list[dict] = []
        self.fail_services: set[str] = set()

    def app(self, environ, start_response):
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(size) or b"{}")
        path = environ["PATH_INFO"].rstrip("/")
        self.calls.append({"path": path, **body})
        if path.endswith("/auth"):
            answer = (
                {"error_code": 0, "session": "s-1"} if body.get("password") == "demo" else {"error_code": 1}
            )
        elif path.endswith("/share") and body.get("session") != "s-1":
            answer = {"error_code": 401}
        elif path.endswith("/share") and body.get("service") in self.fail_services:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"down"]
        elif path.endswith("/share"):
            answer = sim_catalogue.handle(body, self.data)
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such path"]
        data = json.dumps(answer, ensure_ascii=False).encode()
        start_response("200 OK", [("Content-Type", "application/json; charset=utf-8")])
        return [data]


@contextmanager
def running_portal() -> Iterator[tuple[str, Portal]]:
    portal = Portal()
    server = make_server("127.0.0.1", 0, portal.app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", portal
    finally:
        server.shutdown()
        server.server_close()
