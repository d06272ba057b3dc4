"""Read side of payments: what a dossier owes and how it was paid (contract §8 `GET .../payment`), and the
notices an officer must look at."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse

from motcua.core.errors import NotFound
from motcua.core.formatting import LOCAL_TZ
from motcua.directory import selectors as directory
from motcua.dossiers.selectors import dossiers_visible_to

from . import gateways, vietqr
from .models import Payment, PaymentAttempt, PaymentNotice, PaymentRequest
from .services import PAYABLE


def visible_dossier(user, code: str):
    d = dossiers_visible_to(user).select_related("agency", "receiving_agency").filter(code=code[:60]).first()
    if d is None:
        raise NotFound(f"Không có hồ sơ mã '{code[:60]}'.", code="dossier_not_found")
    return d


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(LOCAL_TZ) if value else None


def amount_due(d) -> int:
    """What the dossier still owes and can pay now (nothing once it is finished)."""
    return max(d.fee_total - d.fee_paid, 0) if d.status in PAYABLE else 0


def payment_of(user, code: str) -> dict[str, Any]:
    """The dossier's payment page: what it owes, its requests with their attempts and payments, and the
    VietQR of the collecting agency's account for what is due. Staff see every attempt; the payer too."""
    d = visible_dossier(user, code)
    requests = list(PaymentRequest.objects.filter(dossier=d).order_by("id"))
    attempts = list(PaymentAttempt.objects.filter(request__dossier=d).order_by("id"))
    paid = {p.request_id: p for p in Payment.objects.filter(dossier=d).select_related("refund")}
    due = amount_due(d)
    gateway = gateways.get()
    qr = vietqr.for_dossier(d, due) if due else None
    return {
        "code": d.code,
        "amount_due": due,
        "fee_total": d.fee_total,
        "fee_paid": d.fee_paid,
        "paid_online": d.paid_online,
        "online_available": bool(due) and gateway.configured() and d.applicant_user_id == user.pk,
        "requests": [
            {
                "id": r.pk,
                "kind": r.kind,
                "reason": r.reason,
                "amount": r.amount,
                "state": r.state,
                "requested_at": _local(r.requested_at),
                "settled_at": _local(r.settled_at),
                "payment": paid.get(r.pk),  # a Payment (its JSON: schemas.payment_json)
            }
            for r in requests
        ],
        "attempts": [
            {
                "reference": a.reference,
                "request": a.request_id,
                "amount": a.amount,
                "state": a.state,
                "gateway": a.gateway,
                "started_at": _local(a.started_at),
                "finished_at": _local(a.finished_at),
                "transaction_id": a.transaction_id,
            }
            for a in attempts
        ],
        "vietqr": (
            {**qr, "png_url": reverse("api:dossier_vietqr_png", kwargs={"code": d.code})} if qr else None
        ),
    }


def attempt_for_payer(user, reference: str) -> PaymentAttempt:
    """The attempt a payer comes back from the gateway's page with (the return page): only its own."""
    a = (
        PaymentAttempt.objects.filter(reference=reference[:50], request__dossier__applicant_user_id=user.pk)
        .select_related("request__dossier")
        .first()
        if getattr(user, "pk", None)
        else None
    )
    if a is None:
        raise NotFound("Không có lượt thanh toán này.", code="attempt_not_found")
    return a


def _open_flags(user):
    """Flagged notices not yet resolved that this officer may resolve (`services.resolve`'s rule: a
    reception officer who receives for the dossier's agency, or a system administrator)."""
    qs = PaymentNotice.objects.filter(flagged=True, resolved_at__isnull=True)
    if directory.is_sysadmin(user):
        return qs
    return qs.filter(attempt__request__dossier__agency__in=directory.receivable_agencies(user))


def open_flags(user, *, limit: int = 100) -> list[PaymentNotice]:
    """Flagged notices not yet resolved that this officer may handle, newest first."""
    return list(
        _open_flags(user).select_related("attempt__request__dossier").order_by("-received_at", "-id")[:limit]
    )


def open_flag_count(user, *, cap: int = 99) -> tuple[int, bool]:
    """How many `open_flags` there are, counted up to `cap` (a badge, not a report): (count, capped)."""
    n = _open_flags(user).order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap
