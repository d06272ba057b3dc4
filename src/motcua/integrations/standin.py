"""The HTTP server of the national systems' stand-ins (the VNeID provider, the portal simulator, the population
platform, the payment platform), and the checks they share: standard-library WSGI, one thread per request, so that they need nothing installed and start fast.

Its request log has the method, the path and the status only: bodies carry personal data, query strings codes
and states.
"""

from __future__ import annotations

import re
import socketserver
import sqlite3
import threading
import wsgiref.simple_server
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
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


class Refused(Exception):
    """A stand-in refusing a call: `code` is the answer's error code in the protocol it plays."""

    def __init__(self, code, message: str):
        super().__init__(message)
        self.code = code


_STAMP = re.compile(r"^\d{14}$")


def stamp_ok(value: Any) -> bool:
    """Whether `value` is a real `yyyyMMddHHmmss` time (24-hour clock), as the national systems exchange."""
    if not isinstance(value, str) or not _STAMP.match(value):
        return False
    try:
        datetime.strptime(value, "%Y%m%d%H%M%S")
    except ValueError:
        return False
    return True


class Store:
    """A stand-in's own SQLite file (it outlives restarts, as the real system's data does), with one writer at a
    time and a table of counters for its `/_sim/stats`. `schema`: the stand-in's own tables."""

    COUNTERS = "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"

    def __init__(self, path: Path, schema: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(schema + "\n" + self.COUNTERS)
        self.lock = threading.Lock()

    def transaction(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                result = work(self.db)
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
            return result

    def read(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.db.execute(sql, params).fetchall()

    def bump(self, name: str, by: int = 1, db: sqlite3.Connection | None = None) -> None:
        """Add to a counter: inside the caller's transaction `db`, else in one of its own."""
        if db is None:
            self.transaction(lambda db: self.bump(name, by, db))
            return
        db.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
            (name, by),
        )

    def counters(self) -> dict[str, int]:
        with self.lock:
            return {row[0]: row[1] for row in self.db.execute("SELECT name, value FROM counters").fetchall()}
