"""What the payment parts of the citizen's and the officer's pages show, from `selectors.payment_of`:
labels in the page's language, the receipt's address, and which payments an officer may refund.

Presentation only: what is owed and who may pay or refund is decided by `selectors` and `services`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy

from motcua.directory import selectors as directory

from . import schemas, selectors
from .models import Payment, PaymentAttempt, PaymentNotice, PaymentRequest
from .services import REFUNDABLE

# The outcome of an attempt as its payer reads it on the return page.
ATTEMPT_OUTCOME = {
    PaymentAttempt.State.PAID: "paid",
    PaymentAttempt.State.PENDING: "pending",
    PaymentAttempt.State.FAILED: "failed",
    PaymentAttempt.State.EXPIRED: "failed",
    PaymentAttempt.State.SUPERSEDED: "superseded",
}
PAYER_MESSAGES = {
    "failed": gettext_lazy("Giao dịch không thành công hoặc đã bị hủy; bạn chưa bị trừ tiền cho lượt này."),
    "superseded": gettext_lazy(
        "Khoản phí này đã được nộp bằng lượt khác; cơ quan sẽ liên hệ để hoàn trả nếu bạn bị trừ tiền hai lần."
    ),
}


def receipt_url(payment_id: int) -> str:
    """The receipt PDF (ADR 0031): the API authenticates the browser session too and lets the payer and
    the dossier's officers download it."""
    return reverse("api:payment_receipt", kwargs={"payment_id": payment_id})


def allow_platform(response):
    """Let the page's payment form lead to the platform: the browser checks the CSP's `form-action` against
    the 303 to its page too, and the site's policy allows only itself. The platform's page is on the host of
    its API (`MOTCUA_PAYMENT_URL`)."""
    parts = urlsplit(settings.PAYMENT_URL)
    if parts.scheme in ("http", "https") and parts.netloc:
        response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}
    return response


def device_of(request) -> str:
    """MaThietBi: the payer's kind of device, from the browser's User-Agent (as the API's start does)."""
    ua = request.headers.get("User-Agent", "")
    return "mobile" if any(w in ua for w in ("Mobile", "Android", "iPhone")) else "desktop"


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def payment_panel(user, d, *, officer: bool = False) -> dict[str, Any] | None:
    """The dossier's fees, requests, attempts, payments and refunds as the page shows them; None when the
    dossier never owed anything (no query then)."""
    if not d.fee_total:
        return None
    p = selectors.payment_of(user, d.code)
    may_refund = (
        officer
        and d.status in REFUNDABLE
        and (directory.is_sysadmin(user) or directory.can_receive_for(user, d.agency))
    )
    payments = []
    for r in p["requests"]:
        r["state_label"] = _label(PaymentRequest.State, r["state"])
        r["kind_label"] = _label(PaymentRequest.Kind, r["kind"])
        if r["kind"] == PaymentRequest.Kind.FILING:  # motcua's own words, in the reader's language
            r["reason"] = r["kind_label"]
        if r["payment"] is not None:
            pay = r["payment"] = schemas.payment_json(r["payment"])
            pay["method_label"] = _label(Payment.Method, pay["method"])
            pay["receipt"] = (
                f"{pay['receipt_series']}/{pay['receipt_number']}" if pay["receipt_number"] else ""
            )
            pay["reason"] = r["reason"]
            pay["refundable"] = may_refund and pay["refund"] is None
            payments.append(pay)
    for a in p["attempts"]:
        a["state_label"] = _label(PaymentAttempt.State, a["state"])
    # An online attempt pays the oldest open request (`services.payable_request`): the button says how much.
    open_requests = [r for r in p["requests"] if r["state"] == PaymentRequest.State.OPEN]
    p["next_amount"] = open_requests[0]["amount"] if open_requests else 0
    p["several_open"] = len(open_requests) > 1
    p["payments"] = payments
    p["refunds"] = [pay for pay in payments if pay["refund"]]
    return p


def receipt_urls(d) -> list[str]:
    """The receipts of what the dossier has paid (the counter's result page, after collecting the fee)."""
    return [
        receipt_url(pk)
        for pk in Payment.objects.filter(dossier=d, receipt_number__isnull=False)
        .order_by("id")
        .values_list("pk", flat=True)
    ]


def belongs(d, payment_id: int) -> bool:
    """Whether the payment is one of this dossier's (a refund posted from its page)."""
    return Payment.objects.filter(pk=payment_id, dossier=d).exists()


def attempt_outcome(a: PaymentAttempt) -> dict[str, Any]:
    """The return page's view of the payer's attempt."""
    kind = ATTEMPT_OUTCOME.get(a.state, "failed")
    payment = None
    if kind == "paid":
        try:
            payment = a.payment
        except Payment.DoesNotExist:  # the attempt's payment is recorded in the same transaction
            payment = None
    return {
        "kind": kind,
        "message": str(PAYER_MESSAGES[kind]) if kind in PAYER_MESSAGES else "",
        "receipt_url": receipt_url(payment.pk) if payment and payment.receipt_number else "",
    }


def notice_rows(notices: list[PaymentNotice]) -> list[dict[str, Any]]:
    """The flagged notices as the officer's list shows them: the dossier code, never the payer."""
    return [
        {
            "n": n,
            "code": n.attempt.request.dossier.code if n.attempt_id else "",
            "outcome": _label(PaymentNotice.Outcome, n.outcome),
            "source": _label(PaymentNotice.Source, n.source),
        }
        for n in notices
    ]
