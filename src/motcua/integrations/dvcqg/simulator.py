"""A stand-in for the National Public Service Portal (contract §7) for development, tests and benchmarks.

It speaks the protocol (`/auth`, `/integration`, `/share`) and checks what it receives: the fields a dossier
must carry, the dossier code's format, real `yyyyMMddHHmmss` dates on a 24-hour clock, `TrangThaiHoSo` 1-10,
`isUpdating` "true" only for a dossier it holds and "false" only for one it does not, progress only for held
dossiers, and the order of states: a state older than the one it holds is refused (older = fewer distinct
QuaTrinhXuLy lines, or an earlier latest ThoiDiemXuLy). A call is atomic: one bad item and nothing is stored.

What it stores lives in a SQLite file (`--data`), so it survives restarts: per MaHoSo the current HoSo and an
append-only log of every store (service, status, line count, whether it repeated the state held). Faults can be
injected by flags or at run time (`POST /_sim/faults`): a share of calls fails (storing nothing), a share
answers only after the client's timeout (having stored), sessions expire. `GET /_sim/dossiers/{MaHoSo}` and
`GET /_sim/stats` are for tests. Its log holds dossier codes and counts, never personal data.
"""

from __future__ import annotations

import json
import logging
import random
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer

from motcua.integrations import standin

from . import sim_catalogue

log = logging.getLogger(__name__)

CODE = re.compile(r"^[0-9A-Z]+(\.[0-9A-Z]+)*-\d{6}-\d{4,7}$")
REQUIRED = (
    "MaHoSo",
    "MaTTHC",
    "TenTTHC",
    "MaLinhVuc",
    "KenhThucHien",
    "ChuHoSo",
    "LoaiDoiTuong",
    "SoGiayToChuHoSo",
    "TrichYeuHoSo",
    "TrangThaiHoSo",
    "MaDinhDanh",
    "DonViXuLy",
    "QuaTrinhXuLy",
)
# Received: required once the dossier has been accepted (not for 1 new online, 3 refused at reception,
# 7 withdrawn before acceptance). The due date only "where it applies" (contract §7): a procedure the law
# gives no time limit (e.g. environmental registration, which is only recorded) has none.
RECEIVED_STATUSES = frozenset({2, 4, 5, 6, 8, 9, 10})
DATE_FIELDS = (
    "NgayNopHoSo",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "NgayTra",
    "NgayTuChoi",
)
LINE_DATES = ("ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh")
SCHEMA = """
CREATE TABLE IF NOT EXISTS hoso (
    ma TEXT PRIMARY KEY, data TEXT NOT NULL, status INTEGER NOT NULL, lines INTEGER NOT NULL,
    latest TEXT NOT NULL, stored_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY, ma TEXT NOT NULL, service TEXT NOT NULL, status INTEGER NOT NULL,
    lines INTEGER NOT NULL, latest TEXT NOT NULL, repeat INTEGER NOT NULL, call INTEGER NOT NULL, at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS log_ma ON log (ma, id);
"""


def _line_key(line: dict) -> str:
    # Two lines with the same fields are one line sent twice (a repeated call).
    return json.dumps(line, sort_keys=True, ensure_ascii=False)


def _merge_lines(held: list[dict], new: Iterable[dict]) -> list[dict]:
    seen = {_line_key(line) for line in held}
    merged = list(held)
    for line in new:
        key = _line_key(line)
        if key not in seen:
            seen.add(key)
            merged.append(line)
    return merged


def _latest(lines: list[dict]) -> str:
    return max((line.get("ThoiDiemXuLy", "") for line in lines), default="")


def check_lines(lines: Any, code: str) -> list[dict]:
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise standin.Refused(2, f"{code}: QuaTrinhXuLy phải là danh sách")
    for line in lines:
        if line.get("MaHoSo") != code:
            raise standin.Refused(2, f"{code}: QuaTrinhXuLy.MaHoSo khác mã hồ sơ")
        if not standin.stamp_ok(line.get("ThoiDiemXuLy")):
            raise standin.Refused(2, f"{code}: QuaTrinhXuLy.ThoiDiemXuLy không đúng yyyyMMddHHmmss")
        for name in LINE_DATES[1:]:
            if line.get(name) and not standin.stamp_ok(line[name]):
                raise standin.Refused(2, f"{code}: QuaTrinhXuLy.{name} không đúng yyyyMMddHHmmss")
        status = line.get("TrangThai")
        if status is not None and not (isinstance(status, int) and 1 <= status <= 10):
            raise standin.Refused(2, f"{code}: QuaTrinhXuLy.TrangThai phải từ 1 đến 10")
    return lines


