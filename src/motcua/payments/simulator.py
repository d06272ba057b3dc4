"""A stand-in for the national payment platform (contract §8, ADR 0029) for development, tests and the demo.

It speaks the protocol and checks what it receives as strictly as the contract allows:
- `POST /init`: every field of INIT and no other, each a string (ThongTinBienLai an object with the receipt's
  fields), the fixed values (INIT, 1.0.6, PAY, vi-VN, VND), SoTien whole đồng equal to the sum of DSKhoanNop,
  ThoiGianGD a real `yyyyMMddHHmmss`, Ip an address, a known MaDoiTac, a valid MaXacThuc and a MaThamChieu it has
  never seen. A refused INIT stores nothing and answers a MaLoi other than "00"; an accepted one answers
  `{"MaLoi": "00", "UrlThanhToan": "{own address}/pay/{token}"}` (a random token: no code, no personal data).
- `GET /pay/{token}`: the payer's page (amount, description, partner, a bank to choose, three buttons).
  Paid or failed: a signed confirmation is posted to the callback URL (in a background thread, after `delay`
  seconds, `repeat` times) and the browser is sent to the return URL with `?ref={MaThamChieu}`. Cancelled:
  no confirmation, the payer is only sent back.
- `POST /query`: a signed question; the answer carries a confirmation's fields signed like a confirmation,
  MaLoi "00" paid (the same MaGiaoDich), "01" pending, "02" failed, "03" cancelled, "04" unknown reference.

Attempts live in a SQLite file (`--data`), so they survive restarts; confirmations still waiting in a thread
do not (the partner's reconciliation queries them). Test hooks under `/_sim/`: `faults`, `reset`, `stats`,
`attempts/{MaThamChieu}`, `pay/{MaThamChieu}` (the buttons without a browser). Its log holds references, codes
and counts, never the receipt (the payer's name and ID number).
"""

from __future__ import annotations

import html
import ipaddress
import json
import logging
import random
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit
from wsgiref.simple_server import WSGIServer

import urllib3

from motcua.core.formatting import LOCAL_TZ, money
from motcua.integrations import standin
from motcua.payments.gateways.contrib.dvcqg import client, protocol

log = logging.getLogger(__name__)

