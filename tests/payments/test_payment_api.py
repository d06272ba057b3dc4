"""`GET/POST /api/v1/dossiers/{code}/payment` (contract §8) and `motcua payment_reconcile`: what a dossier owes,
who may start an online attempt, what happens when the platform refuses or is absent, and the scheduled
reconciliation over HTTP against the simulator."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from motcua.dossiers.models import Dossier
from motcua.payments import gateways, vietqr
from motcua.payments.models import Payment, PaymentAttempt, PaymentNotice, ReceivingAccount
from tests.dossiers.conftest import submission
from tests.payments.conftest import PARTNER, SECRET


@pytest.fixture
def clients(people, procedure, api_as):
    return {name: api_as(user) for name, user in people.items()}


@pytest.fixture
def account(agencies):
    return ReceivingAccount.objects.create(
        agency=agencies["justice"],
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number="0101000001001",
        account_name="SO TU PHAP TINH NGHE AN",
        receipt_series="AA-26E",
    )


def owing(clients, people) -> str:
    """A counter dossier of congdan's whose 20.000 ₫ fee was not collected, then asked 150.000 ₫ (status 6)."""
    code = clients["tiepnhan"].post("/dossiers", submission(channel=1)).json()["code"]
    Dossier.objects.filter(code=code).update(applicant_user=people["congdan"])
    assert clients["tiepnhan"].post(f"/dossiers/{code}/actions/forward").status_code == 200
    r = clients["chuyenvien"].post(f"/dossiers/{code}/actions/request_payment", {"amount": 150000})
    assert r.json()["status"] == 6
    return code


def test_the_payment_state_shows_what_is_owed_and_the_vietqr(
    clients, people, account, api_as, django_assert_max_num_queries
):
    code = owing(clients, people)
    with django_assert_max_num_queries(9):
        r = clients["congdan"].get(f"/dossiers/{code}/payment")
    assert r.status_code == 200, r.content
    p = r.json()
    assert (p["amount_due"], p["fee_total"], p["fee_paid"], p["paid_online"]) == (170000, 170000, 0, 0)
    assert [(q["kind"], q["amount"], q["state"]) for q in p["requests"]] == [
        ("filing", 20000, "open"),
        ("processing", 150000, "open"),
    ]
    assert p["online_available"] is False, "no gateway configured in this test"
    qr = vietqr.decode(p["vietqr"]["payload"])
    assert (qr.bank_bin, qr.account_number, qr.amount, qr.purpose) == (
        "970436",
        "0101000001001",
        170000,
        code,
    )
    assert p["vietqr"]["png_url"] == f"/api/v1/dossiers/{code}/payment/vietqr.png"
    # Staff who see the dossier read the same; anyone else learns nothing.
    assert clients["tiepnhan"].get(f"/dossiers/{code}/payment").json()["amount_due"] == 170000
    stranger = api_as(get_user_model().objects.create_user("nguoila", password="x"))
    for path in (f"/dossiers/{code}/payment", "/dossiers/000.00.15.H40-250101-9999/payment"):
        r = stranger.get(path)
        assert (r.status_code, r.json()["code"]) == (404, "dossier_not_found"), path
    r = stranger.post(f"/dossiers/{code}/payment")
    assert (r.status_code, r.json()["code"]) == (404, "dossier_not_found")


def test_paid_at_the_counter_nothing_is_due_and_no_qr(clients, people, account):
    code = owing(clients, people)
    assert clients["tiepnhan"].post(f"/dossiers/{code}/actions/pay", {"method": "cash"}).status_code == 200
    p = clients["congdan"].get(f"/dossiers/{code}/payment").json()
    assert (p["amount_due"], p["vietqr"]) == (0, None)
    assert [q["payment"]["method"] for q in p["requests"]] == ["cash", "cash"]
    numbers = [(q["payment"]["receipt_series"], q["payment"]["receipt_number"]) for q in p["requests"]]
    assert numbers == [("AA-26E", "0000001"), ("AA-26E", "0000002")], "one receipt per request, in the series"
    r = clients["congdan"].post(f"/dossiers/{code}/payment")
    assert (r.status_code, r.json()["code"]) == (409, "nothing_to_pay")


def test_who_may_start_an_online_payment(clients, people, settings):
    code = owing(clients, people)
    r = clients["congdan"].post(f"/dossiers/{code}/payment")
    assert (r.status_code, r.json()["code"]) == (409, "payment_not_configured")
    settings.PAYMENT_URL, settings.PAYMENT_PARTNER, settings.PAYMENT_SECRET = "http://127.0.0.1:9", "P", "S"
    gateways.reset()
    r = clients["tiepnhan"].post(f"/dossiers/{code}/payment")
    assert (r.status_code, r.json()["code"]) == (403, "not_the_payer"), "staff collect at the counter"
    r = clients["congdan"].post("/dossiers/000.00.15.H40-250101-9999/payment")
    assert (r.status_code, r.json()["code"]) == (404, "dossier_not_found")
    # The platform cannot be reached: a clear 503, the attempt recorded as failed, nothing paid.
    r = clients["congdan"].post(f"/dossiers/{code}/payment")
    assert (r.status_code, r.json()["code"]) == (503, "payment_unavailable")
    assert list(PaymentAttempt.objects.values_list("state", "result_code")) == [("failed", "init")]
    assert Dossier.objects.get(code=code).fee_paid == 0
    gateways.reset()


