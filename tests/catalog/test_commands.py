"""import_catalog, export_catalog and catalog_report, in process (call_command) and as real subprocesses."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

import motcua
from motcua.catalog import services
from motcua.catalog.management.commands import _progress
from motcua.catalog.models import Procedure
from tests.catalog.test_io import (
    _csv_with_three_bad_rows,
    _file_with_bad_characters,
    bare_record,
    records,
    rich_record,
)

MOTCUA = str(Path(sys.executable).parent / "motcua")


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args: str) -> tuple[CommandError, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=io.StringIO(), stderr=err)
    assert caught.value.returncode == 2
    return caught.value, err.getvalue()


def write_json(path: Path, recs: list) -> Path:
    path.write_text(json.dumps(recs, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


# --- import_catalog -----------------------------------------------------------------------------


def test_import_prints_a_summary(tmp_path, agencies):
    out, err = run("import_catalog", str(write_json(tmp_path / "c.json", records())))
    assert out == "Đã nhập 3 thủ tục: 3 mới, 0 cập nhật, 0 không đổi.\n"
    assert err == ""
    assert Procedure.objects.count() == 3


def test_dry_run_changes_nothing(tmp_path, agencies):
    out, _ = run("import_catalog", str(write_json(tmp_path / "c.json", records())), "--dry-run")
    assert out.startswith("Chạy thử: 3 thủ tục hợp lệ (3 mới, 0 cập nhật, 0 không đổi)")
    assert Procedure.objects.count() == 0


def test_bad_rows_are_all_listed_on_stderr_with_exit_status_2(tmp_path, agencies):
    run("import_catalog", str(write_json(tmp_path / "first.json", [bare_record()])))
    exc, err = fails("import_catalog", str(_csv_with_three_bad_rows(tmp_path)))
    assert [line.split(" (mã")[0] for line in err.splitlines()] == ["dòng 4", "dòng 8", "dòng 10"]
    assert "3 dòng lỗi trên 6 thủ tục; không nhập thủ tục nào" in str(exc)
    assert list(Procedure.objects.values_list("code", flat=True)) == ["2.000200"]


def test_a_lone_surrogate_in_a_name_is_listed_with_exit_status_2(tmp_path, agencies):
    exc, err = fails("import_catalog", str(_file_with_bad_characters(tmp_path, ".json", "\udfff")))
    assert err.splitlines() == [
        "phần tử [1] (dòng 173) (mã 2.000200): name: chứa ký tự không hợp lệ (ký tự điều khiển hoặc mã hóa lỗi)",
        "phần tử [2] (dòng 209) (mã 1.000001): components[0].name: chứa ký tự không hợp lệ (ký tự điều khiển hoặc mã hóa lỗi)",
    ]
    assert "2 dòng lỗi trên 3 thủ tục" in str(exc) and Procedure.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("c.txt", "[]", "Không hỗ trợ loại tệp “.txt”"),
        ("c.json", "[{", "Tệp JSON không hợp lệ"),
        ("c.csv", "code,name\n", "Tệp CSV: thiếu cột bắt buộc: field_code, field_name"),
    ],
)
def test_unreadable_file_is_one_clear_error(tmp_path, db, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    exc, err = fails("import_catalog", str(path))
    assert str(exc).startswith(message) and err == ""


def test_progress_is_shown_for_big_imports(tmp_path, agencies, monkeypatch):
    monkeypatch.setattr(_progress, "BIG", 2)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    _, err = run("import_catalog", str(write_json(tmp_path / "c.json", records())))
    assert err == "Đã nhập 2/3 (66%) thủ tục\nĐã nhập 3/3 (100%) thủ tục\n"
    monkeypatch.setattr(_progress, "BIG", 200)
    _, err = run("import_catalog", str(write_json(tmp_path / "c.json", records())))
    assert err == ""  # small file, stderr not a terminal: test output stays clean


# --- export_catalog -----------------------------------------------------------------------------


@pytest.fixture
def catalogue(tmp_path, agencies):
    run("import_catalog", str(write_json(tmp_path / "seed.json", records())))


@pytest.mark.parametrize("suffix", [".json", ".csv", ".xlsx"])
def test_export_then_import_round_trip(tmp_path, catalogue, suffix):
    path = tmp_path / f"out{suffix}"
    out, _ = run("export_catalog", str(path))
    assert out == f"Đã xuất 3 thủ tục vào {path}.\n"
    out, _ = run("import_catalog", str(path))
    assert out == "Đã nhập 3 thủ tục: 0 mới, 0 cập nhật, 3 không đổi.\n"


def test_export_selected_and_published_only(tmp_path, catalogue):
    path = tmp_path / "out.json"
    run("export_catalog", str(path), "--code", "2.000200", "--code", "1.004222")
    assert [r["code"] for r in json.loads(path.read_text())] == ["1.004222", "2.000200"]
    run("export_catalog", str(path), "--published-only")
    assert [r["code"] for r in json.loads(path.read_text())] == ["1.000001", "1.004222"]
    exc, _ = fails("export_catalog", str(path), "--code", "9.999999")
    assert "Không có thủ tục mã 9.999999" in str(exc)
    exc, _ = fails("export_catalog", str(tmp_path / "out.pdf"))
    assert "Không hỗ trợ loại tệp “.pdf”" in str(exc)


# --- catalog_report -----------------------------------------------------------------------------


def test_catalog_report_text(catalogue):
    out, _ = run("catalog_report")
    lines = out.splitlines()
    assert lines[0].startswith("Mã ")
    row = next(line for line in lines if line.startswith("2.000200"))
    assert "b, c, d, đ, e, g" in row and "Cấp bản sao trích lục hộ tịch" in row
    assert "Chỉ số 1.3 TTHC được công khai đầy đủ các bộ phận cấu thành: 2/2 = 100.00% → 2.00/2 điểm" in lines


def test_catalog_report_csv_to_a_file(tmp_path, catalogue):
    path = tmp_path / "report.csv"
    out, _ = run("catalog_report", "--format", "csv", "--output", str(path), "--level", "ministry")
    assert out.startswith(f"Đã ghi báo cáo 3 thủ tục vào {path}")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfcode,name,")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    by_code = {r["code"]: r for r in rows}
    assert by_code["2.000200"]["missing_parts"] == "b, c, d, đ, e, g"
    assert by_code["2.000200"]["announcement_status"] == "not_applicable"
    # Ministry: the decision of 01/07/2025 is not 20 working days before the basis effective 15/07/2025.
    assert by_code["1.004222"]["announcement_status"] == "late"
    assert by_code["1.004222"]["announcement_deadline"] == "2025-06-17"


def test_catalog_report_rejects_a_bad_level(db):
    with pytest.raises(CommandError):
        call_command("catalog_report", "--level", "commune", stdout=io.StringIO(), stderr=io.StringIO())


# --- the real command line: exit status and stderr, never a traceback ---------------------------


@pytest.fixture
def cli_env(transactional_db, agencies, tmp_path) -> dict[str, str]:
    """Environment for a `motcua` subprocess that sees this test's database (with the agencies)."""
    # The subprocess runs the very code under test, wherever the venv's editable install points.
    src = str(Path(motcua.__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONWARNINGS": "ignore",
        "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])),
    }
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        # The test database is in memory: hand the subprocess a copy in a file.
        copy = tmp_path / "cli.sqlite3"
        target = sqlite3.connect(copy)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        env["DATABASE_URL"] = f"sqlite:///{copy}"
    else:
        auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        env["DATABASE_URL"] = (
            f"postgres://{auth}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"
        )
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([MOTCUA, *args], env=env, capture_output=True, text=True, timeout=120)


def codes_in(env: dict[str, str]) -> list[str]:
    """Procedure codes in the database that the subprocess used."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return [code for (code,) in db.execute("SELECT code FROM catalog_procedure ORDER BY code")]
    return list(Procedure.objects.order_by("code").values_list("code", flat=True))


def test_command_line_exit_status_and_clean_stderr(tmp_path, cli_env):
    bad = cli(cli_env, "import_catalog", str(_csv_with_three_bad_rows(tmp_path)))
    assert bad.returncode == 2, bad.stderr
    assert "Traceback" not in bad.stderr
    assert [line.split(" (mã")[0] for line in bad.stderr.splitlines()[:3]] == ["dòng 4", "dòng 8", "dòng 10"]
    assert "3 dòng lỗi trên 6 thủ tục" in bad.stderr.splitlines()[-1]
    assert codes_in(cli_env) == []

    broken = tmp_path / "broken.json"
    broken.write_text('[{"code": "1.000001",}]', encoding="utf-8")
    result = cli(cli_env, "import_catalog", str(broken))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith(
        "Tệp JSON không hợp lệ: Expecting property name enclosed in double "
        "quotes ở dòng 1, cột 22 (invalid JSON)."
    )

    good = write_json(tmp_path / "good.json", [rich_record(), bare_record()])
    result = cli(cli_env, "import_catalog", str(good))
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "Đã nhập 2 thủ tục: 2 mới, 0 cập nhật, 0 không đổi.\n",
        "",
    )

    assert codes_in(cli_env) == ["1.004222", "2.000200"]
