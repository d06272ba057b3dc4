"""The population database simulator as a real process (`motcua population_simulator --port 0`), once per
test session and module that imports these fixtures, and motcua configured to use it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from motcua.integrations.population import client as population_client

MOTCUA = shutil.which("motcua", path=str(Path(sys.executable).parent))
CLIENT_ID = "motcua-test"
SECRET = "bí-mật-nền-tảng-0123"
HOA = ("040190001234", "Nguyễn Thị Hoa", "15/03/1990")  # the demo data set's congdan
AUTH = (CLIENT_ID.encode(), SECRET.encode())  # requests sends str as Latin-1
MINH = ("040085004321", "Trần Văn Minh", "22/07/1985")


def start(secret: str = SECRET, port: int = 0) -> subprocess.Popen:
    env = {**os.environ, "MOTCUA_POPULATION_CLIENT_ID": CLIENT_ID, "MOTCUA_POPULATION_CLIENT_SECRET": secret}
    env.pop("DATABASE_URL", None)  # the simulator needs no database
    return subprocess.Popen(
        [MOTCUA, "population_simulator", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="session")
def population_server() -> Iterator[str]:
    """The simulator's base URL; its first line of output names the port it took."""
    proc = start()
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        raise RuntimeError(f"population_simulator did not start: {line}{proc.stderr.read()}")
    url = line.split(" tại ", 1)[1].split("/ ", 1)[0]
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def set_mode(url: str, mode: str = "binh_thuong", *, expire_tokens: bool = False) -> dict:
    r = requests.post(
        f"{url}/_mo-phong/che-do",
        json={"che_do": mode, "het_han_token": expire_tokens},
        auth=AUTH,
        timeout=5,
    )
    r.raise_for_status()
    return r.json()


@pytest.fixture
def platform(population_server, settings) -> Iterator[str]:
    """motcua configured for the simulator, in its normal mode, with no token cached."""
    settings.POPULATION_URL = population_server
    settings.POPULATION_CLIENT_ID = CLIENT_ID
    settings.POPULATION_CLIENT_SECRET = SECRET
    settings.POPULATION_TIMEOUT = 5.0
    set_mode(population_server)
    population_client._shared.clear()
    yield population_server
    set_mode(population_server)
    population_client._shared.clear()