# Outcomes (confirmation and query answer): the partner's client reads them (client.py).
PAID, PENDING, FAILED, CANCELLED, UNKNOWN = (
    "00",
    "01",
    client.FAILED,
    client.CANCELLED,
    client.UNKNOWN_REFERENCE,
)
# Refusals of INIT and QUERY (unsigned answers).
MALFORMED, BAD_SIGNATURE, UNKNOWN_PARTNER, DUPLICATE, BUSY = "10", "11", "12", "13", "99"
STATES = {"paid": PAID, "failed": FAILED, "cancelled": CANCELLED}
# What a button (or /_sim/pay) asks for: the state it leaves the attempt in.
OUTCOMES = {"paid": "paid", "failed": "failed", "abandoned": "cancelled"}
CONFIRMATION = "NOTIFY"  # LoaiBanTin of a confirmation: signed, never interpreted (contract §8)
BANKS = (
    ("VCB", "Vietcombank"),
    ("BIDV", "BIDV"),
    ("ICB", "VietinBank"),
    ("VBA", "Agribank"),
    ("TCB", "Techcombank"),
    ("MB", "MB"),
)
FIXED = {
    "LoaiBanTin": "INIT",
    "PhienBan": protocol.VERSION,
    "LoaiHinhThanhToan": "PAY",
    "NgonNgu": "vi-VN",
    "MaTienTe": "VND",
}
INIT_FIELDS = frozenset({*protocol.INIT_SIGNED, "ThongTinBienLai", "MaXacThuc"})
QUERY_FIELDS = frozenset({*protocol.QUERY_SIGNED, "MaXacThuc"})
RECEIPT_TEXT = ("MaHoSo", "MaTTHC", "TenTTHC", "MaDonVi", "TenDonVi", "HoTenNguoiNop")
REFERENCE = re.compile(r"^[A-Za-z0-9._-]{1,50}$")
AMOUNT = re.compile(r"^[1-9][0-9]{0,14}$")
MAX_BODY = 256 * 1024
SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    reference TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE, partner TEXT NOT NULL, amount TEXT NOT NULL,
    description TEXT NOT NULL, init_time TEXT NOT NULL, message TEXT NOT NULL, url TEXT NOT NULL,
    state TEXT NOT NULL,
    transaction_id TEXT NOT NULL DEFAULT '', bank_code TEXT NOT NULL DEFAULT '',
    finished_time TEXT NOT NULL DEFAULT '', created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS callbacks (
    id INTEGER PRIMARY KEY, reference TEXT NOT NULL, status INTEGER NOT NULL, answer TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS callbacks_reference ON callbacks (reference, id);
"""


def now_stamp() -> str:
    return datetime.now(LOCAL_TZ).strftime("%Y%m%d%H%M%S")


def check_init(body: Any) -> dict:
    """INIT's form and values, before partner and signature (MALFORMED)."""
    if not isinstance(body, dict):
        raise standin.Refused(MALFORMED, "Bản tin không phải một đối tượng JSON.")
    missing = sorted(INIT_FIELDS - body.keys())
    if missing:
        raise standin.Refused(MALFORMED, f"Thiếu trường {', '.join(missing)}.")
    extra = sorted(k for k in body if k not in INIT_FIELDS)
    if extra:
        raise standin.Refused(MALFORMED, f"Trường không có trong bản tin INIT: {', '.join(extra)[:200]}.")
    for name in (*protocol.INIT_SIGNED, "MaXacThuc"):
        if not isinstance(body[name], str):
            raise standin.Refused(MALFORMED, f"{name} phải là chuỗi.")
    for name, value in FIXED.items():
        if body[name] != value:
            raise standin.Refused(MALFORMED, f'{name} phải là "{value}".')
    for name in ("MaDoiTac", "MaKenhThanhToan", "MaThietBi", "ThongTinGiaoDich", "Ip"):
        if not body[name].strip():
            raise standin.Refused(MALFORMED, f"{name} không được để trống.")
    if not REFERENCE.match(body["MaThamChieu"]):
        raise standin.Refused(MALFORMED, "MaThamChieu: 1-50 chữ, số, dấu chấm, gạch.")
    if not AMOUNT.match(body["SoTien"]):
        raise standin.Refused(MALFORMED, "SoTien phải là số nguyên đồng lớn hơn 0, chỉ gồm chữ số.")
    if not standin.stamp_ok(body["ThoiGianGD"]):
        raise standin.Refused(MALFORMED, "ThoiGianGD không đúng yyyyMMddHHmmss.")
    if len(body["ThongTinGiaoDich"]) > 255 or max(len(body[n]) for n in protocol.INIT_SIGNED) > 255:
        raise standin.Refused(MALFORMED, "Một trường dài quá 255 ký tự.")
    try:
        ipaddress.ip_address(body["Ip"])
    except ValueError:
        raise standin.Refused(MALFORMED, "Ip không phải một địa chỉ IP.") from None
    check_receipt(body["ThongTinBienLai"], int(body["SoTien"]))
    return body


def check_receipt(receipt: Any, amount: int) -> None:
    if not isinstance(receipt, dict):
        raise standin.Refused(MALFORMED, "ThongTinBienLai phải là một đối tượng.")
    for name in RECEIPT_TEXT:
        if not isinstance(receipt.get(name), str) or not receipt[name].strip():
            raise standin.Refused(MALFORMED, f"ThongTinBienLai.{name} phải là chuỗi không rỗng.")
    if not isinstance(receipt.get("SoCMNDNguoiNop"), str):
        raise standin.Refused(MALFORMED, "ThongTinBienLai.SoCMNDNguoiNop phải là chuỗi.")
    for name in ("PhiLePhi", "DSKhoanNop"):
        items = receipt.get(name)
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise standin.Refused(MALFORMED, f"ThongTinBienLai.{name} phải là danh sách đối tượng.")
    lines = receipt["DSKhoanNop"]
    if not lines or not all(isinstance(i.get("SoTien"), str) and AMOUNT.match(i["SoTien"]) for i in lines):
        raise standin.Refused(
            MALFORMED, "ThongTinBienLai.DSKhoanNop: mỗi khoản cần SoTien là số nguyên đồng."
        )
    if sum(int(i["SoTien"]) for i in lines) != amount:
        raise standin.Refused(MALFORMED, "Tổng SoTien của DSKhoanNop khác SoTien.")


def check_query(body: Any) -> dict:
    if not isinstance(body, dict):
        raise standin.Refused(MALFORMED, "Bản tin không phải một đối tượng JSON.")
    # PhienBan is signed but the contract's QUERY does not list it: absent, it is the contract's version.
    required = QUERY_FIELDS - {"PhienBan"}
    missing = sorted(required - body.keys())
    if missing:
        raise standin.Refused(MALFORMED, f"Thiếu trường {', '.join(missing)}.")
    extra = sorted(k for k in body if k not in QUERY_FIELDS)
    if extra:
        raise standin.Refused(MALFORMED, f"Trường không có trong bản tin QUERY: {', '.join(extra)[:200]}.")
    message = {"PhienBan": protocol.VERSION, **body}
    for name in QUERY_FIELDS:
        if not isinstance(message[name], str):
            raise standin.Refused(MALFORMED, f"{name} phải là chuỗi.")
    if message["LoaiBanTin"] != "QUERY" or message["PhienBan"] != protocol.VERSION:
        raise standin.Refused(MALFORMED, f'LoaiBanTin phải là "QUERY", PhienBan "{protocol.VERSION}".')
    if not REFERENCE.match(message["MaThamChieu"]) or not standin.stamp_ok(message["ThoiGianGD"]):
        raise standin.Refused(MALFORMED, "MaThamChieu hoặc ThoiGianGD không đúng định dạng.")
    return message


class Store(standin.Store):
    """The simulator's SQLite file; every write is one transaction."""

    def __init__(self, path: Path):
        super().__init__(path, SCHEMA)


class Platform:
    """The WSGI application. `partners`: MaDoiTac → secret."""

    def __init__(
        self,
        data: Path,
        *,
        partners: dict[str, str],
        callback_url: str,
        return_url: str,
        delay: float = 0.0,
        repeat: int = 1,
        seed: int | None = None,
    ):
        self.store = Store(Path(data))
        self.partners = dict(partners)
        self.callback_url, self.return_url = callback_url, return_url
        self.defaults = {
            "drop_callbacks": False,
            "fail_init": 0.0,
            "http500": 0.0,
            "slow": 0.0,
            "delay": float(delay),
            "repeat": int(repeat),
        }
        self.faults = dict(self.defaults)
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.http = urllib3.PoolManager(maxsize=4, retries=False)
        self.senders: set[threading.Thread] = set()

    def chance(self, share: float) -> bool:
        with self.rng_lock:
            return share > 0 and self.rng.random() < share

    # -- WSGI ----------------------------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        try:
            status, headers, body = self.route(method, path, environ)
        except _BadBody:
            status, headers, body = _json(400, {"MaLoi": MALFORMED, "MoTa": "Nội dung không đọc được."})
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def route(self, method: str, path: str, environ: dict):
        if method == "POST" and path == "/init":
            return self.protocol_call(environ, self.init)
        if method == "POST" and path == "/query":
            return self.protocol_call(environ, self.query)
        if path.startswith("/pay/") and method in ("GET", "POST"):
            return self.page(method, path.removeprefix("/pay/"), environ)
        if method == "GET" and path == "/assets/platform.css":
            return (
                "200 OK",
                [("Content-Type", "text/css; charset=utf-8"), ("Cache-Control", "max-age=3600")],
                CSS.encode(),
            )
        if method == "GET" and path == "/favicon.ico":
            return "204 No Content", [], b""
        if method == "POST" and path == "/_sim/faults":
            return self.set_faults(_json_body(environ))
        if method == "POST" and path == "/_sim/reset":
            return _json(200, self.reset())
        if method == "GET" and path == "/_sim/stats":
            return _json(200, self.stats())
        if method == "GET" and path.startswith("/_sim/attempts/"):
            found = self.attempt(path.removeprefix("/_sim/attempts/"))
            return (
                _json(200, found) if found else _json(404, {"MaLoi": UNKNOWN, "MoTa": "Không có giao dịch."})
            )
        if method == "POST" and path.startswith("/_sim/pay/"):
            return self.sim_pay(path.removeprefix("/_sim/pay/"), _json_body(environ))
        return _json(404, {"MaLoi": "404", "MoTa": "Không có dịch vụ này."})

    def protocol_call(self, environ: dict, handler: Callable[[Any, dict], dict]):
        if self.chance(float(self.faults["http500"])):
            self.store.bump("http500")
            return _json(500, {"MaLoi": BUSY, "MoTa": "Lỗi máy chủ."})
        try:
            body = _json_body(environ, strict=False)
        except _BadBody:
            body = None
        try:
            answer = handler(body, environ)
        except standin.Refused as exc:
            self.store.bump(f"{handler.__name__}_refused")
            log.info("payment-simulator: %s refused (%s) %s", handler.__name__, exc.code, exc)
            answer = {"MaLoi": exc.code, "MoTa": str(exc)}
        if self.faults["slow"]:
            time.sleep(float(self.faults["slow"]))  # after the work: a client that gave up left it done
        return _json(200, answer)

    # -- protocol ------------------------------------------------------------------------------------------------

    def _secret(self, partner: str) -> str:
        secret = self.partners.get(partner)
        if not secret:
            raise standin.Refused(UNKNOWN_PARTNER, "MaDoiTac chưa đăng ký với nền tảng.")
        return secret

    def init(self, body: Any, environ: dict) -> dict:
        message = check_init(body)
        if not protocol.verify(protocol.INIT_SIGNED, message, self._secret(message["MaDoiTac"])):
            raise standin.Refused(BAD_SIGNATURE, "MaXacThuc không đúng.")
        if self.chance(float(self.faults["fail_init"])):
            self.store.bump("init_failed")
            return {"MaLoi": BUSY, "MoTa": "Hệ thống đang bận, thử lại sau."}
        token = secrets.token_urlsafe(18)
        # The page's address as the partner reached the platform: what its payers' browsers can reach too.
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        url = f"{environ.get('wsgi.url_scheme', 'http')}://{host}/pay/{token}"

        def insert(db):
            if db.execute("SELECT 1 FROM attempts WHERE reference = ?", (message["MaThamChieu"],)).fetchone():
                raise standin.Refused(DUPLICATE, "MaThamChieu đã được dùng.")
            db.execute(
                "INSERT INTO attempts (reference, token, partner, amount, description, init_time, message, "
                "url, state, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                (
                    message["MaThamChieu"],
                    token,
                    message["MaDoiTac"],
                    message["SoTien"],
                    message["ThongTinGiaoDich"],
                    message["ThoiGianGD"],
                    json.dumps(message, ensure_ascii=False),
                    url,
                    time.time(),
                ),
            )

        self.store.transaction(insert)
        self.store.bump("init_accepted")
        return {"MaLoi": PAID, "MoTa": "Thành công", "UrlThanhToan": url}

    def query(self, body: Any, environ: dict) -> dict:
        message = check_query(body)
        if not protocol.verify(protocol.QUERY_SIGNED, message, self._secret(message["MaDoiTac"])):
            raise standin.Refused(BAD_SIGNATURE, "MaXacThuc không đúng.")
        self.store.bump("queries")
        rows = self.store.read(
            "SELECT * FROM attempts WHERE reference = ? AND partner = ?",
            (message["MaThamChieu"], message["MaDoiTac"]),
        )
        if not rows:
            answer = {
                "MaLoi": UNKNOWN,
                "MaDoiTac": message["MaDoiTac"],
                "MaThamChieu": message["MaThamChieu"],
                "ThoiGianGD": now_stamp(),
            }
        else:
            row = rows[0]
            answer = self._outcome(row, STATES.get(row["state"], PENDING))
        return protocol.signed(
            protocol.CONFIRMATION_SIGNED,
            {f: answer.get(f, "") for f in protocol.CONFIRMATION_SIGNED} | {"LoaiBanTin": "QUERY"},
            self.partners[message["MaDoiTac"]],
        )

    @staticmethod
    def _outcome(row: sqlite3.Row, code: str) -> dict:
        """A confirmation's fields for a stored attempt (unsigned)."""
        return {
            "LoaiBanTin": CONFIRMATION,
            "MaLoi": code,
            "MaDoiTac": row["partner"],
            "MaThamChieu": row["reference"],
            "SoTien": row["amount"],
            "MaTienTe": "VND",
            "MaGiaoDich": row["transaction_id"],
            "MaNganHang": row["bank_code"],
            "ThoiGianGD": row["finished_time"] or row["init_time"],
            "ThongTinGiaoDich": row["description"],
        }

    # -- the payer's choice ------------------------------------------------------------------------------------

    def settle(self, reference: str, outcome: str, bank: str = "") -> sqlite3.Row | None:
        """Paid, failed or abandoned (OUTCOMES): once per attempt. The attempt after it, or None when it had
        already ended (nothing is sent again)."""
        state = OUTCOMES[outcome]
        bank = bank if bank in dict(BANKS) else BANKS[0][0]

        def update(db):
            changed = db.execute(
                "UPDATE attempts SET state = ?, transaction_id = ?, bank_code = ?, finished_time = ? "
                "WHERE reference = ? AND state = 'pending'",
                (
                    state,
                    ""
                    if state == "cancelled"
                    else f"GD{datetime.now(LOCAL_TZ):%y%m%d}{secrets.token_hex(6).upper()}",
                    "" if state == "cancelled" else bank,
                    now_stamp(),
                    reference,
                ),
            ).rowcount
            return (
                db.execute("SELECT * FROM attempts WHERE reference = ?", (reference,)).fetchone()
                if changed
                else None
            )

        row = self.store.transaction(update)
        if row is None:
            return None
        self.store.bump(f"settled_{state}")
        if state != "cancelled":
            if self.faults["drop_callbacks"]:
                self.store.bump("callbacks_dropped")
            else:
                self.confirm(row)
        return row

    def confirm(self, row: sqlite3.Row) -> None:
        body = protocol.signed(
            protocol.CONFIRMATION_SIGNED,
            self._outcome(row, STATES[row["state"]]),
            self.partners[row["partner"]],
        )
        delay, repeat = float(self.faults["delay"]), int(self.faults["repeat"])
        sender = threading.Thread(
            target=self._send, args=(row["reference"], body, delay, repeat), daemon=True, name="confirm"
        )
        self.senders.add(sender)
        sender.start()

    def _send(self, reference: str, body: dict, delay: float, repeat: int) -> None:
        """The confirmation `repeat` times, the first after `delay` seconds; each delivery recorded."""
        try:
            time.sleep(delay)
            data = json.dumps(body, ensure_ascii=False).encode()
            for _ in range(repeat):
                status, answer = 0, ""
                try:
                    r = self.http.request(
                        "POST",
                        self.callback_url,
                        body=data,
                        headers={"Content-Type": "application/json; charset=utf-8"},
                        timeout=urllib3.Timeout(connect=5.0, read=15.0),
                        redirect=False,
                    )
                    status = r.status
                    try:
                        got = json.loads(r.data)
                        answer = str(got.get("MaLoi", ""))[:10] if isinstance(got, dict) else ""
                    except ValueError:
                        answer = ""
                except (urllib3.exceptions.HTTPError, OSError) as exc:
                    answer = type(exc).__name__[:40]
                self.store.transaction(lambda db, s=status, a=answer: self._delivered(db, reference, s, a))
                log.info("payment-simulator: confirmation %s -> HTTP %s MaLoi %s", reference, status, answer)
        finally:
            self.senders.discard(threading.current_thread())

    def _delivered(self, db: sqlite3.Connection, reference: str, status: int, answer: str) -> None:
        # The delivery and its counters in one transaction: a test that sees one sees the others.
        db.execute(
            "INSERT INTO callbacks (reference, status, answer, at) VALUES (?, ?, ?, ?)",
            (reference, status, answer, time.time()),
        )
        self.store.bump("callbacks_sent", 1, db)
        self.store.bump(
            "callbacks_accepted" if status == 200 and answer == PAID else "callbacks_refused", 1, db
        )

    def back(self, reference: str) -> str:
        """The return URL with `ref` appended to whatever query it already has."""
        parts = urlsplit(self.return_url)
        query = "&".join(q for q in (parts.query, urlencode({"ref": reference})) if q)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))

    def page(self, method: str, token: str, environ: dict):
        rows = self.store.read("SELECT * FROM attempts WHERE token = ?", (token,)) if token else []
        if not rows:
            return _page(
                404, "Không tìm thấy giao dịch", "<p>Đường dẫn thanh toán không đúng hoặc đã hết hạn.</p>"
            )
        row = rows[0]
        if method == "POST":
            form = _form(environ)
            outcome = form.get("outcome", "")
            if outcome not in OUTCOMES:
                return _page(
                    400, "Yêu cầu không hợp lệ", "<p>Hãy chọn một trong ba nút của trang thanh toán.</p>"
                )
            settled = self.settle(row["reference"], outcome, form.get("bank", ""))
            if settled is not None:
                return (
                    "303 See Other",
                    [("Location", self.back(row["reference"])), ("Cache-Control", "no-store")],
                    b"",
                )
            row = self.store.read("SELECT * FROM attempts WHERE token = ?", (token,))[0]
        if row["state"] != "pending":
            label = {"paid": "đã thanh toán", "failed": "không thành công", "cancelled": "đã hủy"}[
                row["state"]
            ]
            return _page(
                409 if method == "POST" else 200,
                "Giao dịch đã kết thúc",
                f"<p>Giao dịch {html.escape(row['reference'])} {label}.</p>"
                f'<p><a class="button" href="{html.escape(self.back(row["reference"]))}">Quay lại dịch vụ công</a></p>',
            )
        message = json.loads(row["message"])
        receipt = message.get("ThongTinBienLai") or {}
        banks = "".join(f'<option value="{c}">{html.escape(n)}</option>' for c, n in BANKS)
        body = f"""<p class="amount" id="amount">{html.escape(money(int(row["amount"])))}</p>
<dl class="facts">
<dt>Nội dung</dt><dd id="description">{html.escape(row["description"])}</dd>
<dt>Đơn vị thụ hưởng</dt><dd>{html.escape(str(receipt.get("TenDonVi", "")))}</dd>
<dt>Mã đối tác</dt><dd id="partner">{html.escape(row["partner"])}</dd>
<dt>Mã tham chiếu</dt><dd>{html.escape(row["reference"])}</dd>
</dl>
<form method="post" action="/pay/{html.escape(token)}" class="choices">
<label for="bank">Ngân hàng</label>
<select id="bank" name="bank">{banks}</select>
<button type="submit" name="outcome" value="paid" class="primary">Thanh toán thành công</button>
<button type="submit" name="outcome" value="failed" class="secondary">Thanh toán thất bại</button>
<button type="submit" name="outcome" value="abandoned" class="plain">Hủy giao dịch</button>
</form>"""
        back = urlsplit(self.return_url)
        return _page(200, "Thanh toán phí, lệ phí", body, returns_to=f"{back.scheme}://{back.netloc}")

    # -- control and inspection --------------------------------------------------------------------------------

    def sim_pay(self, reference: str, body: dict):
        outcome = body.get("outcome")
        if outcome not in OUTCOMES:
            return _json(400, {"MaLoi": MALFORMED, "MoTa": "outcome: paid, failed hoặc abandoned."})
        if not self.store.read("SELECT 1 FROM attempts WHERE reference = ?", (reference,)):
            return _json(404, {"MaLoi": UNKNOWN, "MoTa": "Không có giao dịch."})
        row = self.settle(reference, outcome, str(body.get("bank") or ""))
        if row is None:
            return _json(409, {"MaLoi": "409", "MoTa": "Giao dịch đã kết thúc.", **self.attempt(reference)})
        return _json(200, {**self.attempt(reference), "redirect": self.back(reference)})

    def set_faults(self, body: dict):
        faults = dict(self.faults)
        try:
            for name, value in body.items():
                if name == "drop_callbacks" and isinstance(value, bool):
                    faults[name] = value
                elif name in ("fail_init", "http500") and 0 <= float(value) <= 1:
                    faults[name] = float(value)
                elif name in ("slow", "delay") and 0 <= float(value) <= 600:
                    faults[name] = float(value)
                elif name == "repeat" and isinstance(value, int) and 1 <= value <= 100:
                    faults[name] = value
                else:
                    raise ValueError(name)
        except (TypeError, ValueError):
            return _json(400, {"MaLoi": MALFORMED, "MoTa": f"Giá trị không hợp lệ: {list(body)}"})
        self.faults = faults
        return _json(200, {"MaLoi": PAID, "faults": self.faults})

    def reset(self) -> dict:
        """Forget every attempt, delivery and counter; faults back to the command's values."""
        self.store.transaction(
            lambda db: [db.execute(f"DELETE FROM {t}") for t in ("attempts", "callbacks", "counters")]
        )
        self.faults = dict(self.defaults)
        return {"MaLoi": PAID}

    def stats(self) -> dict:
        states = dict(self.store.read("SELECT state, COUNT(*) FROM attempts GROUP BY state"))
        counters = dict(self.store.read("SELECT name, value FROM counters"))
        return {"attempts": states, "counters": counters, "faults": self.faults, "sending": len(self.senders)}

    def attempt(self, reference: str) -> dict | None:
        rows = self.store.read("SELECT * FROM attempts WHERE reference = ?", (reference,))
        if not rows:
            return None
        row = rows[0]
        deliveries = self.store.read(
            "SELECT status, answer, at FROM callbacks WHERE reference = ? ORDER BY id", (reference,)
        )
        return {
            "reference": row["reference"],
            "state": row["state"],
            "code": STATES.get(row["state"], PENDING),
            "partner": row["partner"],
            "amount": row["amount"],
            "description": row["description"],
            "transaction_id": row["transaction_id"],
            "bank_code": row["bank_code"],
            "init_time": row["init_time"],
            "finished_time": row["finished_time"],
            "url": row["url"],
            "init": json.loads(row["message"]),
            "callbacks": [{"status": d["status"], "answer": d["answer"], "at": d["at"]} for d in deliveries],
        }


