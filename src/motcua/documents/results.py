"""Electronic results after issuance (ADR 0019): listing and download (the dossier's visibility), public
verification of the stored file or of a copy someone holds, and revocation by the issuing agency's leader.

Verification is anonymous and throttled like the public dossier lookup: a miss (unknown code) counts
against the client, so result codes (dossier code + KQn, guessable) cannot be walked. It shows nothing of
the applicant: code, name, issuing agency, signer, signing time, revocation.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from motcua.access import throttle
from motcua.core import inputs, storage
from motcua.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from motcua.directory import selectors as directory
from motcua.directory.models import Role
from motcua.dossiers import selectors as dossiers
from motcua.integrations import outbox

from . import signing
from .models import Result
from .signing import pades

# Misses per client (and per code tried): the public dossier lookup's rates.
VERIFY = throttle.Throttle("result_verify", "LOOKUP_LIMITS_CLIENT", "LOOKUP_LIMITS_DOSSIER")
MAX_COPY = 20 * 1024 * 1024  # an uploaded copy: far above any result (~40 kB)
REVOKED_TOPIC = "result.revoked"


class Throttled(throttle.Throttled):
    template = "Tra cứu quá nhiều lần; vui lòng thử lại sau %(minutes)s phút."


def _code_ok(code: str | None) -> bool:
    return bool(code) and len(code) <= 80 and "\x00" not in code and code.isprintable()


def not_found(code: str) -> NotFound:
    return NotFound(f"Không có kết quả điện tử mã '{code[:80]}'.", code="result_not_found")


# ------------------------------------------------------------------------------------- signed-in reads
def dossier_results(user, code: str) -> list[Result]:
    """The results of a dossier the user may see (404 dossier_not_found otherwise), in order."""
    d = dossiers.dossier_detail_light(user, code)
    rows = list(Result.objects.filter(dossier_id=d.pk).select_related("issuing_agency").order_by("n"))
    for r in rows:
        r.dossier = d
    return rows


def result_of(user, dossier_code: str, result_code: str) -> Result:
    d = dossiers.dossier_detail_light(user, dossier_code)
    qs = Result.objects.filter(dossier_id=d.pk, code=result_code).select_related("issuing_agency")
    r = qs.first() if _code_ok(result_code) else None
    if r is None:
        raise not_found(result_code or "")
    r.dossier = d
    return r


def stored_bytes(r: Result) -> bytes:
    """The stored PDF, checked against its SHA-256 (409 file_corrupted, 404 file_missing)."""
    with storage.open_checked(r.file.name, r.sha256) as f:
        return f.read()


def result_file(user, dossier_code: str, result_code: str) -> tuple[Result, bytes]:
    r = result_of(user, dossier_code, result_code)
    return r, stored_bytes(r)


# -------------------------------------------------------------------------------------- verification
@dataclass(frozen=True)
class Verdict:
    code: str
    name: str
    issuing_agency: str
    valid: bool
    reason: str
    signed_by: str
    signed_at: datetime
    revoked: bool
    revoked_at: datetime | None
    revoked_reason: str
    same_as_issued: bool | None = None  # for an uploaded copy

    @property
    def status(self) -> str:
        """valid | invalid | revoked (what a page shows first)."""
        if not self.valid:
            return "invalid"
        return "revoked" if self.revoked else "valid"


def public_result(request, code: str) -> Result:
    """The result by its code for an anonymous caller; unknown codes count as misses (429 beyond)."""
    code = (code or "").strip()
    blocked = VERIFY.blocked(request, code[:80])
    if blocked is not None:
        raise Throttled(blocked)
    r = Result.objects.select_related("issuing_agency").filter(code=code).first() if _code_ok(code) else None
    if r is None:
        VERIFY.miss(request, code[:80])
        raise not_found(code)
    return r


def _verdict(r: Result, valid: bool, reason: str, same: bool | None = None) -> Verdict:
    return Verdict(
        code=r.code,
        name=r.name,
        issuing_agency=r.issuing_agency.name,
        valid=valid,
        reason=reason,
        signed_by=r.signed_by,
        signed_at=r.signed_at,
        revoked=r.revoked,
        revoked_at=r.revoked_at,
        revoked_reason=r.revoked_reason,
        same_as_issued=same,
    )


def _signature(data: bytes, r: Result) -> tuple[bool, str]:
    found = pades.check(data, signing.get().trust_roots())
    if not found.valid:
        return False, found.reason
    if r.signer_certificate and found.fingerprint != r.signer_certificate:
        return False, "Tệp được ký bằng chứng thư số khác với chứng thư đã ký kết quả này."
    return True, ""


def verify_stored(request, code: str) -> Verdict:
    """Whether the stored file of result `code` is intact and validly signed by a trusted agency."""
    r = public_result(request, code)
    try:
        data = stored_bytes(r)
    except DomainError as exc:
        return _verdict(r, False, exc.message)
    return _verdict(r, *_signature(data, r))


def verify_copy(request, code: str, upload) -> Verdict:
    """Whether the uploaded file is the result `code` as issued (same bytes) and validly signed."""
    if upload is None:
        raise ValidationFailed(
            "Hãy chọn tệp PDF cần kiểm tra.", code="missing_field", details={"field": "file"}
        )
    if upload.size is not None and upload.size > MAX_COPY:
        raise ValidationFailed("Tệp quá lớn để là một kết quả điện tử (tối đa 20 MB).", code="file_too_large")
    r = public_result(request, code)
    data = upload.read(MAX_COPY + 1)
    if len(data) > MAX_COPY:
        raise ValidationFailed("Tệp quá lớn để là một kết quả điện tử (tối đa 20 MB).", code="file_too_large")
    same = hashlib.sha256(data).hexdigest() == r.sha256
    valid, reason = _signature(data, r)
    if valid and not same:
        valid, reason = False, "Tệp có chữ ký hợp lệ nhưng không phải bản đã ban hành với mã kết quả này."
    return _verdict(r, valid, reason, same)


# ---------------------------------------------------------------------------------------- revocation
def can_revoke(user, r: Result) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return directory.is_sysadmin(user) or directory.has_role(user, Role.LEADER, r.issuing_agency_id)


def revoke(user, code: str, reason: str, *, at: datetime | None = None) -> Result:
    """Revoke a result: a leader of the issuing agency or a system administrator (403 for others who may
    see the dossier, 404 for anyone else). The result stays stored and verification says it is revoked."""
    at = at or timezone.now()
    with transaction.atomic():
        r = (
            Result.objects.select_for_update()
            .select_related("dossier", "issuing_agency")
            .filter(code=code)
            .first()
            if _code_ok(code)
            else None
        )
        if r is None or not (can_revoke(user, r) or _can_see(user, r)):
            raise not_found(code or "")
        if not can_revoke(user, r):
            raise PermissionDenied(
                "Chỉ lãnh đạo cơ quan ban hành hoặc quản trị hệ thống được thu hồi kết quả điện tử.",
                code="revoke_forbidden",
            )
        if r.revoked:
            raise Conflict(
                f"Kết quả {r.code} đã bị thu hồi ngày {timezone.localtime(r.revoked_at):%d/%m/%Y}.",
                code="result_revoked",
            )
        reason = inputs.text(reason, "reason", max_length=2000, required=True, multiline=True)
        r.revoked_at, r.revoked_by, r.revoked_reason = at, user, reason
        r.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        # The warehouse copies (DVCQG) learn it from the outbox, as dossier changes travel.
        outbox.enqueue(
            REVOKED_TOPIC,
            r.code,
            {"code": r.code, "dossier": r.dossier.code, "revoked_at": at.isoformat(), "reason": reason},
            idempotency_key=f"{r.code}:revoked",
            at=at,
        )
    return r


@dataclass(frozen=True)
class OfficerRow:
    result: Result
    file_url: str
    verify_url: str
    may_revoke: bool


def officer_results(user, d) -> list[OfficerRow]:
    """The dossier page's results (the caller has checked that the user sees `d`): one query."""
    from django.urls import reverse

    from .issuing import public_url

    rows = []
    for r in Result.objects.filter(dossier_id=d.pk).select_related("issuing_agency").order_by("n"):
        r.dossier = d
        url = reverse("api:result_file", kwargs={"code": d.code, "result_code": r.code})
        rows.append(OfficerRow(r, url, public_url(r.code), not r.revoked and can_revoke(user, r)))
    return rows


def _can_see(user, r: Result) -> bool:
    from motcua.dossiers import permissions

    return permissions.can_see(user, r.dossier)
