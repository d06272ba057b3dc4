"""Dossier fixtures: a published procedure of the justice department and a clock in local time."""

from __future__ import annotations

from datetime import datetime

import pytest

from motcua.catalog.services import apply_record
from motcua.core.formatting import LOCAL_TZ
from motcua.dossiers import services
from tests.api.catalog_data import record

PROCEDURE = "1.001193"


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


def submission(**extra):
    """A complete contract §4 body for the test procedure."""
    body = {
        "procedure": PROCEDURE,
        "agency": "000.00.15.H40",
        "channel": 2,
        "applicant": {
            "kind": "citizen",
            "name": "Nguyễn Thị Hoa",
            "id_number": "038190001234",
            "phone": "0912345678",
            "email": "hoa@example.vn",
            "address": "Vinh, Nghệ An",
        },
        "components": [{"code": "TP1", "copies": 1}, {"code": "TP2", "copies": 2}],
        "summary": "Đăng ký khai sinh cho con",
    }
    body.update(extra)
    return body


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The demo accounts are created with a password per test; PBKDF2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def procedure(agencies):
    p, _ = apply_record(
        record(
            PROCEDURE,
            "Đăng ký khai sinh có yếu tố nước ngoài",
            levels=["province"],
            agencies=[agencies["justice"].identifier, agencies["health"].identifier],
            fees=[
                {"kind": "charge", "amount": 20000, "channel": "counter"},
                {"kind": "charge", "amount": 10000, "channel": "online"},
            ],
        )
    )
    return p


@pytest.fixture
def online(people, procedure):
    """submit(at=..., **body overrides) -> a congdan online dossier (status 1)."""

    def make(at: datetime | None = None, **extra):
        return services.submit_dossier(
            people["congdan"], submission(**extra), at=at or local(2025, 8, 15, 15)
        )

    return make


@pytest.fixture
def counter(people, procedure):
    """A counter reception by tiepnhan (status 2 with a due date)."""

    def make(at: datetime | None = None, **extra):
        return services.submit_dossier(
            people["tiepnhan"], submission(channel=1, **extra), at=at or local(2025, 8, 15, 15)
        )

    return make


def state(code: str) -> tuple[dict, int, int]:
    """Everything an action may change: the row, the number of events and of outbox messages."""
    from django.forms.models import model_to_dict

    from motcua.dossiers.models import Dossier, DossierEvent
    from motcua.integrations.models import OutboxMessage

    d = Dossier.objects.get(code=code)
    row = model_to_dict(d)
    row["fees"] = list(d.fees.values_list("amount", "paid_at"))
    return row, DossierEvent.objects.filter(dossier=d).count(), OutboxMessage.objects.filter(key=code).count()


@pytest.fixture
def perform(people):
    """perform(username, dossier, action, at, **payload) through the service layer."""

    def run(username: str, dossier, action: str, at: datetime, **payload):
        code = dossier if isinstance(dossier, str) else dossier.code
        return services.perform(people[username], code, action, at=at, **payload)

    return run
