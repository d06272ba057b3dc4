"""motcua's client of the national payment platform (contract §8) against the simulator process over HTTP, and
against a throwaway server for the answers the simulator never gives."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from motcua.dossiers.models import Dossier
from motcua.payments import gateways, services
from motcua.payments.gateways import GatewayError, NoticeRefused
from motcua.payments.gateways.contrib.dvcqg import client, read
from motcua.payments.models import PaymentAttempt
from tests.dossiers.conftest import submission

from .conftest import ID_NUMBER, NAME, PARTNER, SECRET, free_port, make_order

# Contract §8, written out here rather than taken from protocol.py: the client must match the text.
INIT_FIELDS = {
    "LoaiBanTin",
    "PhienBan",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "LoaiHinhThanhToan",
    "MaKenhThanhToan",
    "MaThietBi",
    "NgonNgu",
    "MaTienTe",
    "MaNganHang",
    "ThongTinGiaoDich",
    "ThoiGianGD",
    "Ip",
    "ThongTinBienLai",
    "MaXacThuc",
}
INIT_ORDER = "LoaiBanTin|PhienBan|MaDoiTac|MaThamChieu|SoTien|LoaiHinhThanhToan|MaKenhThanhToan|MaThietBi|NgonNgu|MaTienTe|MaNganHang|ThongTinGiaoDich|ThoiGianGD|Ip"
QUERY_ORDER = "LoaiBanTin|PhienBan|MaDoiTac|MaThamChieu|ThoiGianGD"
AT = datetime(2026, 3, 1, 1, 2, 3, tzinfo=UTC)


def by_hand(order: str, body: dict, secret: str) -> str:
    text = "|".join(str(body[name]) for name in order.split("|"))
    return hashlib.sha256(f"{text}|{secret}".encode()).hexdigest()


@pytest.fixture
def throwaway(receiver, settings):
    """The receiver standing in for a platform that answers whatever the test sets."""
    receiver.clear()
    settings.PAYMENT_URL = f"{receiver.url}/nen-tang"
    settings.PAYMENT_PARTNER, settings.PAYMENT_SECRET = PARTNER, SECRET
    settings.PAYMENT_TIMEOUT = 1.0
    gateways.reset()
    return receiver


def test_init_body_is_the_contracts_message_signed_as_written(throwaway):
    throwaway.reply(200, {"MaLoi": "00", "UrlThanhToan": "https://thanhtoan.example.vn/pay/abc"})
    order = make_order(device="mobile")
    assert client.init(order) == "https://thanhtoan.example.vn/pay/abc"
    [got] = throwaway.received
    assert got["path"] == "/nen-tang/init"
    assert got["headers"]["Content-Type"].startswith("application/json")
    body = json.loads(got["raw"])
    assert set(body) == INIT_FIELDS
    assert {k: v for k, v in body.items() if k not in ("ThongTinBienLai", "MaXacThuc")} == {
        "LoaiBanTin": "INIT",
        "PhienBan": "1.0.6",
        "MaDoiTac": PARTNER,
        "MaThamChieu": order.reference,
        "SoTien": "1500000",
        "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": "1",
        "MaThietBi": "2",
        "NgonNgu": "vi-VN",
        "MaTienTe": "VND",
        "MaNganHang": "",
        "ThongTinGiaoDich": order.description,
        "ThoiGianGD": "20260301080203",
        "Ip": "203.0.113.7",
    }
    assert body["ThongTinBienLai"] == order.receipt
    assert body["MaXacThuc"] == by_hand(INIT_ORDER, body, SECRET)
    assert body["MaXacThuc"] == body["MaXacThuc"].lower() and len(body["MaXacThuc"]) == 64


def test_device_and_channel_codes_are_settings(throwaway, settings):
    throwaway.reply(200, {"MaLoi": "00", "UrlThanhToan": "http://127.0.0.1:1/pay/x"})
    settings.PAYMENT_CHANNEL, settings.PAYMENT_DEVICES = "WEB", {"desktop": "PC", "mobile": "MB"}
    client.init(make_order(device="desktop"))
    client.init(make_order(device="tablet?"))  # anything unknown counts as a desktop
    bodies = throwaway.bodies()
    assert [(b["MaKenhThanhToan"], b["MaThietBi"]) for b in bodies] == [("WEB", "PC"), ("WEB", "PC")]
    assert all(b["MaXacThuc"] == by_hand(INIT_ORDER, b, SECRET) for b in bodies)


def test_query_body_is_the_contracts_message(throwaway):
    throwaway.reply(200, {"MaLoi": "04", "MaXacThuc": "x"})
    assert client.query("MC2603010001", AT) == {"MaLoi": "04", "MaXacThuc": "x"}
    [got] = throwaway.received
    assert got["path"] == "/nen-tang/query"
    body = json.loads(got["raw"])
    assert body == {
        "LoaiBanTin": "QUERY",
        "PhienBan": "1.0.6",
        "MaDoiTac": PARTNER,
        "MaThamChieu": "MC2603010001",
        "ThoiGianGD": "20260301080203",
        "MaXacThuc": by_hand(QUERY_ORDER, body, SECRET),
    }


def test_init_accepted_by_the_simulator(platform):
    order = make_order()
    url = client.init(order)
    assert url.startswith(f"{platform.url}/pay/")
    for private in (order.reference, NAME, ID_NUMBER, "038190"):
        assert private not in url
    held = platform.attempt(order.reference)
    assert held["state"] == "pending" and held["url"] == url and held["amount"] == "1500000"
    assert held["init"]["ThongTinBienLai"]["HoTenNguoiNop"] == NAME  # the platform prints the receipt


def test_the_gateway_starts_through_the_client(platform):
    gateway = gateways.get("dvcqg")
    assert gateway.configured()
    assert gateway.start(make_order()).startswith(f"{platform.url}/pay/")


@pytest.mark.parametrize(
    ("faults", "expected"),
    [({"fail_init": 1.0}, "MaLoi '99'"), ({"http500": 1.0}, "HTTP 500")],
)
def test_init_refused_or_failing_raises(platform, faults, expected, caplog):
    platform.faults(**faults)
    order = make_order()
    with caplog.at_level(logging.DEBUG), pytest.raises(GatewayError) as caught:
        client.init(order)
    assert expected in str(caught.value)
    for private in (NAME, ID_NUMBER):
        assert private not in str(caught.value) and private not in caplog.text
    assert platform.attempt(order.reference) is None


def test_init_duplicate_reference_raises(platform):
    order = make_order()
    client.init(order)
    with pytest.raises(GatewayError, match="MaLoi '13'"):
        client.init(order)


def test_init_timeout_raises_within_the_timeout(platform, settings):
    settings.PAYMENT_TIMEOUT = 0.5
    platform.faults(slow=3)
    started = time.monotonic()
    with pytest.raises(GatewayError, match="no answer within 0.5 s"):
        client.init(make_order())
    assert time.monotonic() - started < 2


def test_wrong_secret_is_refused_by_the_platform(platform, settings):
    settings.PAYMENT_SECRET = "not-the-secret"
    with pytest.raises(GatewayError, match="MaLoi '11'"):
        client.init(make_order())
    with pytest.raises(GatewayError, match="refused, MaLoi '11'"):
        client.query("MC1", AT)


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        (200, b"<html>Bao tri</html>", {}, "not JSON"),
        (200, b"[1, 2]", {}, "without MaLoi"),
        (200, b'{"MaLoi": 0}', {}, "without MaLoi"),
        (200, b'{"MaLoi": "00"}', {}, "UrlThanhToan"),
        (200, b'{"MaLoi": "00", "UrlThanhToan": "javascript:alert(1)"}', {}, "UrlThanhToan"),
        (200, b'{"MaLoi": "00", "UrlThanhToan": "ftp://pay.example/x"}', {}, "UrlThanhToan"),
        (200, b'{"MaLoi": "00", "UrlThanhToan": 5}', {}, "UrlThanhToan"),
        (200, b'{"MaLoi": "01", "UrlThanhToan": "https://pay.example/x"}', {}, "MaLoi '01'"),
        (302, b"", {"Location": "https://elsewhere.example/init"}, "HTTP 302"),
        (503, b'{"MaLoi": "00", "UrlThanhToan": "https://pay.example/x"}', {}, "HTTP 503"),
        (0, b"", {}, "no answer within 1 s"),
    ],
)
def test_init_broken_answers_raise(throwaway, status, body, headers, expected):
    throwaway.reply(status, body, headers)
    with pytest.raises(GatewayError, match=expected) as caught:
        client.init(make_order())
    assert NAME not in str(caught.value) and ID_NUMBER not in str(caught.value)
    assert len(throwaway.received) == 1  # no retry, no redirect followed


def test_unreachable_platform_raises(settings):
    settings.PAYMENT_URL, settings.PAYMENT_PARTNER, settings.PAYMENT_SECRET = (
        f"http://127.0.0.1:{free_port()}",
        PARTNER,
        SECRET,
    )
    with pytest.raises(GatewayError):
        client.init(make_order())
    with pytest.raises(GatewayError):
        client.query("MC1", AT)
    settings.PAYMENT_URL = ""
    with pytest.raises(GatewayError, match="MOTCUA_PAYMENT_URL"):
        client.init(make_order())


def _query(reference: str):
    return read(client.query(reference, datetime.now(UTC)), SECRET, query=True)


def test_query_answers_read_and_verified(platform, receiver):
    paid, failed, waiting, cancelled = (make_order() for _ in range(4))
    for order in (paid, failed, waiting, cancelled):
        client.init(order)
    assert platform.pay(paid.reference, "paid", bank="TCB").status_code == 200
    assert platform.pay(failed.reference, "failed").status_code == 200
    assert platform.pay(cancelled.reference, "abandoned").status_code == 200
    [confirmed, _failed] = sorted(receiver.wait(2), key=lambda b: b["MaLoi"])

    c = _query(paid.reference)
    assert (c.paid, c.pending, c.result_code) == (True, False, "00")
    assert (c.reference, c.partner, c.amount, c.currency) == (paid.reference, PARTNER, 1_500_000, "VND")
    assert c.transaction_id == confirmed["MaGiaoDich"] and c.transaction_id
    assert (c.bank_code, c.at, c.description) == ("TCB", confirmed["ThoiGianGD"], paid.description)
    assert c.raw["LoaiBanTin"] == "QUERY"

    c = _query(failed.reference)
    assert (c.paid, c.pending, c.result_code) == (False, False, client.FAILED)
    c = _query(waiting.reference)
    assert (c.paid, c.pending, c.result_code, c.amount) == (False, True, "01", 1_500_000)
    c = _query(cancelled.reference)
    assert (c.paid, c.pending, c.result_code) == (False, False, client.CANCELLED)
    c = _query("MC-NEVER-SENT")
    assert (c.paid, c.pending, c.result_code, c.amount) == (False, False, client.UNKNOWN_REFERENCE, None)


def test_the_gateway_queries_through_the_client(platform):
    order = make_order()
    client.init(order)
    platform.faults(drop_callbacks=True)
    platform.pay(order.reference, "paid")
    c = gateways.get("dvcqg").query(order.reference, datetime.now(UTC))
    assert c.paid and c.reference == order.reference


def test_a_forged_query_answer_is_refused(throwaway):
    honest = {
        "LoaiBanTin": "QUERY",
        "MaLoi": "00",
        "MaDoiTac": PARTNER,
        "MaThamChieu": "MC1",
        "SoTien": "1500000",
        "MaTienTe": "VND",
        "MaGiaoDich": "GD1",
        "MaNganHang": "VCB",
        "ThoiGianGD": "20260301080203",
        "ThongTinGiaoDich": "x",
    }
    order = "LoaiBanTin|MaLoi|MaDoiTac|MaThamChieu|SoTien|MaTienTe|MaGiaoDich|MaNganHang|ThoiGianGD|ThongTinGiaoDich"
    throwaway.reply(200, {**honest, "MaXacThuc": by_hand(order, honest, SECRET)})
    assert read(client.query("MC1", AT), SECRET, query=True).paid
    throwaway.reply(200, {**honest, "SoTien": "1", "MaXacThuc": by_hand(order, honest, SECRET)})
    with pytest.raises(NoticeRefused) as caught:
        read(client.query("MC1", AT), SECRET, query=True)
    assert caught.value.outcome == "bad_signature"


# ------------------------------------------------------------------------- the loop with motcua's own server


def _dossier_owing(people, api_as) -> str:
    """A counter dossier of congdan's asked 150.000 ₫ (status 6), as the officers would leave it."""
    staff = {name: api_as(people[name]) for name in ("tiepnhan", "chuyenvien")}
    code = staff["tiepnhan"].post("/dossiers", submission(channel=1)).json()["code"]
    Dossier.objects.filter(code=code).update(applicant_user=people["congdan"])
    assert staff["tiepnhan"].post(f"/dossiers/{code}/actions/forward").status_code == 200
    assert (
        staff["chuyenvien"]
        .post(f"/dossiers/{code}/actions/request_payment", {"amount": 150000})
        .json()["status"]
        == 6
    )
    return code


def _attempt_state(reference: str) -> str:
    return PaymentAttempt.objects.values_list("state", flat=True).get(reference=reference)


@pytest.mark.django_db(transaction=True)
def test_a_payment_loops_through_the_platform_and_back(looped, people, procedure, api_as, settings):
    """Both open requests (the uncollected counter fee, then the requested 150.000 ₫) paid on the platform's
    page: each confirmation reaches motcua's callback and is taken; the last one moves the dossier on."""
    settings.PAYMENT_URL, settings.PAYMENT_PARTNER, settings.PAYMENT_SECRET = looped.url, PARTNER, SECRET
    settings.PAYMENT_TIMEOUT = 5.0
    gateways.reset()
    looped.reset()
    code = _dossier_owing(people, api_as)
    for amount in (20000, 150000):
        r = api_as(people["congdan"]).post(f"/dossiers/{code}/payment")
        assert r.status_code == 201, r.json()
        started = r.json()
        assert started["amount"] == amount and started["redirect_url"].startswith(f"{looped.url}/pay/")
        held = looped.attempt(started["reference"])
        assert held["init"]["ThongTinBienLai"]["MaHoSo"] == code and held["amount"] == str(amount)
        assert looped.pay(started["reference"], "paid").status_code == 200
        # The simulator records a delivery once motcua has answered it (no polling of a shared SQLite here).
        [delivery] = looped.deliveries(started["reference"], 1)
        assert (delivery["status"], delivery["answer"]) == (200, "00")
        attempt = PaymentAttempt.objects.get(reference=started["reference"])
        assert attempt.state == PaymentAttempt.State.PAID
        assert attempt.transaction_id == looped.attempt(started["reference"])["transaction_id"]
    assert Dossier.objects.values_list("status", flat=True).get(code=code) != 6


@pytest.mark.django_db(transaction=True)
def test_a_lost_confirmation_is_recovered_by_reconciliation(looped, people, procedure, api_as, settings):
    settings.PAYMENT_URL, settings.PAYMENT_PARTNER, settings.PAYMENT_SECRET = looped.url, PARTNER, SECRET
    gateways.reset()
    looped.reset()
    looped.faults(drop_callbacks=True)
    code = _dossier_owing(people, api_as)
    reference = api_as(people["congdan"]).post(f"/dossiers/{code}/payment").json()["reference"]
    looped.pay(reference, "paid")
    time.sleep(0.3)
    assert _attempt_state(reference) == PaymentAttempt.State.PENDING  # motcua has not heard
    later = timezone.now() + timedelta(minutes=settings.PAYMENT_QUERY_AFTER_MINUTES + 1)
    counts = services.reconcile(at=later)
    assert counts["queried"] == 1 and counts["accepted"] == 1, counts
    assert _attempt_state(reference) == PaymentAttempt.State.PAID
    attempt = PaymentAttempt.objects.get(reference=reference)
    assert attempt.transaction_id == looped.attempt(reference)["transaction_id"]
