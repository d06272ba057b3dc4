"""`motcua check_dossiers`: the event log replayed against the stored rows."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from motcua.dossiers.models import Dossier
from tests.dossiers.conftest import local


def test_a_row_that_disagrees_with_its_history_is_reported_and_repaired(counter, perform, capsys):
    d = counter(at=local(2025, 8, 15, 15))
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 16))
    call_command("check_dossiers")
    assert "0 hồ sơ lệch" in capsys.readouterr().out
    Dossier.objects.filter(pk=d.pk).update(status=9, supplement_count=3)  # a bad manual repair
    with pytest.raises(SystemExit) as exit_:
        call_command("check_dossiers")
    out = capsys.readouterr().out
    assert exit_.value.code == 1 and f"{d.code}: status: 9 (nhật ký: 4)" in out and "supplement_count" in out
    call_command("check_dossiers", "--repair")
    d.refresh_from_db()
    assert (d.status, d.supplement_count) == (4, 0)
    call_command("check_dossiers", "--code", d.code)
    assert "Đã kiểm tra 1 hồ sơ; 0 hồ sơ lệch" in capsys.readouterr().out
