"""Read side of online submission: the procedure as offered online, its cases and papers, a person's drafts."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from motcua.catalog.models import Procedure
from motcua.catalog.versions import ONLINE, PUBLISHED, latest_version
from motcua.core.errors import NotFound
from motcua.directory.models import Agency
from motcua.dossiers.models import Channel
from motcua.dossiers.services.intake import case_components, demanded, fee_lines, fee_reductions

from .models import Draft, DraftFile

DRAFTS_SHOWN = 50
ONLINE_CHANNEL = Channel.ONLINE


def max_files() -> int:
    """Files one draft may hold (uploads and reused papers): far below the dossier's own limit."""
    return min(getattr(settings, "ONLINE_DRAFT_MAX_FILES", 30), settings.DOSSIER_MAX_FILES)


@dataclass
class Offer:
    """A published procedure as the online page needs it."""

    procedure: Procedure
    version: object | None
    agencies: list[Agency]
    online: bool
    cases: list[dict] = field(default_factory=list)

    def case(self, code: str) -> dict | None:
        return next((c for c in self.cases if c.get("code") == code), None)

    def agency(self, identifier: str) -> Agency | None:
        return next((a for a in self.agencies if a.identifier == identifier), None)


def offer(code: str) -> Offer:
    """The published procedure `code` (404 `procedure_not_found` for unknown, draft or abolished ones)."""
    code = (code or "").strip()
    p = None
    if code and len(code) <= 20 and code.isprintable():
        p = Procedure.objects.filter(code=code, publication_state__in=PUBLISHED).first()
    if p is None:
        raise NotFound(f"Không tìm thấy thủ tục hành chính mã {code[:40]!r}.", code="procedure_not_found")
    version = latest_version(p)
    agencies = list(p.agencies.order_by("identifier"))
    cases = list((version.record.get("cases") if version is not None else None) or [])
    return Offer(p, version, agencies, p.online_level in ONLINE and version is not None, cases)


@dataclass
class Part:
    """One paper of the chosen case, with what the draft holds for it."""

    code: str
    name: str
    required: bool
    demanded: bool
    replaceable_by_data: bool
    copies: int
    form: dict | None
    files: list[DraftFile] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        return self.demanded and not self.files


def parts(offer: Offer, case_code: str, files: list[DraftFile] = ()) -> list[Part]:
    if offer.version is None:
        return []
    forms = {f.get("code"): f for f in offer.version.record.get("forms") or [] if f.get("code")}
    out = []
    for code, c in case_components(offer.version, case_code).items():
        out.append(
            Part(
                code=code,
                name=c.get("name", code),
                required=bool(c.get("required", True)),
                demanded=demanded(c),
                replaceable_by_data=bool(c.get("replaceable_by_data")),
                copies=int(c.get("copies") or 1),
                form=forms.get(c.get("form_code")),
                files=[f for f in files if f.component_code == code],
            )
        )
    return out


@dataclass
class Fees:
    """What the review page shows of the fees: the lines owed by this case online (after the reduction
    claimed), their total and the reductions the applicant may claim."""

    lines: list
    total: int
    reductions: list[dict]


def fees(offer: Offer, case_code: str, claimed: str = "") -> Fees:
    if offer.version is None:
        return Fees([], 0, [])
    listed = fee_reductions(offer.version, ONLINE_CHANNEL, case_code)
    claimed = next((r["name"] for r in listed if r["name"].casefold() == claimed.strip().casefold()), "")
    lines = fee_lines(offer.version, ONLINE_CHANNEL, case_code, claimed)
    return Fees(lines, sum(f.amount for f in lines), listed)


def draft_of(user, key: str, code: str | None = None) -> Draft:
    """The account's own draft by its key (and procedure code), or 404 for anyone else's or no draft."""
    found = None
    if user is not None and user.is_authenticated and key and len(key) <= 32 and key.isprintable():
        qs = Draft.objects.select_related("procedure", "agency").filter(key=key, owner=user)
        if code is not None:
            qs = qs.filter(procedure__code=code)
        found = qs.first()
    if found is None:
        raise NotFound("Không có hồ sơ nháp này trong tài khoản của bạn.", code="draft_not_found")
    return found


def drafts_of(user, procedure: Procedure | None = None) -> list[Draft]:
    """The account's drafts, the last changed first (with their procedure), for /ca-nhan/ and /nop-ho-so/."""
    if user is None or not user.is_authenticated:
        return []
    qs = Draft.objects.filter(owner=user).select_related("procedure")
    if procedure is not None:
        qs = qs.filter(procedure=procedure)
    return list(qs.order_by("-updated_at", "-id")[:DRAFTS_SHOWN])
