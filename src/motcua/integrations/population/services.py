"""Write side of the population database lookup: one lookup (throttled, sent, logged for audit), and the
dossier a form's lookups served once it is filed. Views call these; nothing else talks to the client."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from motcua.access import throttle
from motcua.access.throttle import Throttle
from motcua.core.errors import ValidationFailed
from motcua.core.identity import check_personal_id

from . import client as platform
from .models import Lookup

log = logging.getLogger(__name__)

# Every lookup counts (a hit discloses personal data and personal IDs are guessable), per user and per
# client address; the target of the per-user limit is the account.
THROTTLE = Throttle("population", "POPULATION_LIMITS_CLIENT", "POPULATION_LIMITS_USER")
PURPOSE_CODES = {  # muc_dich sent to the platform
    Lookup.Purpose.COUNTER: "tiep_nhan_tai_quay",
    Lookup.Purpose.ONLINE_SELF: "nop_truc_tuyen",
    Lookup.Purpose.ONLINE_BEHALF: "nop_truc_tuyen",
}


class Throttled(throttle.Throttled):
    template = gettext_lazy(
        "Tra cứu Cơ sở dữ liệu quốc gia về dân cư quá nhiều lần; thử lại sau %(minutes)s phút."
    )


@dataclass(frozen=True)
class Query:
    id_number: str
    name: str
    birth_date: date


def query(id_number: str, name: str, birth_date: date | None) -> Query:
    """The three things the platform needs, checked; ValidationFailed names the field at fault."""
    if not (name or "").strip():
        raise ValidationFailed(
            "Nhập họ và tên để tra cứu Cơ sở dữ liệu quốc gia về dân cư.",
            code="missing_field",
            details={"field": "name"},
        )
    if birth_date is None:
        raise ValidationFailed(
            "Nhập ngày sinh (dd/mm/yyyy) để tra cứu Cơ sở dữ liệu quốc gia về dân cư.",
            code="missing_field",
            details={"field": "birth_date"},
        )
    try:
        number = check_personal_id(id_number, birth_date=birth_date)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, code=exc.code, details={"field": "id_number"}) from None
    return Query(number, " ".join(name.split())[:200], birth_date)


def lookup(actor, request: HttpRequest, q: Query, *, purpose: str, reference: str = "") -> platform.Answer:
    """Ask the platform about `q`; the answer, or PopulationError / Throttled. Every call is one audit row."""
    target = f"user:{actor.pk}"
    blocked = THROTTLE.blocked(request, target)
    if blocked is not None:
        raise Throttled(blocked)
    THROTTLE.miss(request, target)
    row = Lookup(
        at=timezone.now(),
        user=actor,
        username=actor.get_username(),
        id_number=q.id_number,
        purpose=purpose,
        reference=reference[:80],
    )
    try:
        answer = platform.client().lookup(
            q.id_number, q.name, q.birth_date, purpose=PURPOSE_CODES.get(purpose, "")
        )
    except platform.PopulationError as exc:
        row.outcome, row.error_code = Lookup.Outcome.ERROR, exc.code
        row.save(force_insert=True)
        # The audit row's number only: the person looked up stays out of the log.
        log.warning("population lookup %s failed: %s", row.pk, exc.code)
        raise
    row.outcome, row.mismatched, row.transaction = answer.outcome, list(answer.mismatched), answer.transaction
    row.save(force_insert=True)
    return answer


def bind(actor, reference: str, dossier) -> int:
    """Name the dossier filed from the form (`reference`) on that form's lookups by `actor`."""
    if not reference:
        return 0
    return Lookup.objects.filter(user=actor, reference=reference[:80], dossier__isnull=True).update(
        dossier=dossier
    )
