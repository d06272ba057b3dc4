"""The portal simulator as a real process (`motcua dvcqg_simulator`) on a free port, shared by the session, and
motcua configured to send to it. Each test starts from an empty simulator without faults."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.documents.conftest import lifecycle, named  # noqa: F401
from tests.dossiers.conftest import counter, fast_passwords, local, online, perform, procedure  # noqa: F401

MOTCUA = shutil.which("motcua", path=str(Path(sys.executable).parent))
USERNAME, PASSWORD, MADONVI = "motcua-kiem-thu", "mật-khẩu-cổng-0123", "000.00.00.H40"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sim:
    def __init__(self, data: Path, var: Path):
        self.data, self.var = data, var
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, *flags: str) -> None:
        env = {
            **os.environ,
            "MOTCUA_VAR_DIR": str(self.var),
            "MOTCUA_DVCQG_USERNAME": USERNAME,
            "MOTCUA_DVCQG_PASSWORD": PASSWORD,
            "MOTCUA_DVCQG_MADONVI": MADONVI,
        }
        env.pop("DATABASE_URL", None)  # the simulator keeps its own SQLite file
        self.proc = subprocess.Popen(
            [
                MOTCUA,
                "dvcqg_simulator",
                "--port",
                str(self.port),
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

    def faults(self, **faults) -> dict:
        return requests.post(f"{self.url}/_sim/faults", json=faults, timeout=5).json()

    def reset(self) -> None:
        requests.post(f"{self.url}/_sim/reset", timeout=5)
        self.faults(fail=0, timeout_after_store=0, session_ttl=3600, late_seconds=2)

    def stats(self) -> dict:
        return requests.get(f"{self.url}/_sim/stats", timeout=5).json()

    def dossier(self, code: str) -> dict | None:
        r = requests.get(f"{self.url}/_sim/dossiers/{code}", timeout=5)
        return r.json() if r.status_code == 200 else None

    def call(self, path: str, body: dict, **headers) -> tuple[int, dict]:
        r = requests.post(f"{self.url}/{path}", json=body, headers=headers, timeout=5)
        return r.status_code, r.json()

    def session(self) -> str:
        return self.call("auth", {"username": USERNAME, "password": PASSWORD}, dstcode=MADONVI)[1]["session"]


@pytest.fixture(scope="session")
def simulator(tmp_path_factory):
    assert MOTCUA, "the motcua console script is not installed in this environment"
    root = tmp_path_factory.mktemp("dvcqg-sim")
    sim = Sim(root / "data", root / "var")
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def portal(simulator, settings):
    """The simulator, empty and faultless, configured as motcua's portal; fast retries."""
    simulator.reset()
    settings.DVCQG_URL = simulator.url
    settings.DVCQG_USERNAME, settings.DVCQG_PASSWORD, settings.DVCQG_MADONVI = USERNAME, PASSWORD, MADONVI
    settings.DVCQG_TIMEOUT = 1.0
    settings.OUTBOX_BACKOFF_BASE, settings.OUTBOX_BACKOFF_CAP = 0.01, 0.02
    return simulator
