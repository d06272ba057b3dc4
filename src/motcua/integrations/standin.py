"""The HTTP server of the national systems' stand-ins (the VNeID provider, the portal simulator, the population
platform): standard-library WSGI, one thread per request, so that they need nothing installed and start fast.

Its request log has the method, the path and the status only: bodies carry personal data, query strings codes
and states.
"""

from __future__ import annotations

import socketserver
import wsgiref.simple_server
from collections.abc import Callable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    # A relay sends batches from several workers at once; the default backlog of 5 refuses connections.
    request_queue_size = 128


class _Handler(WSGIRequestHandler):
    quiet = False
    tag = "stand-in"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        if self.quiet:
            return
        line = getattr(self, "requestline", "").split(" ")
        path = line[1].split("?", 1)[0] if len(line) > 1 else ""
        print(f"[{self.tag}] {line[0] if line else ''} {path} {args[1] if len(args) > 1 else ''}", flush=True)


def make_server(app: Callable, host: str, port: int, *, tag: str, quiet: bool = False) -> WSGIServer:
    handler = type("Handler", (_Handler,), {"quiet": quiet, "tag": tag})
    return wsgiref.simple_server.make_server(host, port, app, server_class=_Server, handler_class=handler)