# --------------------------------------------------------------------------------------------- helpers


class _BadBody(Exception):
    pass


def _read(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise _BadBody from None
    if length < 0 or length > MAX_BODY:
        raise _BadBody
    return environ["wsgi.input"].read(length) if length else b""


def _json_body(environ: dict, *, strict: bool = True) -> Any:
    try:
        body = json.loads(_read(environ) or b"{}")
    except ValueError as exc:  # includes UnicodeDecodeError
        raise _BadBody from exc
    if strict and not isinstance(body, dict):
        raise _BadBody
    return body


def _form(environ: dict) -> dict[str, str]:
    try:
        parsed = parse_qs(_read(environ).decode("utf-8"), max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise _BadBody from None
    return {k: v[0] for k, v in parsed.items() if len(v) == 1}


def _json(status: int, body: dict):
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict", 500: "Internal Server Error"}
    headers = [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")]
    return f"{status} {reason[status]}", headers, json.dumps(body, ensure_ascii=False).encode()


def _page(status: int, title: str, body: str, *, returns_to: str = ""):
    """A page of the platform; `returns_to`: the origin its form's 303 sends the payer back to (a browser
    checks `form-action` against the redirect too)."""
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}[status]
    page = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} – Nền tảng thanh toán (mô phỏng)</title>
<link rel="stylesheet" href="/assets/platform.css"></head>
<body><header class="brand"><span class="emblem" aria-hidden="true">₫</span>
<div><strong>Nền tảng thanh toán trực tuyến</strong>
<small>Cổng Dịch vụ công quốc gia · máy chủ mô phỏng để phát triển, thử nghiệm</small></div>
</header><main><h1>{html.escape(title)}</h1>{body}</main>
<footer>Môi trường thử nghiệm: không có tiền thật được chuyển.</footer></body></html>"""
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        (
            "Content-Security-Policy",
            f"default-src 'self'; form-action 'self'{' ' + returns_to if returns_to else ''}; frame-ancestors 'none'",
        ),
        ("Referrer-Policy", "no-referrer"),
    ]
    return f"{status} {reason}", headers, page.encode("utf-8")


CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#eef3f8;color:#1f1f1f}
.brand{display:flex;gap:.75rem;align-items:center;background:#0b4f8a;color:#fff;padding:.75rem 1rem}
.brand .emblem{font-size:1.6rem;color:#ffd54a}
.brand strong{display:block;font-size:1.15rem}
.brand small{display:block;opacity:.9}
main{max-width:32rem;margin:1rem auto;background:#fff;padding:1rem 1.25rem;border-radius:.5rem;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.3rem;color:#0b4f8a;margin:.25rem 0 .75rem}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0 1rem;color:#b3171d}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem .75rem;margin:0 0 1rem}
.facts dt{color:#555}
.facts dd{margin:0;overflow-wrap:anywhere}
.choices{display:grid;gap:.5rem}
select,button,.button{font:inherit;padding:.7rem;border-radius:.4rem;width:100%}
select{border:1px solid #bbb;background:#fff}
button{cursor:pointer}
.primary{border:0;background:#137a3a;color:#fff;font-weight:600}
.secondary{border:0;background:#b3171d;color:#fff;font-weight:600}
.plain{border:1px solid #999;background:#fff}
.button{display:block;text-align:center;text-decoration:none;background:#0b4f8a;color:#fff}
footer{text-align:center;font-size:.85rem;color:#555;padding:0 1rem 1.5rem}
"""


def make_server(app: Platform, host: str, port: int, *, quiet: bool = False) -> WSGIServer:
    return standin.make_server(app, host, port, tag="payment", quiet=quiet)
