"""The personal data warehouse (kho quản lý dữ liệu điện tử của tổ chức, cá nhân; TT 01/2023 Art. 24,
Nghị định 45/2020 Art. 16(3)): what the state already holds for one account, reusable in new dossiers.

Read side only. A paper is either an electronic result issued to the person (documents.Result) or a paper
the one-stop digitised (a DossierFile with the minimum metadata) of a dossier the person owns. Ownership is
the account (`applicant_user`) or, for dossiers received at the counter before the account existed, the
person's 12-digit ID. Keys are opaque to the caller ("r<id>" or "f<id>") and every lookup re-checks
ownership: another person's key is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from django.db.models import Q

from motcua.core.errors import NotFound
from motcua.core.names import full_name
from motcua.dossiers import machine
from motcua.dossiers.models import Dossier, DossierFile

from .models import Result

WAREHOUSE_LIMIT = 200  # per kind: a person's own papers, newest first; far more than anyone holds


@dataclass(frozen=True)
class Paper:
    key: str
    kind: Literal["result", "paper"]
    name: str
    dossier_code: str
    procedure_name: str
    issued_at: datetime | date | None
    content_type: str
    size: int
    sha256: str
    storage_name: str
    result_code: str = ""  # MaKetQuaThayThe when a result is reused
    revoked: bool = False
    metadata: dict = field(default_factory=dict)  # a digitised paper's minimum metadata

    @property
    def reusable(self) -> bool:
        return not self.revoked


def _id_number(user) -> str:
    applicant = getattr(user, "applicant", None)
    return getattr(applicant, "id_number", "") or ""


def owned_dossiers(user):
    """Dossiers of the warehouse's owner: filed by the account, or received for the person's ID."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    id_number = _id_number(user)
    rule = Q(applicant_user=user)
    if id_number:
        rule |= Q(applicant_id_number=id_number)
    return Dossier.objects.filter(rule)


def _results(user, *, pk=None, limit=WAREHOUSE_LIMIT):
    id_number = _id_number(user)
    # The result of a dossier the account filed is the account's even if the issuer left `owner` empty.
    rule = Q(owner=user) | Q(dossier__applicant_user=user)
    if id_number:
        rule |= Q(owner_id_number=id_number)
    qs = Result.objects.filter(rule).select_related("dossier__procedure")
    return qs.filter(pk=pk) if pk is not None else qs.order_by("-signed_at", "-pk")[:limit]


def _files(user, *, pk=None, limit=WAREHOUSE_LIMIT):
    qs = DossierFile.objects.filter(digitised=True, dossier__in=owned_dossiers(user)).select_related(
        "dossier__procedure"
    )
    return qs.filter(pk=pk) if pk is not None else qs.order_by("-uploaded_at", "-pk")[:limit]


METADATA = (
    "doc_type",
    "doc_name",
    "holder_id_number",
    "holder_name",
    "holder_birth_year",
    "issued_on",
    "issuer",
    "content_summary",
    "valid_from",
    "valid_to",
    "valid_indefinitely",
    "validity_scope",
)


def _from_result(r: Result) -> Paper:
    return Paper(
        key=f"r{r.pk}",
        kind="result",
        name=r.name,
        dossier_code=r.dossier.code,
        procedure_name=r.dossier.procedure.name,
        issued_at=r.signed_at,
        content_type="application/pdf",
        size=r.size,
        sha256=r.sha256,
        storage_name=r.file.name,
        result_code=r.code,
        revoked=r.revoked,
    )


def _from_file(f: DossierFile) -> Paper:
    return Paper(
        key=f"f{f.pk}",
        kind="paper",
        name=f.doc_name or f.name,
        dossier_code=f.dossier.code,
        procedure_name=f.dossier.procedure.name,
        issued_at=f.issued_on or f.uploaded_at,
        content_type=f.content_type,
        size=f.size,
        sha256=f.sha256,
        storage_name=f.file.name,
        metadata={k: getattr(f, k) for k in METADATA},
    )


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def papers(user, *, limit: int = WAREHOUSE_LIMIT) -> list[Paper]:
    """The person's results (newest first), then their digitised papers: at most `limit` of each."""
    if not _signed_in(user):
        return []
    return [_from_result(r) for r in _results(user, limit=limit)] + [
        _from_file(f) for f in _files(user, limit=limit)
    ]


def paper(user, key: str) -> Paper:
    """One paper of the person's warehouse by its key, or 404 (also for anyone else's key)."""
    missing = NotFound("Không có giấy tờ này trong kho dữ liệu của bạn.", code="paper_not_found")
    if user is None or not getattr(user, "is_authenticated", False) or len(key or "") < 2:
        raise missing
    kind, pk = key[0], key[1:]
    if not pk.isdigit() or kind not in "rf":
        raise missing
    found = (_results if kind == "r" else _files)(user, pk=int(pk)).first()
    if found is None:
        raise missing
    return _from_result(found) if kind == "r" else _from_file(found)


# ------------------------------------------------------------------------------------------ the page
# The warehouse page shows this many of each kind (newest first) and says when there are more: a heavy
# user's page reads a bounded number of rows whatever they hold.
PAGE_LIMIT = 50
# "Received and successfully processed" (TT 01/2023 Art. 24(b)): a result is ready or was returned.
PROCESSED = (machine.Status.RELEASING, machine.Status.DONE)


@dataclass(frozen=True)
class Identity:
    """Identity metadata of the warehouse's owner (Art. 24(a)): the numbers masked but their last 4."""

    name: str
    kind: str  # Applicant.Kind value, "" without an applicant record
    kind_label: str
    id_number: str  # masked
    tax_code: str  # masked


def mask_number(value: str) -> str:
    """'040190001234' -> '********1234': enough for the owner to recognise, not to use."""
    value = (value or "").strip()
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def identity(user) -> Identity:
    applicant = getattr(user, "applicant", None)
    if applicant is None:
        return Identity(full_name(user), "", "", "", "")
    return Identity(
        applicant.full_name or full_name(user),
        applicant.kind,
        str(applicant.get_kind_display()),
        mask_number(applicant.id_number),
        mask_number(applicant.tax_code),
    )


@dataclass
class Shelf:
    """One section of the warehouse page: its first rows and whether the person holds more."""

    rows: list
    more: bool


def _shelf(rows: list, limit: int) -> Shelf:
    return Shelf(rows[:limit], len(rows) > limit)


def processed_dossiers(user, *, limit: int | None = None) -> Shelf:
    """The person's dossiers with a result (newest first)."""
    limit = limit or PAGE_LIMIT
    if not _signed_in(user):
        return Shelf([], False)
    qs = (
        owned_dossiers(user)
        .filter(status__in=list(PROCESSED))
        .select_related("procedure", "agency")
        .order_by("-submitted_at", "-id")
    )
    return _shelf(list(qs[: limit + 1]), limit)


def results_shelf(user, *, limit: int | None = None) -> Shelf:
    limit = limit or PAGE_LIMIT
    if not _signed_in(user):
        return Shelf([], False)
    return _shelf([_from_result(r) for r in _results(user, limit=limit + 1)], limit)


def papers_shelf(user, *, limit: int | None = None) -> Shelf:
    limit = limit or PAGE_LIMIT
    if not _signed_in(user):
        return Shelf([], False)
    return _shelf([_from_file(f) for f in _files(user, limit=limit + 1)], limit)


# ------------------------------------------------------------------------------------- giving out bytes
CHUNK = 1 << 16
