"""The population database client against the simulator over HTTP: match, mismatch, not found, and every way
the platform can fail (refused credentials, down, slow, expired token, broken answers)."""

from __future__ import annotations

import socket
import subprocess
from datetime import date

import pytest
import requests

from motcua.demo.services import CITIZEN
from motcua.integrations.population.client import PopulationClient, PopulationError, client
from motcua.integrations.population.simulator import RESIDENTS
from motcua.integrations.vneid.provider import CITIZENS

from .sim import AUTH, CLIENT_ID, MOTCUA, SECRET, set_mode, start


def test_the_simulator_knows_the_demo_citizens_as_the_vneid_provider_and_load_demo_do():
    by_id = {r.id_number: r for r in RESIDENTS}
    for c in CITIZENS:
        r = by_id[c.id_number]
        assert (r.name, r.birth_date) == (c.name, c.birthdate)
    hoa = by_id[CITIZEN["id_number"]]
    assert (hoa.name, hoa.birth_date, hoa.gender) == (CITIZEN["full_name"], CITIZEN["birth_date"], 2)


def test_a_match_returns_the_registered_data(platform):
    answer = client().lookup(
        "040190001234", "  nguyễn thị   HOA ", date(1990, 3, 15), purpose="nop_truc_tuyen"
    )
    assert answer.outcome == "match" and answer.mismatched == () and len(answer.transaction) == 36
    p = answer.person
    assert (p.id_number, p.name, p.birth_date, p.gender) == (
        "040190001234",
        "Nguyễn Thị Hoa",
        date(1990, 3, 15),
        "female",
    )
    assert p.permanent_address.startswith("Số 12 ngõ 5") and p.hometown and p.nationality == "Việt Nam"
    minh = client().lookup("040085004321", "Trần Văn Minh", date(1985, 7, 22)).person
    assert minh.gender == "male"


def test_a_mismatch_says_which_fields_and_discloses_nothing(platform):
    wrong_name = client().lookup("040190001234", "Nguyễn Thị Hòa", date(1990, 3, 15))
    assert (wrong_name.outcome, wrong_name.mismatched, wrong_name.person) == ("mismatch", ("name",), None)
    both = client().lookup("040190001234", "Lê Văn Tám", date(1990, 3, 16))
    assert both.mismatched == ("name", "birth_date")
    unknown = client().lookup("001090000001", "Nguyễn Văn An", date(1990, 1, 1))
    assert (unknown.outcome, unknown.person) == ("not_found", None)


def test_an_expired_token_is_renewed_once_transparently(platform):
    c = client()
    assert c.lookup("040190001234", "Nguyễn Thị Hoa", date(1990, 3, 15)).outcome == "match"
    first = c._token[0]
    set_mode(platform, expire_tokens=True)
    assert c.lookup("040190001234", "Nguyễn Thị Hoa", date(1990, 3, 15)).outcome == "match"
    assert c._token[0] != first


def test_refused_credentials(platform, settings):
    settings.POPULATION_CLIENT_SECRET = "sai-mật-khẩu"
    with pytest.raises(PopulationError) as err:
        client().lookup("040190001234", "Nguyễn Thị Hoa", date(1990, 3, 15))
    assert err.value.code == "population_auth_failed" and err.value.status == 502
    assert "MOTCUA_POPULATION_CLIENT_SECRET" in err.value.message


def test_platform_down_slow_or_absent(platform, settings):
    set_mode(platform, "loi")
    with pytest.raises(PopulationError) as err:
        client().lookup("040190001234", "Nguyễn Thị Hoa", date(1990, 3, 15))
    assert (err.value.code, err.value.status) == ("population_unavailable", 503)

    set_mode(platform)
    settings.POPULATION_TIMEOUT = 0.5
    c = client()
    c.lookup(
        "040190001234", "Nguyễn Thị Hoa", date(1990, 3, 15)
    )  # a token first: the slow part is the lookup
    set_mode(platform, "cham")
    with pytest.raises(PopulationError) as err:
        c.lookup("040190001234", "Nguyễn Thị Hoa", date(1990, 3, 15))
    assert (err.value.code, err.value.status) == ("population_timeout", 504)
    set_mode(platform)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nobody listens once the socket closes
    with pytest.raises(PopulationError) as err:
        PopulationClient(f"http://127.0.0.1:{closed}", client_id=CLIENT_ID, client_secret=SECRET).lookup(
            "040190001234", "Nguyễn Thị Hoa", date(1990, 3, 15)
        )
    assert err.value.code == "population_unavailable"

    settings.POPULATION_URL = ""
    with pytest.raises(PopulationError) as err:
        client()
    assert (err.value.code, err.value.status) == ("population_not_configured", 503)


def test_the_protocol_is_posted_and_checked(platform):
    # The lookup is never a GET (personal data never in a URL); a malformed body is a 400 with ma_loi 03.
    token = requests.post(
        f"{platform}/oauth2/token", data={"grant_type": "client_credentials"}, auth=AUTH, timeout=5
    ).json()["access_token"]
    assert requests.get(f"{platform}/dan-cu/tra-cuu", timeout=5).status_code == 404
    bearer = {"Authorization": f"Bearer {token}"}
    r = requests.post(f"{platform}/dan-cu/tra-cuu", json={"so_dinh_danh": "123"}, headers=bearer, timeout=5)
    assert r.status_code == 400 and r.json()["ma_loi"] == "03"
    r = requests.post(
        f"{platform}/dan-cu/tra-cuu", json={}, headers={"Authorization": "Bearer sai"}, timeout=5
    )
    assert r.status_code == 401


def test_the_command_refuses_a_bad_port_or_no_secret():
    assert MOTCUA
    for proc in (start(port=70000), start(secret="")):
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and (
            "--port" in err or "MOTCUA_POPULATION_CLIENT_SECRET" in err
        )


def test_the_simulator_logs_no_personal_data():
    proc: subprocess.Popen = start()
    lines = []
    try:
        url = proc.stdout.readline().split(" tại ", 1)[1].split("/ ", 1)[0]
        token = requests.post(
            f"{url}/oauth2/token", data={"grant_type": "client_credentials"}, auth=AUTH, timeout=5
        ).json()["access_token"]
        body = {"so_dinh_danh": "040190001234", "ho_ten": "Nguyễn Thị Hoa", "ngay_sinh": "1990-03-15"}
        r = requests.post(
            f"{url}/dan-cu/tra-cuu", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        assert r.json()["ma_loi"] == "00"
        # The request line is printed once the answer has gone: read until it comes.
        while len(lines) < 5 and not any("/dan-cu/tra-cuu" in line for line in lines):
            lines.append(proc.stdout.readline())
    finally:
        proc.terminate()
        out, _err = proc.communicate(timeout=10)
    out = "".join(lines) + out
    assert "POST /dan-cu/tra-cuu 200" in out
    assert "040190001234" not in out and "Hoa" not in out and "1990" not in out
