"""Issuing electronic results (Nghị định 45/2020 Art. 14(3); ADR 0019): when a leader completes a dossier,
its result is rendered to PDF/A-3b, signed by the issuing agency (PAdES) and stored, in the transaction of
the `complete` action, so the leader sees it at once and a refusal changes nothing.

The seam is the outbox: `on_change` derives from every `dossier.status` message (as the applicant's notices
do, ADR 0013) and acts on `complete` only. An agency without signing credentials makes `complete` fail with
409 `no_signing_credentials` before anything is rendered.

`held()` issues nothing for the completions inside it (the demo's year of history): `issue_for` issues the
results of chosen dossiers afterwards.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from motcua.core.errors import Conflict
from motcua.dossiers import forms_data
from motcua.dossiers.models import ApplicantKind, Dossier, DossierEvent
from motcua.dossiers.services.events import OUTBOX_TOPIC, actor_name
from motcua.integrations import outbox

from . import render, signing
from .models import Result

REASON = "Ban hành kết quả giải quyết thủ tục hành chính"
_local = threading.local()


@contextmanager
def held() -> Iterator[None]:
    """No result for the completions inside the block (history written after the fact)."""
    previous = getattr(_local, "held", False)
    _local.held = True
    try:
        yield
    finally:
        _local.held = previous


def is_held() -> bool:
    return getattr(_local, "held", False)


def result_code(dossier_code: str, n: int) -> str:
    return f"{dossier_code}-KQ{n}"


def public_url(code: str) -> str:
    return f"{settings.SITE_URL}/ket-qua/{code}/"


def no_credentials(agency) -> Conflict:
    return Conflict(
        f"{agency.name} chưa có chứng thư số để ký kết quả điện tử: chưa thể phê duyệt hoàn thành hồ sơ. "
        "Đề nghị quản trị hệ thống cài đặt chứng thư số của cơ quan rồi thực hiện lại.",
        code="no_signing_credentials",
    )


def result_data(d: Dossier, name: str, code: str, at: datetime, approver: str) -> dict[str, Any]:
    """What the result's template shows (and its QR code encodes)."""
    unit = d.current_agency
    organisation = d.applicant_kind != ApplicantKind.CITIZEN
    return {
        "form": "kq",
        "title": name,
        "code": d.code,
        "result_code": code,
        "number": code,
        "issuer": forms_data.issuer(unit),
        "place": forms_data.place_name(unit),
        "date": forms_data.dated(at),
        "procedure": {"code": d.procedure.code, "name": d.procedure.name},
        "applicant": {
            "name": d.applicant_name,
            "identifier": forms_data.applicant_identifier(d),
            "identifier_label": "Mã số thuế"
            if organisation and not d.applicant_id_number
            else "Số định danh",
        },
        "sign_title": f"TM. {unit.name}",
        "approver": approver,
        "url": public_url(code),
    }


def _dossier(code: str) -> Dossier:
    parts = (f"current_agency__{p}" for p in forms_data.AGENCY_PARTS)
    return Dossier.objects.select_related("procedure", "current_agency", *parts).get(code=code)


def issue(d: Dossier, name: str, *, at: datetime, approver: str = "") -> Result:
    """Render, sign and store the next result of `d` (in the caller's transaction)."""
    agency = d.current_agency
    signer = signing.get()
    if not signer.has_credentials(agency):
        raise no_credentials(agency)
    n = (Result.objects.filter(dossier=d).aggregate(m=Max("n"))["m"] or 0) + 1
    code = result_code(d.code, n)
    pdf = render.result_pdf(result_data(d, name, code, at, approver))
    place = forms_data.place_name(agency)
    signed = signer.sign(pdf, agency, reason=REASON, location=place or agency.name)
    result = Result(
        dossier=d,
        n=n,
        code=code,
        name=name,
        size=len(signed.pdf),
        sha256=hashlib.sha256(signed.pdf).hexdigest(),
        issuing_agency=agency,
        signed_by=signed.signed_by,
        signer_certificate=signed.fingerprint,
        signed_at=signed.signed_at,
        owner_id_number=d.applicant_id_number,
        owner_id=d.applicant_user_id,
    )
    result.file.save(f"{code}.pdf", ContentFile(signed.pdf), save=False)
    # Written before the commit: a later rollback (rare: a failing deriver after this one) leaves an
    # unreferenced file in the private store, never a row without its file.
    result.save()
    return result


def on_change(message) -> None:
    """`outbox.derive` hook: the result of a `complete`, in its transaction."""
    event = (message.payload or {}).get("event") or {}
    if event.get("action") != "complete" or is_held():
        return
    d = _dossier(message.key)
    at = datetime.fromisoformat(event["at"]) if event.get("at") else timezone.now()
    issue(d, event["data"]["result"], at=at, approver=event.get("actor") or "")


def connect() -> None:
    outbox.derive(OUTBOX_TOPIC, on_change)


def issue_for(dossiers: Iterable[Dossier]) -> int:
    """Issue the missing result of each completed dossier (after `held()`), one transaction each."""
    issued = 0
    for d in dossiers:
        event = DossierEvent.objects.filter(dossier_id=d.pk, action="complete").order_by("-seq").first()
        if event is None or Result.objects.filter(dossier_id=d.pk).exists():
            continue
        with transaction.atomic():
            approver = event.actor_name or actor_name(event.actor)
            issue(_dossier(d.code), event.data.get("result") or d.result_name, at=event.at, approver=approver)
        issued += 1
    return issued
