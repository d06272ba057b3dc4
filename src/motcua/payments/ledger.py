"""The money side of the dossier's actions (ADR 0028): what the lifecycle's own writes change in the payment
tables. Called only from inside `dossiers.machine` applies and `dossiers.services.intake`, on the locked
dossier row, in the action's transaction, so a dossier's payments are serialised by its row lock and an
action that is refused leaves no payment behind.

Imports nothing from `motcua.dossiers` at module level: the machine imports this module.
"""

from __future__ import annotations

from datetime import datetime

from motcua.core import statements
from motcua.core.errors import Conflict

from .models import Payment, PaymentAttempt, PaymentRequest, ReceivingAccount


def open_filing(d, fees, *, at: datetime, by) -> PaymentRequest | None:
    """The request for the procedure's fee of a new dossier (its unsaved fee rows get the request)."""
    total = sum(f.amount for f in fees)
    if total <= 0:
        return None
    request = statements.new(
        PaymentRequest,
        dossier=d,
        kind=PaymentRequest.Kind.FILING,
        amount=total,
        reason="Phí, lệ phí của thủ tục"[:300],
        requested_at=at,
        requested_by_id=getattr(by, "pk", None),
    )
    statements.insert(request)
    for f in fees:
        f.request = request
    return request


def open_request(d, *, kind: str, amount: int, reason: str, at: datetime, by) -> PaymentRequest:
    return PaymentRequest.objects.create(
        dossier=d,
        kind=kind,
        amount=amount,
        reason=reason[:300],
        requested_at=at,
        requested_by=by if getattr(by, "pk", None) else None,
    )


def close_open(d, at: datetime) -> int:
    """The dossier finished without paying: what it still owed is no longer owed (a confirmation that
    comes later is refused and flagged, ADR 0028). Paid requests stay paid, for a refund."""
    if d.fee_paid >= d.fee_total:
        return 0  # nothing open: no query
    return PaymentRequest.objects.filter(dossier=d, state=PaymentRequest.State.OPEN).update(
        state=PaymentRequest.State.CANCELLED, settled_at=at
    )


def collect(d, *, method: str, reference: str, at: datetime, by) -> list[Payment]:
    """Everything the dossier still owes, collected at the counter: one payment (and receipt) per request."""
    out = []
    for request in PaymentRequest.objects.select_for_update().filter(
        dossier=d, state=PaymentRequest.State.OPEN
    ):
        out.append(_settle(d, request, method=method, online=0, reference=reference, at=at, collected_by=by))
    return out


def record_online(d, *, attempt_id: int, at: datetime) -> Payment:
    """The payment of a confirmed attempt (`payments.services.confirm` checked it against the request)."""
    attempt = PaymentAttempt.objects.select_for_update().select_related("request").get(pk=attempt_id)
    request = attempt.request
    if (
        request.dossier_id != d.pk
        or request.state != PaymentRequest.State.OPEN
        or attempt.amount != request.amount
    ):
        raise Conflict("Lượt thanh toán không khớp yêu cầu nộp của hồ sơ.", code="payment_mismatch")
    from .gateways import get as gateway  # the registry imports settings-driven plugins on first use

    attempt.state = PaymentAttempt.State.PAID
    attempt.finished_at = attempt.finished_at or at
    attempt.save(update_fields=["state", "finished_at"])
    return _settle(
        d,
        request,
        method=Payment.Method.ONLINE,
        online=gateway(attempt.gateway).online_flag,
        reference=attempt.transaction_id or attempt.reference,
        at=at,
        attempt=attempt,
        payer_name=d.applicant_name,
    )


def _settle(d, request, *, method, online, reference, at, collected_by=None, attempt=None, payer_name=None):
    account = account_for(d)
    payment = Payment(
        dossier=d,
        request=request,
        attempt=attempt,
        amount=request.amount,
        method=method,
        online=online,
        reference=reference[:100],
        paid_at=at,
        payer_name=(payer_name or d.applicant_name)[:200],
        collected_by=collected_by if getattr(collected_by, "pk", None) else None,
        agency=account.agency if account else d.agency,
    )
    if account is not None:
        payment.receipt_form, payment.receipt_series = account.receipt_form, account.receipt_series
        payment.receipt_number = next_receipt_number(account)
    payment.save()
    request.state, request.settled_at = PaymentRequest.State.PAID, at
    request.save(update_fields=["state", "settled_at"])
    # The fee lines of the request: HoSo's DanhSachLePhi says how each was paid.
    d.fees.filter(request=request).update(paid_at=at, method=method, reference=payment.reference)
    d.fee_paid += request.amount
    if online and not d.paid_online:
        d.paid_online = online
    return payment


def account_for(d) -> ReceivingAccount | None:
    """The account of the agency that collects the dossier's fees: the competent agency's, else its parent
    agency's (a department under the province), else the receiving unit's. One query."""
    order = [d.agency_id, d.agency.parent_id, d.receiving_agency_id]
    found = {
        a.agency_id: a
        for a in ReceivingAccount.objects.filter(agency_id__in=[i for i in order if i]).select_related(
            "agency"
        )
    }
    return next((found[i] for i in order if i in found), None)


def next_receipt_number(account: ReceivingAccount) -> int:
    """The next number of the account's receipt series, bumped with one UPDATE ... RETURNING (atomic on
    PostgreSQL and SQLite >= 3.35) inside the payment's transaction: numbers never repeat, and a rolled-back
    payment gives its number back."""
    table = ReceivingAccount._meta.db_table
    [(number,)] = statements.execute(
        statements.connection(),
        f"UPDATE {table} SET receipt_last_number = receipt_last_number + 1 WHERE id = %s "
        "RETURNING receipt_last_number",
        [account.pk],
    )
    return number
