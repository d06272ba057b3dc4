"""Confirmations posted to `POST /api/v1/payments/callback`, built by hand as contract §8 states them: only a
valid, matching one records a payment; forged, replayed, unknown, wrong-amount, wrong-partner and
late-after-refund ones are logged and change nothing."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.test import Client

from motcua.dossiers import replay
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.payments import gateways
from motcua.payments.models import Payment, PaymentAttempt, PaymentNotice, PaymentRequest
from tests.dossiers.conftest import state, submission

SECRET = "bi-mat-cua-doi-tac"
PARTNER = "MOTCUA-H40"
FIELDS = (
    "LoaiBanTin|MaLoi|MaDoiTac|MaThamChieu|SoTien|MaTienTe|MaGiaoDich|MaNganHang|ThoiGianGD|ThongTinGiaoDich"
)


@pytest.fixture(autouse=True)
def platform(settings):
    settings.PAYMENT_URL = "http://127.0.0.1:9"  # never called here: attempts are made in the database
    settings.PAYMENT_PARTNER = PARTNER
    settings.PAYMENT_SECRET = SECRET
    gateways.reset()
    yield
    gateways.reset()


@pytest.fixture
def clients(people, procedure, api_as):
    out = {name: api_as(user) for name, user in people.items()}
    for name, user in people.items():
        out[name].user = user
    return out


def paying(clients) -> str:
    """A counter dossier of congdan's whose fee (20.000 ₫) was not collected, then asked 150.000 ₫ (status 6)."""
    code = clients["tiepnhan"].post("/dossiers", submission(channel=1)).json()["code"]
    Dossier.objects.filter(code=code).update(applicant_user=clients["congdan"].user)
    assert clients["tiepnhan"].post(f"/dossiers/{code}/actions/forward").status_code == 200
    r = clients["chuyenvien"].post(f"/dossiers/{code}/actions/request_payment", {"amount": 150000})
    assert r.json()["status"] == 6
    return code


def attempt(code: str, n: int = 0) -> PaymentAttempt:
    """An attempt at the oldest open request, as `services.start` registers it before calling the platform."""
    request = PaymentRequest.objects.filter(dossier__code=code, state="open").order_by("id").first()
    return PaymentAttempt.objects.create(
        request=request,
        gateway="dvcqg",
        reference=f"MCTEST{request.pk:04d}{n:02d}",
        amount=request.amount,
        started_at=request.requested_at,
        init_time="20250815150000",
        description=f"Nop phi le phi ho so {code}",
    )


def confirmation(a: PaymentAttempt, *, secret: str = SECRET, **over) -> dict:
    """A platform confirmation, signed by hand: SHA-256 of the contract's fields joined by '|' and the secret."""
    body = {
        "LoaiBanTin": "PAY",
        "MaLoi": "00",
        "MaDoiTac": PARTNER,
        "MaThamChieu": a.reference,
        "SoTien": str(a.amount),
        "MaTienTe": "VND",
        "MaGiaoDich": f"GD{a.pk:08d}",
        "MaNganHang": "VCB",
        "ThoiGianGD": "20250815153000",
        "ThongTinGiaoDich": a.description,
    }
    body.update(over)
    text = "|".join(str(body[f]) for f in FIELDS.split("|")) + "|" + secret
    body["MaXacThuc"] = hashlib.sha256(text.encode()).hexdigest()
    return body


def post(body, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body)
    return Client(REMOTE_ADDR="203.0.113.7").post(
        "/api/v1/payments/callback", data=data, content_type="application/json"
    )


def money(code: str):
    """Everything a confirmation may change, beside the dossier row (`state`)."""
    return (
        state(code),
        list(PaymentRequest.objects.filter(dossier__code=code).values_list("state", flat=True)),
        list(
            PaymentAttempt.objects.filter(request__dossier__code=code).values_list("state", "transaction_id")
        ),
        Payment.objects.filter(dossier__code=code).count(),
    )


def test_a_valid_confirmation_pays_the_request_and_the_last_one_resumes_processing(clients):
    code = paying(clients)
    first = attempt(code)
    r = post(confirmation(first))
    assert (r.status_code, r.json()["MaLoi"]) == (200, "00"), r.content
    d = Dossier.objects.get(code=code)
    assert (d.status, d.fee_paid, d.paid_online) == (6, 20000, 1), "150.000 ₫ still owed: status 6 stays"

    second = attempt(code)
    assert post(confirmation(second)).json()["MaLoi"] == "00"
    d.refresh_from_db()
    assert (d.status, d.fee_paid, d.fee_total, d.paid_online) == (4, 170000, 170000, 1)
    paid = list(Payment.objects.filter(dossier=d).order_by("id"))
    assert [(p.amount, p.method, p.online, p.reference) for p in paid] == [
        (20000, "online", 1, f"GD{first.pk:08d}"),
        (150000, "online", 1, f"GD{second.pk:08d}"),
    ]
    events = list(DossierEvent.objects.filter(dossier=d, action="pay_online").order_by("seq"))
    assert [(e.from_status, e.to_status, e.actor_id, e.data["amount"]) for e in events] == [
        (6, 6, None, 20000),
        (6, 4, None, 150000),
    ]
    assert replay.differences(d) == {}
    assert list(PaymentNotice.objects.values_list("outcome", flat=True)) == ["accepted", "accepted"]


