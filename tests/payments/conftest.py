"""The payment platform simulator as a real process (`motcua payment_simulator`) on a free port, shared by the
session; a local HTTP receiver standing for motcua's callback endpoint, recording every body posted to it; and
motcua's client configured to the simulator. Each test starts from an empty simulator without faults."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from motcua.payments import gateways
from motcua.payments.gateways import Order
from tests.documents import conftest as document_fixtures
from tests.dossiers import conftest as dossier_fixtures

# The dossier fixtures (a conftest's fixtures reach only its own folder) and the named staff of the forms' tests.
counter, online, perform, procedure = (
    dossier_fixtures.counter,
    dossier_fixtures.online,
    dossier_fixtures.perform,
    dossier_fixtures.procedure,
)
fast_passwords = dossier_fixtures.fast_passwords
named = document_fixtures.named

MOTCUA = shutil.which("motcua", path=str(Path(sys.executable).parent))
PARTNER, SECRET = "MOTCUA-H40", "khoá-bí-mật-đối-tác-0123"
RETURN_PATH = "/thanh-toan/ket-qua/"
CALLBACK_PATH = "/api/v1/payments/callback"
# What the receipt carries: the payer's name and ID number must never show in a URL, a page or a log.
NAME, ID_NUMBER = "Nguyễn Thị Hoa", "038190001234"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """A tiny HTTP server that records what is POSTed to it and answers with `answer` (status, raw bytes)."""

    def __init__(self):
        self.received: list[dict] = []
        self.answer: tuple[int, bytes, dict] = (200, b'{"MaLoi": "00"}', {})
        self.cond = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with owner.cond:
                    owner.received.append(
                        {"path": self.path, "headers": dict(self.headers), "raw": raw, "at": time.monotonic()}
                    )
                    owner.cond.notify_all()
                status, body, headers = owner.answer
                if status == 0:  # no answer at all: hold the connection beyond any client timeout
                    time.sleep(3)
                    return
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reply(self, status: int, body, headers: dict | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answer = (status, raw, headers or {})

    def clear(self) -> None:
        with self.cond:
            self.received.clear()
        self.reply(200, {"MaLoi": "00"})

    def bodies(self) -> list[dict]:
        with self.cond:
            return [json.loads(r["raw"]) for r in self.received]

    def wait(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
        return self.bodies()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Sim:
    def __init__(self, data: Path, var: Path, callback_url: str):
        self.data, self.var, self.callback_url = data, var, callback_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.return_url = f"http://127.0.0.1:9{RETURN_PATH}"
        self.proc: subprocess.Popen | None = None

    def start(self, *flags: str) -> None:
        env = {**os.environ, "MOTCUA_VAR_DIR": str(self.var)}
        env.pop("DATABASE_URL", None)  # the simulator keeps its own SQLite file
        for name in ("MOTCUA_PAYMENT_PARTNER", "MOTCUA_PAYMENT_SECRET"):
            env.pop(name, None)
        self.proc = subprocess.Popen(
            [
                MOTCUA,
                "payment_simulator",
                "--port",
                str(self.port),
                "--partner",
                PARTNER,
                "--secret",
                SECRET,
                "--callback-url",
                self.callback_url,
                "--return-url",
                self.return_url,
                "--data",
                str(self.data),
                "--quiet",
                *flags,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{self.url}/_sim/stats", timeout=2)
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def faults(self, **faults) -> dict:
        r = requests.post(f"{self.url}/_sim/faults", json=faults, timeout=5)
        assert r.status_code == 200, r.text
        return r.json()

    def reset(self) -> None:
        assert requests.post(f"{self.url}/_sim/reset", timeout=5).status_code == 200

    def stats(self) -> dict:
        return requests.get(f"{self.url}/_sim/stats", timeout=5).json()

    def attempt(self, reference: str) -> dict | None:
        r = requests.get(f"{self.url}/_sim/attempts/{reference}", timeout=5)
        return r.json() if r.status_code == 200 else None

    def deliveries(self, reference: str, count: int, timeout: float = 10.0) -> list[dict]:
        """The attempt's recorded confirmation deliveries, once `count` are there: the simulator records one
        after the receiver has answered it, so a test that saw the body waits for the record."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.attempt(reference)["callbacks"]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

    def pay(self, reference: str, outcome: str, **extra) -> requests.Response:
        return requests.post(
            f"{self.url}/_sim/pay/{reference}", json={"outcome": outcome, **extra}, timeout=5
        )

    def post(self, path: str, body) -> tuple[int, dict]:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        r = requests.post(f"{self.url}/{path}", data=data, timeout=5)
        return r.status_code, r.json()


@pytest.fixture(scope="session")
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="session")
def simulator(tmp_path_factory, receiver):
    assert MOTCUA, "the motcua console script is not installed in this environment"
    root = tmp_path_factory.mktemp("payment-sim")
    sim = Sim(root / "payment-simulator.sqlite3", root / "var", f"{receiver.url}{CALLBACK_PATH}")
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def platform(simulator, receiver, settings):
    """The simulator, empty and faultless, configured as motcua's payment platform; the receiver cleared."""
    simulator.reset()
    receiver.clear()
    settings.PAYMENT_URL = simulator.url
    settings.PAYMENT_PARTNER, settings.PAYMENT_SECRET = PARTNER, SECRET
    settings.PAYMENT_TIMEOUT = 2.0
    gateways.reset()
    yield simulator
    gateways.reset()


_sequence = iter(range(1, 10**9))


def make_order(**overrides) -> Order:
    """An attempt as `payments.services` builds it: 1.500.000 đ of two fees, a receipt with personal data."""
    n = next(_sequence)
    reference = overrides.pop("reference", f"MC260301T{os.getpid() % 10000:04d}{n:06d}")
    fields = {
        "reference": reference,
        "amount": 1_500_000,
        "description": "Nop phi le phi ho so 000.00.00.H40-260301-0001",
        "at": datetime(2026, 3, 1, 1, 2, 3, tzinfo=UTC),  # 08:02:03 in Vietnam
        "ip": "203.0.113.7",
        "device": "desktop",
        "receipt": {
            "MaHoSo": "000.00.00.H40-260301-0001",
            "MaTTHC": "1.004222",
            "TenTTHC": "Đăng ký khai sinh",
            "MaDonVi": "000.00.00.H40",
            "TenDonVi": "Trung tâm Phục vụ hành chính công tỉnh",
            "HoTenNguoiNop": NAME,
            "SoCMNDNguoiNop": ID_NUMBER,
            "PhiLePhi": [
                {"TenPhiLePhi": "Lệ phí đăng ký", "LoaiPhiLePhi": "fee", "SoTien": "1000000"},
                {"TenPhiLePhi": "Phí cấp bản sao", "LoaiPhiLePhi": "charge", "SoTien": "500000"},
            ],
            "DSKhoanNop": [{"NoiDung": "Phí, lệ phí hồ sơ", "SoTien": "1500000"}],
        },
    }
    fields.update(overrides)
    return Order(**fields)


@pytest.fixture(scope="session")
def looped(live_server, tmp_path_factory):
    """A second simulator whose confirmations go to motcua's real callback endpoint on the live server."""
    root = tmp_path_factory.mktemp("payment-loop")
    sim = Sim(root / "payment-simulator.sqlite3", root / "var", f"{live_server.url}{CALLBACK_PATH}")
    sim.start()
    yield sim
    sim.stop()
