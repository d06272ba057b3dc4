"""The population database lookup on the citizen's online form (online/views.py and services.py call these).

On the e-form the citizen presses "Đối chiếu với CSDL dân cư": the account holder's identity (from the
account: personal ID, name, birth date) and, when filing for someone else, that person's as saved in the
draft, are checked against the registry. The lookups are logged against the draft's key; when the draft is
filed, a matching lookup of the dossier's applicant puts the population database in DSKetNoiCSDL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.errors import DomainError

from . import selectors, services
from .client import PopulationError
from .models import Lookup

SELF, BEHALF = Lookup.Purpose.ONLINE_SELF, Lookup.Purpose.ONLINE_BEHALF


@dataclass
class Person:
    """One person the page can verify: who they are to the draft, and their latest lookup's verdict."""

    purpose: str
    label: str
    name: str
    id_number: str
    birth_date: date | None
    outcome: str = ""  # "", match, mismatch, not_found, error
    message: str = ""

    @property
    def verified(self) -> bool:
        return self.outcome == Lookup.Outcome.MATCH


def _birth(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def people(own, draft) -> list[Person]:
    """Whom this draft's lookup concerns: the account holder (a citizen), and the person filed for."""
    out = []
    if own.kind == "citizen" and own.id_number:
        out.append(Person(SELF, _("Chủ tài khoản"), own.full_name, own.id_number, own.birth_date))
    a = draft.applicant or {}
    if draft.on_behalf and a.get("kind", "citizen") == "citizen" and a.get("id_number"):
        out.append(
            Person(
                BEHALF,
                _("Người được nộp thay"),
                a.get("name", ""),
                a["id_number"],
                _birth(a.get("birth_date")),
            )
        )
    return out


MESSAGES = {
    Lookup.Outcome.MATCH: gettext_lazy("Đã đối chiếu với CSDL quốc gia về dân cư"),
    Lookup.Outcome.MISMATCH: gettext_lazy(
        "Không khớp với CSDL quốc gia về dân cư: %(fields)s. Kiểm tra lại thông tin."
    ),
    Lookup.Outcome.NOT_FOUND: gettext_lazy("Không tìm thấy số định danh này trong CSDL quốc gia về dân cư."),
}
FIELD_NAMES = {"name": gettext_lazy("họ và tên"), "birth_date": gettext_lazy("ngày sinh")}


def panel(actor, own, draft) -> list[Person] | None:
    """What the form shows (None when the lookup is not offered): each person and their latest verdict."""
    if not selectors.configured():
        return None
    found = people(own, draft)
    if not found:
        return found
    rows = selectors.latest(actor, draft.key)
    for person in found:
        row = rows.get(person.purpose)
        if row is None or row.id_number != person.id_number:
            continue  # never looked up, or looked up before the number changed
        person.outcome = row.outcome
        if row.outcome == Lookup.Outcome.ERROR:
            person.message = _("Chưa đối chiếu được (CSDL dân cư không trả lời); thử lại sau.")
        elif row.outcome == Lookup.Outcome.MISMATCH:
            fields = ", ".join(str(FIELD_NAMES[f]) for f in row.mismatched if f in FIELD_NAMES)
            person.message = str(MESSAGES[row.outcome]) % {"fields": fields}
        else:
            person.message = str(MESSAGES[row.outcome])
    return found


def check(request, own, draft) -> tuple[int, list[str]]:
    """Look every person of the draft up: (status, the problems that left no audit row as messages).

    A failed call stops the rest (the platform is down for all of them); it is logged, and the panel shows
    it. Input the platform cannot take (a missing birth date) is 422, the throttle 429."""
    status, problems = 200, []
    for person in people(own, draft):
        try:
            q = services.query(person.id_number, person.name, person.birth_date)
            services.lookup(request.user, request, q, purpose=person.purpose, reference=draft.key)
        except PopulationError:
            break
        except services.Throttled as exc:
            return 429, [exc.message]
        except DomainError as exc:
            status = 422
            problems.append(f"{person.label}: {exc.message}")
    return status, problems


def databases(actor, own, draft) -> list[str]:
    """DSKetNoiCSDL for the dossier this draft files: the population database when its applicant matched."""
    if not selectors.configured():
        return []
    purpose = BEHALF if draft.on_behalf else SELF
    number = (draft.applicant or {}).get("id_number", "") if draft.on_behalf else own.id_number
    return selectors.databases(selectors.verified(selectors.latest(actor, draft.key), purpose, number))


def filed(actor, draft, dossier) -> None:
    """Name the dossier on the draft's lookups (inside the submission's transaction)."""
    services.bind(actor, draft.key, dossier)