def test_a_forged_confirmation_is_refused_logged_and_changes_nothing(clients):
    code = paying(clients)
    a = attempt(code)
    before = money(code)
    for body in (
        confirmation(a, secret="doan-mo"),  # signed with another secret
        {**confirmation(a), "SoTien": "1"},  # a signed message changed afterwards
        {**confirmation(a), "MaXacThuc": ""},
        {k: v for k, v in confirmation(a).items() if k != "MaXacThuc"},
    ):
        r = post(body)
        assert (r.status_code, r.json()["code"], r.json()["MaLoi"]) == (403, "payment_bad_signature", "02")
    assert money(code) == before
    notices = PaymentNotice.objects.all()
    assert [n.outcome for n in notices] == ["bad_signature"] * 4
    assert {n.remote_addr for n in notices} == {"203.0.113.7"}


def test_a_replayed_confirmation_is_answered_as_before_and_records_nothing_again(clients):
    code = paying(clients)
    a = attempt(code)
    body = confirmation(a)
    assert post(body).json()["MaLoi"] == "00"
    after_first = money(code)
    for _ in range(3):
        r = post(body)
        assert (r.status_code, r.json()["MaLoi"]) == (200, "00"), "contract §8: '00' when it had already"
    assert money(code) == after_first
    assert Payment.objects.filter(dossier__code=code).count() == 1
    assert list(PaymentNotice.objects.order_by("id").values_list("outcome", flat=True)) == [
        "accepted",
        "duplicate",
        "duplicate",
        "duplicate",
    ]
    # The same reference with another transaction is not a repeat: refused and flagged.
    r = post(confirmation(a, MaGiaoDich="GD-KHAC"))
    assert (r.status_code, r.json()["code"]) == (409, "payment_conflict")
    assert money(code) == after_first


def test_unknown_wrong_amount_and_wrong_partner_are_refused(clients):
    code = paying(clients)
    a = attempt(code)
    before = money(code)
    cases = (
        (confirmation(a, MaThamChieu="MCKHONGCO0001"), 404, "payment_unknown", "03"),
        (confirmation(a, SoTien=str(a.amount - 1000)), 409, "payment_wrong_amount", "05"),
        (confirmation(a, SoTien=str(a.amount * 10)), 409, "payment_wrong_amount", "05"),
        (confirmation(a, MaTienTe="USD"), 409, "payment_wrong_amount", "05"),
        (confirmation(a, MaDoiTac="DOITAC-KHAC"), 403, "payment_wrong_partner", "04"),
    )
    for body, status, code_, maloi in cases:
        r = post(body)
        assert (r.status_code, r.json()["code"], r.json()["MaLoi"]) == (status, code_, maloi), body
    assert money(code) == before
    flagged = dict(PaymentNotice.objects.filter(flagged=True).values_list("outcome", "reference").distinct())
    assert set(flagged) == {"wrong_amount", "wrong_partner", "unknown"}, "money may have been taken: flagged"


