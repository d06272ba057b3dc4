"""What the simulator refuses (over HTTP, nothing stored on a refusal) and what it accepts."""

from __future__ import annotations

import copy

import pytest

from .conftest import MADONVI, PASSWORD, USERNAME

CODE = "000.00.15.H40-250815-0001"


def line(at: str, status: int = 2, text: str = "Tiếp nhận") -> dict:
    return {"MaHoSo": CODE, "ThoiDiemXuLy": at, "NoiDungXuLy": text, "TrangThai": status, "NgayBatDau": at}


HOSO = {
    "MaHoSo": CODE,
    "MaTTHC": "1.001193",
    "TenTTHC": "Đăng ký khai sinh",
    "MaLinhVuc": "G09-HT01",
    "KenhThucHien": 1,
    "ChuHoSo": "Nguyễn Thị Hoa",
    "LoaiDoiTuong": "1",
    "SoGiayToChuHoSo": "038190001234",
    "TrichYeuHoSo": "Đăng ký khai sinh cho con",
    "NgayTiepNhan": "20250815150000",
    "NgayHenTra": "20250905170000",
    "TrangThaiHoSo": 2,
    "MaDinhDanh": "000.00.00.H40",
    "DonViXuLy": "000.00.15.H40",
    "QuaTrinhXuLy": [line("20250815150000")],
}


def send(sim, service: str, items: list[dict], updating: str | None = None) -> dict:
    body = {"session": sim.session(), "madonvi": MADONVI, "service": service, "data": items}
    if updating is not None:
        body["isUpdating"] = updating
    return sim.call("integration", body)[1]


def hoso(**changes) -> dict:
    item = copy.deepcopy(HOSO)
    item.update(changes)
    return {k: v for k, v in item.items() if v is not None}


def test_sign_in_needs_the_credentials_and_the_unit_code(portal):
    assert (
        portal.call("auth", {"username": USERNAME, "password": "sai"}, dstcode=MADONVI)[1]["error_code"] != 0
    )
    assert portal.call("auth", {"username": USERNAME, "password": PASSWORD})[1]["error_code"] != 0
    body = {"session": "không-có", "madonvi": MADONVI, "service": "DongBoHoSoMC", "data": [HOSO]}
    assert portal.call("integration", body)[1]["error_code"] == 401


@pytest.mark.parametrize(
    "bad",
    [
        {"MaHoSo": "HS-1"},  # not {unit}-{yymmdd}-{seq}
        {"ChuHoSo": None},
        {"NgayTiepNhan": None},  # required once received
        {"NgayTiepNhan": "20250815250000"},  # hour 25: not a 24-hour time
        {"NgayTiepNhan": "20250230090000"},  # 30 February
        {"NgayTiepNhan": "15/08/2025 15:00"},
        {"TrangThaiHoSo": 11},
        {"TrangThaiHoSo": "2"},
        {"QuaTrinhXuLy": [line("2025081515")]},
    ],
)
def test_a_bad_item_fails_the_whole_call_and_nothing_is_stored(portal, bad):
    other = hoso(MaHoSo="000.00.15.H40-250815-0002", QuaTrinhXuLy=[])
    answer = send(portal, "DongBoHoSoMC", [other, hoso(**bad)], "false")
    assert answer["error_code"] not in (0, None)
    assert portal.dossier(other["MaHoSo"]) is None and portal.stats()["dossiers"] == 0


def test_is_updating_must_match_what_the_portal_holds_and_progress_needs_a_held_dossier(portal):
    assert send(portal, "DongBoHoSoMC", [hoso()], "true")["error_code"] == 3
    assert send(portal, "CapNhatTienDoHoSoMC", [{"MaHoSo": CODE, "TrangThaiHoSo": 2}])["error_code"] == 3
    assert send(portal, "DongBoHoSoMC", [hoso()], "false")["error_code"] == 0
    assert send(portal, "DongBoHoSoMC", [hoso()], "false")["error_code"] == 3
    assert send(portal, "DongBoHoSoMC", [hoso()], "true")["error_code"] == 0  # the same state again
    assert [e["repeat"] for e in portal.dossier(CODE)["log"]] == [False, True]


def test_an_older_state_is_refused_and_repeated_lines_are_kept_once(portal):
    first, second = line("20250815150000"), line("20250815160500", 4, "Chuyển xử lý")
    assert (
        send(portal, "DongBoHoSoMC", [hoso(QuaTrinhXuLy=[first, second], TrangThaiHoSo=4)], "false")[
            "error_code"
        ]
        == 0
    )
    assert send(portal, "DongBoHoSoMC", [hoso(QuaTrinhXuLy=[first])], "true")["error_code"] == 4
    old = {"MaHoSo": CODE, "TrangThaiHoSo": 2, "QuaTrinhXuLy": [line("20250815140000")]}
    assert send(portal, "CapNhatTienDoHoSoMC", [old])["error_code"] == 4
    third = line("20250818090000", 5, "Yêu cầu bổ sung")
    progress = {
        "MaHoSo": CODE,
        "TrangThaiHoSo": 5,
        "NgayHenTra": "20250908170000",
        "QuaTrinhXuLy": [second, third],
    }
    assert send(portal, "CapNhatTienDoHoSoMC", [progress])["error_code"] == 0
    held = portal.dossier(CODE)["hoso"]
    assert (
        held["TrangThaiHoSo"] == 5
        and len(held["QuaTrinhXuLy"]) == 3
        and held["NgayHenTra"] == "20250908170000"
    )
    assert held["ChuHoSo"] == "Nguyễn Thị Hoa", "progress keeps the rest of the record"


def test_injected_failures_store_nothing(portal):
    portal.faults(fail=1.0)
    answers = [send(portal, "DongBoHoSoMC", [hoso()], "false") for _ in range(4)]
    assert all(a.get("error_code") != 0 for a in answers)
    assert portal.dossier(CODE) is None and portal.stats()["counters"]["failed"] == 4


def test_the_command_refuses_to_start_without_credentials(tmp_path):
    import os
    import subprocess

    from .conftest import MOTCUA, free_port

    env = {
        **os.environ,
        "MOTCUA_VAR_DIR": str(tmp_path),
        "MOTCUA_DVCQG_USERNAME": "",
        "MOTCUA_DVCQG_PASSWORD": "",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [MOTCUA, "dvcqg_simulator", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        done.returncode == 2
        and done.stderr.strip().count("\n") == 0
        and "MOTCUA_DVCQG_USERNAME" in done.stderr
    )