def check_status(value: Any, code: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise standin.Refused(2, f"{code}: TrangThaiHoSo phải là số nguyên từ 1 đến 10")
    return value


def check_code(item: Any) -> str:
    if not isinstance(item, dict):
        raise standin.Refused(2, "mỗi phần tử data phải là một đối tượng HoSo")
    code = item.get("MaHoSo")
    if not isinstance(code, str) or not CODE.match(code):
        raise standin.Refused(2, "MaHoSo không đúng định dạng {mã đơn vị}-{yymmdd}-{số thứ tự}")
    return code


def check_hoso(item: dict) -> tuple[str, int, list[dict]]:
    code = check_code(item)
    missing = [name for name in REQUIRED if item.get(name) in (None, "")]
    status = check_status(item.get("TrangThaiHoSo"), code)
    if status in RECEIVED_STATUSES:
        missing += [name for name in ("NgayTiepNhan",) if not item.get(name)]
    if missing:
        raise standin.Refused(2, f"{code}: thiếu trường {', '.join(missing)}")
    for name in DATE_FIELDS:
        if item.get(name) and not standin.stamp_ok(item[name]):
            raise standin.Refused(2, f"{code}: {name} không đúng yyyyMMddHHmmss")
    return code, status, check_lines(item.get("QuaTrinhXuLy"), code)


class Store(standin.Store):
    """The simulator's SQLite file; every call is one transaction."""

    def __init__(self, path: Path):
        super().__init__(path, SCHEMA)


class Simulator:
    """The WSGI application."""

    def __init__(
        self,
        data: Path,
        *,
        username: str,
        password: str,
        madonvi: str = "",
        fail: float = 0.0,
        timeout_after_store: float = 0.0,
        session_ttl: float = 3600.0,
        slow_seconds: float = 0.0,
        seed: int | None = None,
    ):
        self.store = Store(Path(data) / "dvcqg-simulator.sqlite3")
        self.username, self.password, self.madonvi = username, password, madonvi
        self.faults = {
            "fail": fail,
            "timeout_after_store": timeout_after_store,
            "session_ttl": session_ttl,
            "slow_seconds": slow_seconds,
            "late_seconds": 30.0,
        }
        self.sessions: dict[str, float] = {}
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()

    def chance(self, share: float) -> bool:
        with self.rng_lock:
            return share > 0 and self.rng.random() < share

    # -- WSGI ----------------------------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        try:
            if method == "POST" and path == "/auth":
                status, body = 200, self.auth(environ, _body(environ))
            elif method == "POST" and path == "/integration":
                status, body = self.integration(_body(environ))
            elif method == "POST" and path == "/share":
                status, body = 200, self.share(_body(environ))
            elif method == "POST" and path == "/_sim/reset":
                status, body = 200, self.reset()
            elif method == "POST" and path == "/_sim/faults":
                status, body = 200, self.set_faults(_body(environ))
            elif method == "GET" and path == "/_sim/stats":
                status, body = 200, self.stats()
            elif method == "GET" and path.startswith("/_sim/dossiers/"):
                found = self.dossier(path.rsplit("/", 1)[1])
                status, body = (200, found) if found else (404, {"error_code": 404, "message": "không có"})
            else:
                status, body = 404, {"error_code": 404, "message": "không có dịch vụ này"}
        except _BadBody:
            status, body = 400, {"error_code": 400, "message": "nội dung không phải JSON"}
        data = json.dumps(body, ensure_ascii=False).encode()
        start_response(
            f"{status} {'OK' if status == 200 else 'Error'}",
            [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))],
        )
        return [data]

    # -- protocol ------------------------------------------------------------------------------------------------

    def auth(self, environ: dict, body: dict) -> dict:
        dstcode = environ.get("HTTP_DSTCODE", "")
        if (
            body.get("username") != self.username
            or body.get("password") != self.password
            or not dstcode
            or (self.madonvi and dstcode != self.madonvi)
        ):
            return {"error_code": 403, "message": "sai tài khoản, mật khẩu hoặc dstcode"}
        session = secrets.token_urlsafe(24)
        now = time.monotonic()
        self.sessions = {s: t for s, t in self.sessions.items() if t > now}
        self.sessions[session] = now + float(self.faults["session_ttl"])
        return {"error_code": 0, "session": session}

    def _session_ok(self, body: dict) -> bool:
        expires = self.sessions.get(body.get("session") or "")
        return expires is not None and expires > time.monotonic()

    def share(self, body: dict) -> dict:
        if not self._session_ok(body):
            return {"error_code": 401, "message": "phiên đã hết hạn"}
        return sim_catalogue.handle(body)

    def integration(self, body: dict) -> tuple[int, dict]:
        if not self._session_ok(body):
            self.store.transaction(lambda db: self.store.bump("expired", db=db))
            return 200, {"error_code": 401, "message": "phiên đã hết hạn"}
        if self.chance(float(self.faults["fail"])):
            # A failure stores nothing: half of them as an error code, half as HTTP 500.
            http500 = self.chance(0.5)
            self.store.transaction(lambda db: self.store.bump("failed", db=db))
            return (
                (500, {"error_code": 500, "message": "lỗi máy chủ"})
                if http500
                else (
                    200,
                    {"error_code": 99, "message": "hệ thống đang bận, gửi lại sau"},
                )
            )
        service, data = body.get("service"), body.get("data")
        if not isinstance(data, list) or not data:
            return 200, {"error_code": 2, "message": "data phải là danh sách HoSo không rỗng"}
        late = self.chance(float(self.faults["timeout_after_store"]))
        try:
            if service == "DongBoHoSoMC":
                if body.get("isUpdating") not in ("true", "false"):
                    raise standin.Refused(2, 'isUpdating phải là "true" hoặc "false"')
                stored = self.store.transaction(
                    lambda db: self._store(db, service, data, body["isUpdating"] == "true", late)
                )
            elif service == "CapNhatTienDoHoSoMC":
                stored = self.store.transaction(lambda db: self._store(db, service, data, None, late))
            else:
                raise standin.Refused(404, "không có dịch vụ này")
        except standin.Refused as exc:
            counter = "refused_older" if exc.code == 4 else "refused"
            self.store.transaction(lambda db: self.store.bump(counter, db=db))
            log.info("dvcqg-simulator: từ chối %s: %s", service, exc)
            return 200, {"error_code": exc.code, "message": str(exc)}
        if self.faults["slow_seconds"]:
            time.sleep(float(self.faults["slow_seconds"]))
        if late:
            # Stored, but the answer comes after the client has given up (it will repeat the call).
            time.sleep(float(self.faults.get("late_seconds", 0) or 0) or 30.0)
        return 200, {"error_code": 0, "message": f"đã lưu {stored} hồ sơ"}

    def _store(self, db, service: str, data: list, updating: bool | None, late: bool) -> int:
        seen: set[str] = set()
        writes = []
        for item in data:
            if service == "DongBoHoSoMC":
                code, status, lines = check_hoso(item)
            else:
                code = check_code(item)
                status = check_status(item.get("TrangThaiHoSo"), code)
                if item.get("NgayHenTra") and not standin.stamp_ok(item["NgayHenTra"]):
                    raise standin.Refused(2, f"{code}: NgayHenTra không đúng yyyyMMddHHmmss")
                lines = check_lines(item.get("QuaTrinhXuLy", []), code)
            if code in seen:
                raise standin.Refused(2, f"{code}: mã hồ sơ lặp lại trong cùng một lần gọi")
            seen.add(code)
            row = db.execute("SELECT data, lines, latest FROM hoso WHERE ma = ?", (code,)).fetchone()
            if updating is True and row is None:
                raise standin.Refused(3, f'{code}: isUpdating "true" cho hồ sơ Cổng chưa có')
            if updating is False and row is not None:
                raise standin.Refused(3, f'{code}: isUpdating "false" cho hồ sơ Cổng đã có')
            if updating is None and row is None:
                raise standin.Refused(3, f"{code}: cập nhật tiến độ cho hồ sơ Cổng chưa có")
            held = json.loads(row[0]) if row else None
            if service == "DongBoHoSoMC":
                record = dict(item)
                record["QuaTrinhXuLy"] = _merge_lines([], lines)
            else:
                record = dict(held)
                record["TrangThaiHoSo"] = status
                if item.get("NgayHenTra"):
                    record["NgayHenTra"] = item["NgayHenTra"]
                record["QuaTrinhXuLy"] = _merge_lines(held.get("QuaTrinhXuLy", []), lines)
                if service == "CapNhatTienDoHoSoMC" and lines and _latest(lines) < row[2]:
                    raise standin.Refused(4, f"{code}: tiến độ cũ hơn trạng thái Cổng đang giữ")
            count, latest = len(record["QuaTrinhXuLy"]), _latest(record["QuaTrinhXuLy"])
            repeat = False
            if row is not None:
                if (count, latest) < (row[1], row[2]):
                    raise standin.Refused(4, f"{code}: trạng thái cũ hơn trạng thái Cổng đang giữ")
                repeat = (count, latest) == (row[1], row[2])
            writes.append((code, record, status, count, latest, repeat))
        now = time.time()
        call = db.execute("SELECT COALESCE(MAX(call), 0) + 1 FROM log").fetchone()[0]
        db.executemany(
            "INSERT INTO hoso (ma, data, status, lines, latest, stored_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (ma) DO UPDATE SET data = excluded.data, status = excluded.status, "
            "lines = excluded.lines, latest = excluded.latest, stored_at = excluded.stored_at",
            [(c, json.dumps(r, ensure_ascii=False), s, n, lt, now) for c, r, s, n, lt, _rep in writes],
        )
        db.executemany(
            "INSERT INTO log (ma, service, status, lines, latest, repeat, call, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(c, service, s, n, lt, int(rep), call, now) for c, _r, s, n, lt, rep in writes],
        )
        self.store.bump("calls_stored", db=db)
        self.store.bump("items_stored", len(writes), db)
        self.store.bump("repeats", sum(1 for w in writes if w[5]), db)
        if late:
            self.store.bump("late_calls", db=db)
            self.store.bump("late_items", len(writes), db)
        return len(writes)

    # -- control and inspection ------------------------------------------------------------------------------------

    def set_faults(self, body: dict) -> dict:
        for name in ("fail", "timeout_after_store", "session_ttl", "slow_seconds", "late_seconds"):
            if name in body:
                self.faults[name] = float(body[name])
        if body.get("expire_sessions"):
            self.sessions.clear()
        return {"error_code": 0, "faults": self.faults}

    def reset(self) -> dict:
        """Forget every dossier, log line and counter (tests), and every session."""
        self.store.transaction(
            lambda db: [db.execute(f"DELETE FROM {t}") for t in ("hoso", "log", "counters")]
        )
        self.sessions.clear()
        return {"error_code": 0}

    def stats(self) -> dict:
        counters = self.store.counters()
        with self.store.lock:
            held = self.store.db.execute("SELECT COUNT(*) FROM hoso").fetchone()[0]
        return {"error_code": 0, "dossiers": held, "counters": counters, "faults": self.faults}

    def dossier(self, code: str) -> dict | None:
        with self.store.lock:
            row = self.store.db.execute("SELECT data FROM hoso WHERE ma = ?", (code,)).fetchone()
            log_rows = self.store.db.execute(
                "SELECT service, status, lines, latest, repeat, call FROM log WHERE ma = ? ORDER BY id",
                (code,),
            ).fetchall()
        if row is None:
            return None
        return {
            "error_code": 0,
            "hoso": json.loads(row[0]),
            "log": [
                {"service": s, "status": st, "lines": n, "latest": lt, "repeat": bool(rep), "call": c}
                for s, st, n, lt, rep, c in log_rows
            ],
        }


class _BadBody(Exception):
    pass


def _body(environ: dict) -> dict:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
    except (ValueError, OSError) as exc:
        raise _BadBody from exc
    if not isinstance(body, dict):
        raise _BadBody
    return body


# ---------------------------------------------------------------------------------------------- server


def make_server(app: Simulator, host: str, port: int, *, quiet: bool = False) -> WSGIServer:
    return standin.make_server(app, host, port, tag="dvcqg", quiet=quiet)
