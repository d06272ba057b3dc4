"""Dossiers built through the services, at each point where a form applies, and the poppler tools that
read the PDFs back (pdftotext, pdfinfo, pdftoppm, pdffonts: Debian's poppler-utils)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from motcua.dossiers import services
from tests.dossiers import conftest as dossier_fixtures
from tests.dossiers.conftest import local, submission

# The dossier fixtures, shared with tests/dossiers (a conftest's fixtures reach only its own folder).
counter, online, perform, procedure = (
    dossier_fixtures.counter,
    dossier_fixtures.online,
    dossier_fixtures.perform,
    dossier_fixtures.procedure,
)
fast_passwords = dossier_fixtures.fast_passwords
__all__ = ["local", "submission"]

NAMES = {  # family and middle names first (last_name), the given name last (first_name)
    "tiepnhan": ("Trần Thị", "Lan"),
    "chuyenvien": ("Lê Văn", "Hùng"),
    "lanhdao": ("Phạm Minh", "Đức"),
}
SUPPLEMENT_ITEMS = [
    {"name": "Giấy chứng sinh", "reason": "Bản sao chưa được chứng thực"},
    "Tờ khai đăng ký khai sinh",
]


@pytest.fixture
def named(people):
    for username, (last, first) in NAMES.items():
        user = people[username]
        user.last_name, user.first_name = last, first
        user.save(update_fields=["last_name", "first_name"])
    return people


@pytest.fixture
def lifecycle(named, counter, perform):
    """A counter reception on Friday 15/08/2025 15:00 (due Wed 20/08 15:00), handed to the department,
    paused for a supplement Mon 09:00-Tue 10:00 (9 working hours: due Thu 21/08 16:00), apologised for
    (new date Mon 25/08 10:00), approved and returned."""
    d = counter(at=local(2025, 8, 15, 15))
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 15, 30))
    perform(
        "chuyenvien",
        d,
        "request_supplement",
        local(2025, 8, 18, 9),
        reason="Hồ sơ chưa đầy đủ",
        items=SUPPLEMENT_ITEMS,
    )
    perform("congdan", d, "supplement", local(2025, 8, 19, 10), note="Đã nộp bản sao chứng thực")
    perform(
        "lanhdao",
        d,
        "apologize",
        local(2025, 8, 19, 11),
        reason="Cần xác minh thông tin với Sở Y tế",
        new_due_at=local(2025, 8, 25, 10).isoformat(),
    )
    perform("chuyenvien", d, "forward", local(2025, 8, 20, 9))
    perform("lanhdao", d, "complete", local(2025, 8, 22, 10), result={"name": "Giấy khai sinh"})
    return perform("tiepnhan", d, "return_result", local(2025, 8, 25, 9))


@pytest.fixture
def refused(named, people, procedure):
    d = services.submit_dossier(people["congdan"], submission(), at=local(2025, 8, 14, 20))
    return services.perform(
        people["tiepnhan"], d.code, "refuse", at=local(2025, 8, 15, 9), reason="Hồ sơ không thuộc thẩm quyền"
    )


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def pdf_text(pdf: bytes, tmp_path: Path, *, layout: bool = True) -> str:
    """The text as laid out on the page, or (layout=False) in reading order, each table cell whole."""
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return run("pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", str(path), "-")


def pdf_info(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    return dict(
        (k.strip(), v.strip())
        for k, v in (line.split(":", 1) for line in run("pdfinfo", str(path)).splitlines())
    )