def test_starting_attempts_is_throttled(clients, people, settings):
    settings.PAYMENT_LIMITS_USER = [(3, 3600)]
    settings.PAYMENT_URL, settings.PAYMENT_PARTNER, settings.PAYMENT_SECRET = "http://127.0.0.1:9", "P", "S"
    gateways.reset()
    code = owing(clients, people)
    statuses = [clients["congdan"].post(f"/dossiers/{code}/payment").status_code for _ in range(5)]
    assert statuses == [503, 503, 503, 429, 429]
    gateways.reset()


def test_an_attempt_on_the_simulator_and_a_refused_init(clients, people, platform):
    code = owing(clients, people)
    r = clients["congdan"].post(f"/dossiers/{code}/payment")
    assert r.status_code == 201, r.content
    started = r.json()
    assert started["amount"] == 20000 and started["redirect_url"].startswith(f"{platform.url}/pay/")
    assert code not in started["redirect_url"] and "038190001234" not in started["redirect_url"]
    a = PaymentAttempt.objects.get(reference=started["reference"])
    assert (a.state, a.amount, a.redirect_url) == ("pending", 20000, started["redirect_url"])
    held = platform.attempt(started["reference"])
    assert held["init"]["MaDoiTac"] == PARTNER and held["init"]["SoTien"] == "20000"
    platform.faults(fail_init=1.0)
    r = clients["congdan"].post(f"/dossiers/{code}/payment")
    assert (r.status_code, r.json()["code"]) == (503, "payment_unavailable")
    p = clients["congdan"].get(f"/dossiers/{code}/payment").json()
    assert [a["state"] for a in p["attempts"]] == ["pending", "failed"]


@pytest.mark.django_db(transaction=True)
def test_repeated_and_delayed_confirmations_pay_once(looped, people, procedure, api_as, settings):
    settings.PAYMENT_URL, settings.PAYMENT_PARTNER, settings.PAYMENT_SECRET = looped.url, PARTNER, SECRET
    gateways.reset()
    looped.reset()
    looped.faults(delay=0.2, repeat=3)
    clients = {n: api_as(people[n]) for n in ("tiepnhan", "chuyenvien", "congdan")}
    code = owing(clients, people)
    reference = clients["congdan"].post(f"/dossiers/{code}/payment").json()["reference"]
    assert looped.pay(reference, "paid").status_code == 200
    deliveries = looped.deliveries(reference, 3)
    assert [(x["status"], x["answer"]) for x in deliveries] == [(200, "00")] * 3
    assert Payment.objects.filter(attempt__reference=reference).count() == 1
    assert list(PaymentNotice.objects.filter(reference=reference).values_list("outcome", flat=True)) == [
        "duplicate",
        "duplicate",
        "accepted",
    ], "newest first"
    assert Dossier.objects.get(code=code).fee_paid == 20000
    gateways.reset()


@pytest.mark.django_db(transaction=True)
def test_the_reconcile_command_finds_paid_failed_and_expired_attempts(
    looped, people, procedure, api_as, settings
):
    settings.PAYMENT_URL, settings.PAYMENT_PARTNER, settings.PAYMENT_SECRET = looped.url, PARTNER, SECRET
    gateways.reset()
    looped.reset()
    looped.faults(drop_callbacks=True)
    clients = {n: api_as(people[n]) for n in ("tiepnhan", "chuyenvien", "congdan")}
    code = owing(clients, people)
    paid = clients["congdan"].post(f"/dossiers/{code}/payment").json()["reference"]
    looped.pay(paid, "paid")
    other = owing(clients, people)
    failed = clients["congdan"].post(f"/dossiers/{other}/payment").json()["reference"]
    looped.pay(failed, "failed")
    third = owing(clients, people)
    waiting = clients["congdan"].post(f"/dossiers/{third}/payment").json()["reference"]
    time.sleep(0.3)
    # Too recent to query: nothing happens.
    call_command("payment_reconcile", stdout=(out := _Out()))
    assert "không có lượt nào cần tra cứu" in out.text
    # Two days on: the paid one is recorded, the failed one closed, the one never paid expires.
    PaymentAttempt.objects.update(started_at=timezone.now() - timedelta(days=2))
    call_command("payment_reconcile", stdout=(out := _Out()))
    assert "đã tra cứu 3" in out.text and "ghi nhận đã thanh toán 1" in out.text and "hết hạn 1" in out.text
    states = dict(PaymentAttempt.objects.values_list("reference", "state"))
    assert (states[paid], states[failed], states[waiting]) == ("paid", "failed", "expired")
    assert Dossier.objects.get(code=code).fee_paid == 20000
    # Run again: nothing is queried twice, nothing paid twice.
    call_command("payment_reconcile", stdout=(out := _Out()))
    assert "không có lượt nào cần tra cứu" in out.text
    assert Payment.objects.filter(dossier__code=code).count() == 1
    gateways.reset()


def test_the_reconcile_command_refuses_bad_input_with_status_2(settings):
    settings.PAYMENT_URL = ""
    gateways.reset()
    for args in (("--limit", "0"), ("--every", "-1"), ()):
        with pytest.raises(CommandError) as caught:
            call_command("payment_reconcile", *args)
        assert caught.value.returncode == 2, args


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass
