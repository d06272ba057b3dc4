"""`motcua oidc_provider --port N` as a real process: it serves discovery, keeps its key across restarts,
and refuses to start without a client secret (one line, exit 2)."""

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

MOTCUA = shutil.which("motcua", path=str(Path(sys.executable).parent))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(var_dir: Path, port: int, secret: str = "bí-mật") -> subprocess.Popen:
    env = {**os.environ, "MOTCUA_VAR_DIR": str(var_dir), "MOTCUA_OIDC_CLIENT_SECRET": secret}
    env.pop("DATABASE_URL", None)  # the provider needs no database
    return subprocess.Popen(
        [MOTCUA, "oidc_provider", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def discovery(port: int) -> dict:
    url = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    deadline = time.monotonic() + 30
    while True:
        try:
            return requests.get(url, timeout=2).json()
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def var_dir(tmp_path) -> Path:
    return tmp_path / "var"


def test_the_command_serves_discovery_and_keeps_its_key(var_dir):
    assert MOTCUA, "the motcua console script is not installed in this environment"
    kids = []
    for _ in range(2):
        port = free_port()
        proc = start(var_dir, port)
        try:
            doc = discovery(port)
            assert doc["issuer"] == f"http://127.0.0.1:{port}"
            assert doc["token_endpoint_auth_methods_supported"] == [
                "client_secret_basic",
                "client_secret_post",
            ]
            keys = requests.get(doc["jwks_uri"], timeout=5).json()["keys"]
            assert [k["kty"] for k in keys] == ["RSA"] and "d" not in keys[0]
            kids.append(keys[0]["kid"])
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    assert kids[0] == kids[1]
    key_file = var_dir / "oidc-provider" / "signing-key.json"
    assert key_file.stat().st_mode & 0o077 == 0


def test_the_command_refuses_to_start_without_a_client_secret(var_dir):
    proc = start(var_dir, free_port(), secret="")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.strip().splitlines() == [
        "Chưa đặt MOTCUA_OIDC_CLIENT_SECRET: nhà cung cấp định danh cần mật khẩu của ứng dụng."
    ]
