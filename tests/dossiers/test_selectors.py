"""The `due` list filter agrees with the timeliness shown on each dossier."""

from __future__ import annotations

from motcua.dossiers import machine, selectors
from motcua.dossiers.models import Dossier
from tests.dossiers.conftest import local

NOW = local(2025, 8, 19, 9)  # Tuesday


def test_due_filters_match_timeliness(counter, perform):
    soon = counter(at=local(2025, 8, 15, 15))  # due Wed 20/08 15:00: within 2 working days of NOW
    late = counter(at=local(2025, 8, 4, 9))  # due Thu 07/08 09:00
    done = counter(at=local(2025, 8, 15, 15))
    perform("tiepnhan", done, "forward", local(2025, 8, 15, 16))
    perform("lanhdao", done, "complete", local(2025, 8, 18, 9), result={"name": "Giấy khai sinh"})
    twice = counter(at=local(2025, 8, 15, 15))
    perform("tiepnhan", twice, "forward", local(2025, 8, 15, 16))
    for h in (8, 10):
        perform("chuyenvien", twice, "request_supplement", local(2025, 8, 18, h), reason="x", items=["y"])
        perform("congdan", twice, "supplement", local(2025, 8, 18, h + 1))
    paused = counter(at=local(2025, 8, 4, 9))
    perform("tiepnhan", paused, "forward", local(2025, 8, 4, 10))
    perform("chuyenvien", paused, "request_supplement", local(2025, 8, 6, 9), reason="x", items=["y"])
    later = counter(at=local(2025, 8, 19, 8))  # due Fri 22/08: in time, not soon

    def found(due: str) -> set[str]:
        return set(
            selectors.filter_dossiers(Dossier.objects.all(), due=due, now=NOW).values_list("code", flat=True)
        )

    assert found("overdue") == {late.code, twice.code}
    assert found("due_soon") == {soon.code}
    assert found("on_time") == {soon.code, done.code, paused.code, later.code}
    for d in Dossier.objects.all():
        t = machine.timeliness(d, NOW)
        assert (t == "overdue") == (d.code in found("overdue")), d.code
        assert (t in ("early", "on_time", "in_time")) == (d.code in found("on_time")), d.code