def test_malformed_bodies_are_refused_without_an_error_page(clients):
    code = paying(clients)
    a = attempt(code)
    before = money(code)
    good = confirmation(a)
    for raw in (b"[1, 2]", b'"chu"', b"null", b"{}", json.dumps({**good, "SoTien": ["1"]}).encode()):
        r = post(None, raw=raw)
        assert (r.status_code, r.json()["code"]) == (400, "payment_malformed"), raw
    r = post(None, raw=b"{khong phai json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_json"
    body = confirmation(a, SoTien="20.000")
    assert post(body).json()["code"] == "payment_malformed"
    assert money(code) == before


def test_a_failed_payment_is_recorded_and_a_new_attempt_can_pay(clients):
    code = paying(clients)
    a = attempt(code)
    r = post(confirmation(a, MaLoi="24"))
    assert (r.status_code, r.json()["MaLoi"]) == (200, "00")
    a.refresh_from_db()
    assert (a.state, a.result_code) == ("failed", "24")
    assert Dossier.objects.get(code=code).fee_paid == 0
    b = attempt(code, 1)
    assert post(confirmation(b)).json()["MaLoi"] == "00"
    # A late "paid" for the failed attempt now pays a request that is paid: never twice.
    r = post(confirmation(a, MaGiaoDich="GD-MUON"))
    assert (r.status_code, r.json()["code"]) == (409, "payment_already_paid")
    assert Dossier.objects.get(code=code).fee_paid == 20000
    assert Payment.objects.filter(dossier__code=code).count() == 1
    assert PaymentNotice.objects.get(outcome="already_paid").flagged


def test_a_counter_payment_then_the_online_confirmation_never_pays_twice(clients):
    code = paying(clients)
    a = attempt(code)
    assert clients["tiepnhan"].post(f"/dossiers/{code}/actions/pay", {"method": "cash"}).status_code == 200
    before = money(code)
    r = post(confirmation(a))
    assert (r.status_code, r.json()["code"]) == (409, "payment_already_paid")
    (_, *rest), after = before, money(code)
    assert after[0] == before[0] and after[1] == rest[0] and after[3] == rest[2]
    assert after[2] == [("superseded", f"GD{a.pk:08d}")], "what the platform took is kept for the refund"
    assert PaymentNotice.objects.get(reference=a.reference).flagged


def test_a_confirmation_after_withdrawal_or_refund_is_refused_and_flagged(clients, people):
    # Withdrawn while the payer was on the platform's page: nothing is owed any more.
    code = paying(clients)
    a = attempt(code)
    assert (
        clients["congdan"].post(f"/dossiers/{code}/actions/withdraw", {"reason": "Không cần nữa"}).status_code
        == 200
    )
    before = money(code)
    r = post(confirmation(a))
    assert (r.status_code, r.json()["code"], r.json()["MaLoi"]) == (409, "payment_refunded", "08")
    assert money(code) == before
    assert PaymentNotice.objects.get(reference=a.reference).flagged

    # Paid, withdrawn, refunded: the platform's late repeat of the confirmation is refused.
    code = paying(clients)
    b = attempt(code)
    assert post(confirmation(b)).json()["MaLoi"] == "00"
    assert (
        clients["congdan"].post(f"/dossiers/{code}/actions/withdraw", {"reason": "Không cần nữa"}).status_code
        == 200
    )
    payment = Payment.objects.get(attempt=b)
    r = clients["tiepnhan"].post(f"/payments/{payment.pk}/refund", {"reason": "Công dân rút hồ sơ"})
    assert r.status_code == 201, r.content
    before = money(code)
    r = post(confirmation(b))
    assert (r.status_code, r.json()["code"]) == (409, "payment_refunded")
    assert money(code) == before


def test_nobody_can_take_the_platforms_row_through_the_api(clients):
    code = paying(clients)
    a = attempt(code)
    before = money(code)
    for name in ("congdan", "tiepnhan", "chuyenvien", "lanhdao", "admin"):
        r = clients[name].post(f"/dossiers/{code}/actions/pay_online", {"attempt": a.pk})
        assert r.status_code in (403, 404) and r.json()["code"] in (
            "forbidden_action",
            "dossier_not_found",
        ), name
    assert money(code) == before
    assert "pay_online" not in clients["congdan"].get(f"/dossiers/{code}").json()["actions"]


def test_refunds_are_for_finished_dossiers_by_their_reception_once(clients):
    code = paying(clients)
    assert post(confirmation(attempt(code))).json()["MaLoi"] == "00"
    payment = Payment.objects.get(dossier__code=code)
    r = clients["tiepnhan"].post(f"/payments/{payment.pk}/refund", {"reason": "Thử"})
    assert (r.status_code, r.json()["code"]) == (409, "not_refundable"), "processing: nothing to give back"
    assert clients["congdan"].post(f"/dossiers/{code}/actions/withdraw", {"reason": "Rút"}).status_code == 200
    r = clients["congdan"].post(f"/payments/{payment.pk}/refund", {"reason": "Thử"})
    assert (r.status_code, r.json()["code"]) == (403, "refund_forbidden")
    r = clients["chuyenvien"].post(f"/payments/{payment.pk}/refund", {"reason": "Thử"})
    assert r.status_code == 403
    r = clients["tiepnhan"].post(f"/payments/{payment.pk}/refund", {"reason": "Rút", "amount": 20001})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_amount")
    r = clients["tiepnhan"].post(f"/payments/{payment.pk}/refund", {"reason": "Rút", "amount": 15000})
    assert r.status_code == 201 and r.json()["amount"] == 15000
    r = clients["tiepnhan"].post(f"/payments/{payment.pk}/refund", {"reason": "Rút"})
    assert (r.status_code, r.json()["code"]) == (409, "already_refunded")
    e = DossierEvent.objects.filter(dossier__code=code).order_by("-seq").first()
    assert (e.action, e.data["amount"], e.reason) == ("refund", 15000, "Rút")
    assert replay.differences(Dossier.objects.get(code=code)) == {}
    r = clients["tiepnhan"].post("/payments/999999/refund", {"reason": "Rút"})
    assert (r.status_code, r.json()["code"]) == (404, "payment_not_found")
