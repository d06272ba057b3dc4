"""Write side of payments (ADR 0028): start an online attempt, take a gateway's confirmation, reconcile the
attempts whose confirmation never came, refund, and close a flagged notice.

The one rule every path keeps: a dossier's payment is recorded only by `receive`/`reconcile` on a verified
confirmation that matches its attempt (reference), its partner and its amount, under the dossier's row lock,
through the lifecycle's `pay_online` row; anything else is logged as a `PaymentNotice` and changes nothing.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy

from motcua.access import throttle
from motcua.access.throttle import Throttle
from motcua.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from motcua.directory import selectors as directory
from motcua.dossiers import machine, permissions
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import events
from motcua.dossiers.services.lock import lock
from motcua.dossiers.services.perform import perform

from . import gateways
from .gateways import Confirmation, GatewayError, NoticeRefused, Order
from .models import Payment, PaymentAttempt, PaymentNotice, PaymentRequest, Refund

log = logging.getLogger(__name__)
S = machine.Status
Outcome = PaymentNotice.Outcome

# Statuses in which an owed amount can be paid online: from filing to the end of processing.
PAYABLE = frozenset({S.RECEIVING, S.NEW, S.PROCESSING, S.WAITING, S.PAYING})
# Statuses after which a paid fee may be given back (refused, withdrawn, stopped: ADR 0028).
REFUNDABLE = frozenset({S.DENIED, S.CANCELLED, S.UNRESOLVED})
# Each attempt calls the platform: counted per account and per client address.
THROTTLE = Throttle("payment", "PAYMENT_LIMITS_CLIENT", "PAYMENT_LIMITS_USER")
# Outcomes an officer must look at: money may have been taken that motcua did not record.
FLAGGED = frozenset(
    {
        Outcome.WRONG_AMOUNT,
        Outcome.CONFLICT,
        Outcome.ALREADY_PAID,
        Outcome.REFUNDED,
        Outcome.WRONG_PARTNER,
        Outcome.UNKNOWN,
    }
)
# Outcomes answered as accepted (contract §8: "00" when it accepted the confirmation, or had already).
ACCEPTED = frozenset({Outcome.ACCEPTED, Outcome.DUPLICATE, Outcome.FAILED, Outcome.PENDING})


class PaymentUnavailable(DomainError):
    status = 503
    code = "payment_unavailable"


class Throttled(throttle.Throttled):
    template = gettext_lazy("Bạn đã bắt đầu thanh toán quá nhiều lần; thử lại sau %(minutes)s phút.")


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


# ---------------------------------------------------------------------------------------------- start
def payable_request(d: Dossier) -> PaymentRequest | None:
    """The request an online attempt pays now: the oldest one still open."""
    return PaymentRequest.objects.filter(dossier=d, state=PaymentRequest.State.OPEN).order_by("id").first()


def start(
    user, code: str, *, ip: str, device: str, request=None, at: datetime | None = None
) -> PaymentAttempt:
    """Start an online payment of what the dossier owes, for its applicant; the attempt with the gateway's
    page to send the payer to (`redirect_url`)."""
    at = _now(at)
    gateway = gateways.get()
    with transaction.atomic():
        d = lock(code)
        if not permissions.can_see(user, d):
            raise permissions.not_found(code)
        if d.applicant_user_id != user.pk:
            raise PermissionDenied(
                "Chỉ người nộp hồ sơ thanh toán trực tuyến được; cán bộ thu tại quầy.", code="not_the_payer"
            )
        if d.status not in PAYABLE:
            raise Conflict("Hồ sơ ở trạng thái này không còn nộp phí, lệ phí.", code="not_payable")
        owed = payable_request(d)
        if owed is None:
            raise Conflict("Hồ sơ không còn phí, lệ phí nào phải nộp.", code="nothing_to_pay")
        if not gateway.configured():
            # A deployment without a gateway: a state of the service, not an outage (409, not 503).
            raise Conflict(
                "Chưa kết nối cổng thanh toán trực tuyến; vui lòng nộp tại bộ phận một cửa.",
                code="payment_not_configured",
            )
        if request is not None:
            target = f"user:{user.pk}"
            blocked = THROTTLE.blocked(request, target)
            if blocked is not None:
                raise Throttled(blocked)
            THROTTLE.miss(request, target)
        attempt = PaymentAttempt.objects.create(
            request=owed,
            gateway=gateway.name,
            reference=new_reference(at),
            amount=owed.amount,
            started_at=at,
            started_by=user,
            init_time="",
            description=f"Nop phi le phi ho so {d.code}"[:255],
        )
        order = Order(
            reference=attempt.reference,
            amount=attempt.amount,
            description=attempt.description,
            at=at,
            ip=(ip or "127.0.0.1")[:45],
            device=device,
            receipt=receipt_info(d, owed),
        )
    # The gateway is called outside the transaction: the dossier is not held locked while it answers.
    try:
        url = gateway.start(order)
    except GatewayError as exc:
        log.warning("payment start %s failed: %s", attempt.reference, exc)
        PaymentAttempt.objects.filter(pk=attempt.pk, state=PaymentAttempt.State.PENDING).update(
            state=PaymentAttempt.State.FAILED, result_code="init", finished_at=_now(None)
        )
        raise PaymentUnavailable(
            "Cổng thanh toán không trả lời; vui lòng thử lại sau ít phút.", code="payment_unavailable"
        ) from None
    from .gateways.contrib.dvcqg import protocol  # the platform's time format (the only gateway today)

    attempt.redirect_url, attempt.init_time = url[:1000], protocol.timestamp(at)
    attempt.save(update_fields=["redirect_url", "init_time"])
    return attempt


def new_reference(at: datetime) -> str:
    """MaThamChieu: unique per attempt, not guessable, no personal data (20 characters)."""
    return f"MC{timezone.localtime(at):%y%m%d}{secrets.token_hex(6).upper()}"


def receipt_info(d: Dossier, request: PaymentRequest) -> dict[str, Any]:
    """ThongTinBienLai: what the platform prints on its own receipt (sent to it only, never logged)."""
    lines = list(d.fees.filter(request=request).values_list("name", "kind", "amount"))
    return {
        "MaHoSo": d.code,
        "MaTTHC": d.procedure.code,
        "TenTTHC": d.procedure.name[:500],
        "MaDonVi": d.agency.identifier,
        "TenDonVi": d.agency.name,
        "HoTenNguoiNop": d.applicant_name,
        "SoCMNDNguoiNop": d.applicant_id_number or d.applicant_tax_code,
        "PhiLePhi": [{"TenPhiLePhi": n, "LoaiPhiLePhi": k, "SoTien": str(a)} for n, k, a in lines],
        "DSKhoanNop": [{"NoiDung": request.reason, "SoTien": str(request.amount)}],
    }


# --------------------------------------------------------------------------------------- confirmation
@dataclass(frozen=True)
class Received:
    accepted: bool
    outcome: str
    message: str
    notice: PaymentNotice


MESSAGES = {
    Outcome.ACCEPTED: "Đã ghi nhận thanh toán.",
    Outcome.DUPLICATE: "Xác nhận này đã được ghi nhận trước đó.",
    Outcome.FAILED: "Đã ghi nhận giao dịch không thành công.",
    Outcome.PENDING: "Giao dịch chưa có kết quả.",
    Outcome.UNKNOWN: "Không có lượt thanh toán với mã tham chiếu này.",
    Outcome.WRONG_PARTNER: "Mã đối tác không đúng.",
    Outcome.WRONG_AMOUNT: "Số tiền không khớp lượt thanh toán.",
    Outcome.CONFLICT: "Mâu thuẫn với kết quả đã ghi nhận của lượt thanh toán này.",
    Outcome.ALREADY_PAID: "Khoản phí đã được nộp bằng lượt khác; cán bộ sẽ xử lý hoàn trả.",
    Outcome.REFUNDED: "Khoản phí đã hoàn trả hoặc không còn phải nộp; cán bộ sẽ xử lý.",
}


def receive(body: Any, *, remote_addr: str | None = None, at: datetime | None = None) -> Received:
    """A confirmation posted by the gateway (contract §8)."""
    gateway = gateways.get()
    at = _now(at)
    try:
        c = gateway.confirmation(body)
    except NoticeRefused as exc:
        reference = str(body.get("MaThamChieu") or "")[:50] if isinstance(body, dict) else ""
        notice = _notice(
            PaymentNotice.Source.CALLBACK, gateway, at, exc.outcome, body, remote_addr, reference=reference
        )
        log.warning("payment confirmation refused (%s) ref=%s from %s", exc.outcome, reference, remote_addr)
        return Received(False, exc.outcome, exc.message, notice)
    return take(gateway, c, source=PaymentNotice.Source.CALLBACK, at=at, remote_addr=remote_addr)


def take(gateway, c: Confirmation, *, source: str, at: datetime, remote_addr: str | None = None) -> Received:
    """Match a verified confirmation to its attempt and request, and record it or refuse it."""
    if c.partner != gateway.partner:
        return _refuse(gateway, c, source, at, remote_addr, Outcome.WRONG_PARTNER)
    # No .first(): its ORDER BY id lets SQLite walk the primary key instead of the unique reference index.
    attempt = next(
        iter(PaymentAttempt.objects.filter(reference=c.reference).select_related("request__dossier")[:1]),
        None,
    )
    if attempt is None or attempt.gateway != gateway.name:
        return _refuse(gateway, c, source, at, remote_addr, Outcome.UNKNOWN)
    if c.pending:
        return _done(gateway, c, source, at, remote_addr, Outcome.PENDING, attempt)
    with transaction.atomic():
        d = lock(attempt.request.dossier.code)  # every payment of a dossier waits for its row
        attempt = PaymentAttempt.objects.select_for_update().select_related("request").get(pk=attempt.pk)
        request = attempt.request
        outcome = _judge(c, attempt, request)
        if outcome == Outcome.ACCEPTED:
            attempt.transaction_id, attempt.bank_code = c.transaction_id[:64], c.bank_code[:20]
            attempt.result_code, attempt.finished_at = c.result_code[:10], at
            attempt.save(update_fields=["transaction_id", "bank_code", "result_code", "finished_at"])
            perform(None, d.code, "pay_online", at=at, system=machine.PLATFORM, attempt=attempt.pk)
        elif outcome == Outcome.FAILED:
            attempt.state, attempt.result_code, attempt.finished_at = (
                PaymentAttempt.State.FAILED,
                c.result_code,
                at,
            )
            attempt.transaction_id = c.transaction_id[:64]
            attempt.save(update_fields=["state", "result_code", "finished_at", "transaction_id"])
        elif outcome == Outcome.ALREADY_PAID and attempt.state == PaymentAttempt.State.PENDING:
            # Paid twice for one request: the attempt says what the platform took, the request stays paid once.
            attempt.state, attempt.result_code, attempt.finished_at = (
                PaymentAttempt.State.SUPERSEDED,
                c.result_code[:10],
                at,
            )
            attempt.transaction_id = c.transaction_id[:64]
            attempt.save(update_fields=["state", "result_code", "finished_at", "transaction_id"])
        if outcome in ACCEPTED:
            return _done(gateway, c, source, at, remote_addr, outcome, attempt)
    return _refuse(gateway, c, source, at, remote_addr, outcome, attempt)


def _judge(c: Confirmation, attempt: PaymentAttempt, request: PaymentRequest) -> str:
    """What a verified confirmation of this attempt means now (the dossier row is locked)."""

    def refunded() -> bool:  # a query only where a refund can be
        return request.state == PaymentRequest.State.CANCELLED or (
            request.state == PaymentRequest.State.PAID
            and Refund.objects.filter(payment__request=request).exists()
        )

    if not c.paid:
        if attempt.state == PaymentAttempt.State.PAID:
            return Outcome.CONFLICT  # a failure after the payment was recorded: the payment stands
        if attempt.state == PaymentAttempt.State.PENDING:
            return Outcome.FAILED
        return Outcome.DUPLICATE
    if c.amount != attempt.amount or c.currency not in ("", "VND"):
        return Outcome.WRONG_AMOUNT
    if attempt.state == PaymentAttempt.State.PAID:
        if attempt.transaction_id and c.transaction_id and attempt.transaction_id != c.transaction_id:
            return Outcome.CONFLICT
        return Outcome.REFUNDED if refunded() else Outcome.DUPLICATE
    if refunded():
        return Outcome.REFUNDED
    if request.state == PaymentRequest.State.PAID or attempt.state == PaymentAttempt.State.SUPERSEDED:
        return Outcome.ALREADY_PAID
    if attempt.amount != request.amount:
        return Outcome.WRONG_AMOUNT
    return Outcome.ACCEPTED


def _done(gateway, c, source, at, remote_addr, outcome, attempt=None) -> Received:
    notice = _notice(source, gateway, at, outcome, c.raw, remote_addr, confirmation=c, attempt=attempt)
    return Received(True, outcome, MESSAGES[outcome], notice)


def _refuse(gateway, c, source, at, remote_addr, outcome, attempt=None) -> Received:
    notice = _notice(source, gateway, at, outcome, c.raw, remote_addr, confirmation=c, attempt=attempt)
    log.warning("payment %s refused (%s) ref=%s from %s", source, outcome, c.reference, remote_addr)
    return Received(False, outcome, MESSAGES[outcome], notice)


def _notice(
    source, gateway, at, outcome, body, remote_addr, *, confirmation=None, attempt=None, reference=""
):
    c = confirmation
    # A repeated refusal of the same kind for the same money is flagged once.
    flagged = outcome in FLAGGED and (c is None or c.paid or outcome == Outcome.CONFLICT)
    if flagged and c is not None and c.transaction_id:
        flagged = not PaymentNotice.objects.filter(
            reference=c.reference[:50], transaction_id=c.transaction_id[:64], outcome=outcome, flagged=True
        ).exists()
    return PaymentNotice.objects.create(
        received_at=at,
        source=source,
        gateway=gateway.name,
        reference=(c.reference if c else reference)[:50],
        attempt=attempt,
        result_code=(c.result_code if c else "")[:10],
        amount=c.amount if c else None,
        transaction_id=(c.transaction_id if c else "")[:64],
        outcome=outcome,
        body=_bounded(body),
        remote_addr=remote_addr or None,
        flagged=flagged,
    )


def _bounded(body: Any) -> dict:
    """The message as received, kept small (a flood of large bodies must not fill the log table)."""
    if not isinstance(body, dict):
        return {"_": str(body)[:200]}
    return {
        str(k)[:40]: (v if isinstance(v, (int, bool)) or v is None else str(v)[:200])
        for k, v in list(body.items())[:30]
    }


# ------------------------------------------------------------------------------------- reconciliation
def reconcile(*, at: datetime | None = None, limit: int = 500, progress=None) -> Counter:
    """Query every attempt still waiting past the query delay (oldest first), record what the gateway says,
    expire what it never heard of. Safe to run often and in parallel with confirmations."""
    at = _now(at)
    gateway = gateways.get()
    counts: Counter = Counter()
    if not gateway.configured():
        raise Conflict("Chưa cấu hình cổng thanh toán.", code="payment_not_configured")
    due = list(
        PaymentAttempt.objects.filter(
            state=PaymentAttempt.State.PENDING,
            gateway=gateway.name,
            started_at__lte=at - timedelta(minutes=settings.PAYMENT_QUERY_AFTER_MINUTES),
        )
        .order_by("started_at", "id")
        .values_list("pk", "reference", "started_at")[:limit]
    )
    expire_before = at - timedelta(hours=settings.PAYMENT_EXPIRE_AFTER_HOURS)
    for n, (pk, reference, started_at) in enumerate(due, 1):
        PaymentAttempt.objects.filter(pk=pk).update(queried_at=at, query_count=F("query_count") + 1)
        try:
            c = gateway.query(reference, at)
        except GatewayError as exc:
            counts["unreachable"] += 1
            log.warning("payment query %s failed: %s", reference, exc)
            if counts["unreachable"] >= 5 and counts["unreachable"] == n:
                break  # the platform is down: the next run tries again
            continue
        except NoticeRefused as exc:
            _notice(PaymentNotice.Source.QUERY, gateway, at, exc.outcome, {}, None, reference=reference)
            counts[exc.outcome] += 1
            continue
        if c.reference != reference:
            _refuse(gateway, c, PaymentNotice.Source.QUERY, at, None, Outcome.CONFLICT)
            counts[Outcome.CONFLICT] += 1
            continue
        got = take(gateway, c, source=PaymentNotice.Source.QUERY, at=at)
        counts[got.outcome] += 1
        if got.outcome == Outcome.PENDING and started_at <= expire_before:
            PaymentAttempt.objects.filter(pk=pk, state=PaymentAttempt.State.PENDING).update(
                state=PaymentAttempt.State.EXPIRED, finished_at=at
            )
            counts["expired"] += 1
        if progress:
            progress(n, len(due))
    counts["queried"] = len(due)
    return counts


# -------------------------------------------------------------------------------------------- refunds
def refund(user, payment_id: int, *, amount: int | None, reason: str, reference: str = "", at=None) -> Refund:
    """Give back a payment of a dossier that was refused, withdrawn or stopped (ADR 0028): by a reception
    officer of the dossier's agency or a system administrator; one refund per payment, at most its amount.
    Written as a dossier event (the history and the portal learn of it)."""
    at = _now(at)
    reason = " ".join((reason or "").split())
    payment = Payment.objects.filter(pk=payment_id).select_related("dossier").first()
    if payment is None or not permissions.can_see(user, payment.dossier):
        raise NotFound(f"Không có khoản đã nộp số {payment_id}.", code="payment_not_found")
    with transaction.atomic():
        d = lock(payment.dossier.code)
        if not (directory.is_sysadmin(user) or directory.can_receive_for(user, d.agency)):
            raise PermissionDenied(
                "Chỉ cán bộ một cửa của cơ quan hoàn trả phí, lệ phí.", code="refund_forbidden"
            )
        if d.status not in REFUNDABLE:
            raise Conflict(
                "Chỉ hoàn trả phí, lệ phí của hồ sơ bị từ chối, rút hoặc dừng xử lý.", code="not_refundable"
            )
        if Refund.objects.filter(payment=payment).exists():
            raise Conflict("Khoản này đã được hoàn trả.", code="already_refunded")
        amount = payment.amount if amount is None else amount
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= payment.amount:
            raise ValidationFailed(
                "Số tiền hoàn phải lớn hơn 0 và không quá số đã nộp.",
                code="invalid_amount",
                details={"field": "amount"},
            )
        if not reason:
            raise ValidationFailed("Nhập lý do hoàn trả.", code="missing_field", details={"field": "reason"})
        made = Refund.objects.create(
            payment=payment, amount=amount, reason=reason[:500], reference=reference[:100], at=at, by=user
        )
        d.version += 1
        d.updated_at = at
        d.save(update_fields=["version", "updated_at"])
        events.record(
            d,
            user,
            "refund",
            d.status,
            at=at,
            reason=reason[:500],
            data={"payment": payment.pk, "amount": amount, "reference": reference[:100]},
        )
    return made


def resolve(user, notice_id: int, *, resolution: str, at: datetime | None = None) -> PaymentNotice:
    """An officer closes a flagged notice, saying what was done (refund, contact with the platform...)."""
    notice = (
        PaymentNotice.objects.filter(pk=notice_id, flagged=True)
        .select_related("attempt__request__dossier")
        .first()
    )
    dossier = notice.attempt.request.dossier if notice is not None and notice.attempt_id else None
    allowed = directory.is_sysadmin(user) or (
        dossier is not None and directory.can_receive_for(user, dossier.agency)
    )
    if notice is None or not allowed:
        raise NotFound(f"Không có thông báo cần xử lý số {notice_id}.", code="notice_not_found")
    resolution = " ".join((resolution or "").split())
    if not resolution:
        raise ValidationFailed("Ghi rõ cách đã xử lý.", code="missing_field", details={"field": "resolution"})
    if notice.resolved_at is not None:
        raise Conflict("Thông báo này đã được xử lý.", code="notice_resolved")
    notice.resolved_at, notice.resolved_by, notice.resolution = _now(at), user, resolution[:500]
    notice.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return notice
