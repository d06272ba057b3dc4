"""The population database lookup on the counter's intake form (workspace/counter.py calls these).

The officer types the personal ID, name and birth date from the paper and presses "Tra cứu CSDL dân cư". On a
match the form is filled from the registry (name as registered, birth date, and the permanent address when
none was typed) and the page carries a signed proof (`population` input): the officer's account, the form's
token and a keyed hash of the number verified. When that form files a dossier for that same number, the
dossier lists the population database in DSKetNoiCSDL. The proof costs no query to check; a changed number,
another form or another officer makes it worthless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core import formatting, inputs
from motcua.core.errors import ValidationFailed

from . import selectors, services
from .client import PopulationError
from .models import Lookup

SALT = "motcua.population.counter"
PROOF_MAX_AGE = 12 * 3600  # a working day: a form left open overnight is looked up again
FIELD_LABELS = {"name": gettext_lazy("Họ và tên"), "birth_date": gettext_lazy("Ngày sinh")}
GENDERS = {"male": gettext_lazy("Nam"), "female": gettext_lazy("Nữ")}


@dataclass
class Verdict:
    """What the page shows beside the applicant after a lookup."""

    outcome: str  # match | mismatch | not_found | error
    message: str
    facts: list[tuple[str, str]] = field(default_factory=list)


def enabled() -> bool:
    return selectors.configured()


def reference(token: str) -> str:
    return f"counter:{token}"


def _digest(id_number: str) -> str:
    return salted_hmac(SALT, id_number, algorithm="sha256").hexdigest()[:32]


def proof(user, token: str, id_number: str) -> str:
    return signing.dumps({"u": user.pk, "t": token, "h": _digest(id_number)}, salt=SALT, compress=True)


def databases(user, token: str, posted_proof: str, id_number: str) -> list[str]:
    """DSKetNoiCSDL for a dossier filed from this form: the population database when the proof holds."""
    if not posted_proof:
        return []
    try:
        data = signing.loads(posted_proof.strip(), salt=SALT, max_age=PROOF_MAX_AGE)
    except signing.BadSignature:
        return []
    ok = (
        isinstance(data, dict)
        and data.get("u") == user.pk
        and constant_time_compare(str(data.get("t", "")), token)
        and constant_time_compare(str(data.get("h", "")), _digest((id_number or "").strip()))
    )
    return selectors.databases(ok)


def filed(user, token: str, dossier, dbs: list[str]) -> None:
    """Name the dossier on the lookups that verified its applicant."""
    if dbs:
        services.bind(user, reference(token), dossier)


def look_up(
    request, token: str, values: dict[str, str], errors: dict[str, str]
) -> tuple[int, Verdict | None]:
    """Check the typed applicant against the registry; fills `values` (and `errors`) as the page shows them."""
    values["population"] = ""
    try:
        birth = inputs.typed_day(values.get("birth_date", ""), "birth_date")
        q = services.query(values.get("id_number", ""), values.get("name", ""), birth)
        answer = services.lookup(
            request.user, request, q, purpose=Lookup.Purpose.COUNTER, reference=reference(token)
        )
    except ValidationFailed as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        where = str(details.get("field") or "")
        errors[where if where in ("name", "birth_date") else "id_number"] = exc.message
        return 422, None
    except services.Throttled as exc:
        errors["id_number"] = exc.message
        return 429, None
    except PopulationError as exc:
        return exc.status, Verdict("error", exc.message)
    if answer.outcome == "not_found":
        return 200, Verdict(
            "not_found",
            _(
                "Không có số định danh này trong Cơ sở dữ liệu quốc gia về dân cư: kiểm tra lại số trên giấy tờ."
            ),
        )
    if answer.outcome == "mismatch":
        wrong = ", ".join(str(FIELD_LABELS[f]) for f in answer.mismatched if f in FIELD_LABELS)
        for name in answer.mismatched:
            errors[name] = _("Không khớp với Cơ sở dữ liệu quốc gia về dân cư.")
        return 200, Verdict(
            "mismatch",
            _(
                "Số định danh có trong CSDL quốc gia về dân cư nhưng không khớp: %(fields)s. Đối chiếu lại giấy tờ."
            )
            % {"fields": wrong},
        )
    person = answer.person
    values["id_number"] = person.id_number
    values["kind"] = "citizen"
    values["name"] = person.name
    values["birth_date"] = formatting.day(person.birth_date)
    if not values.get("address", "").strip():
        values["address"] = person.permanent_address
    values["population"] = proof(request.user, token, person.id_number)
    facts: list[tuple[str, Any]] = [
        (_("Giới tính"), str(GENDERS[person.gender]) if person.gender in GENDERS else ""),
        (_("Quê quán"), person.hometown),
        (_("Nơi thường trú"), person.permanent_address),
        (_("Nơi ở hiện tại"), person.current_address),
        (_("Dân tộc"), person.ethnicity),
        (_("Quốc tịch"), person.nationality),
    ]
    return 200, Verdict(
        "match",
        _("Đã đối chiếu với CSDL quốc gia về dân cư: số định danh, họ tên, ngày sinh khớp."),
        [(label, value) for label, value in facts if value],
    )
