"""The payment platform simulator (`motcua payment_simulator`) as a separate process: its checks of INIT and
QUERY, the payer's page, the confirmations it posts to a receiver standing for motcua, faults, and restarts.
Messages are built and signatures recomputed here by hand from contract §8's field orders."""

from __future__ import annotations

import hashlib
import html
import os
import re
import subprocess
import time

import pytest
import requests

from motcua.payments.gateways.contrib.dvcqg import client, protocol

from .conftest import CALLBACK_PATH, ID_NUMBER, MOTCUA, NAME, PARTNER, RETURN_PATH, SECRET, make_order

INIT_ORDER = "LoaiBanTin|PhienBan|MaDoiTac|MaThamChieu|SoTien|LoaiHinhThanhToan|MaKenhThanhToan|MaThietBi|NgonNgu|MaTienTe|MaNganHang|ThongTinGiaoDich|ThoiGianGD|Ip"
CONFIRMATION_ORDER = (
    "LoaiBanTin|MaLoi|MaDoiTac|MaThamChieu|SoTien|MaTienTe|MaGiaoDich|MaNganHang|ThoiGianGD|ThongTinGiaoDich"
)
QUERY_ORDER = "LoaiBanTin|PhienBan|MaDoiTac|MaThamChieu|ThoiGianGD"
CONFIRMATION_FIELDS = {*CONFIRMATION_ORDER.split("|"), "MaXacThuc"}


def sign(order: str, body: dict, secret: str = SECRET) -> dict:
    text = "|".join(str(body.get(name, "")) for name in order.split("|"))
    return {**body, "MaXacThuc": hashlib.sha256(f"{text}|{secret}".encode()).hexdigest()}


def init_body(**overrides) -> dict:
    order = make_order()
    body = {
        "LoaiBanTin": "INIT",
        "PhienBan": "1.0.6",
        "MaDoiTac": PARTNER,
        "MaThamChieu": order.reference,
        "SoTien": "1500000",
        "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": "1",
        "MaThietBi": "1",
        "NgonNgu": "vi-VN",
        "MaTienTe": "VND",
        "MaNganHang": "",
        "ThongTinGiaoDich": order.description,
        "ThoiGianGD": "20260301080203",
        "Ip": "203.0.113.7",
        "ThongTinBienLai": order.receipt,
    }
    body.update(overrides)
    return sign(INIT_ORDER, body)


def query_body(reference: str, secret: str = SECRET, **overrides) -> dict:
    body = {
        "LoaiBanTin": "QUERY",
        "PhienBan": "1.0.6",
        "MaDoiTac": PARTNER,
        "MaThamChieu": reference,
        "ThoiGianGD": "20260301090000",
    }
    body.update(overrides)
    return sign(QUERY_ORDER, body, secret)


def start(platform) -> tuple[str, str]:
    """A registered attempt: its reference and payment page."""
    body = init_body()
    status, answer = platform.post("init", body)
    assert (status, answer["MaLoi"]) == (200, "00"), answer
    return body["MaThamChieu"], answer["UrlThanhToan"]


def assert_confirmation(body: dict, reference: str, code_paid: bool) -> None:
    assert set(body) == CONFIRMATION_FIELDS
    assert protocol.verify(protocol.CONFIRMATION_SIGNED, body, SECRET)
    assert body["MaXacThuc"] == sign(CONFIRMATION_ORDER, body)["MaXacThuc"]
    assert (body["MaLoi"] == "00") is code_paid
    assert (body["MaDoiTac"], body["MaThamChieu"], body["SoTien"], body["MaTienTe"]) == (
        PARTNER,
        reference,
        "1500000",
        "VND",
    )
    assert body["MaGiaoDich"] and body["MaNganHang"]
    assert re.fullmatch(r"\d{14}", body["ThoiGianGD"])
    assert body["ThongTinGiaoDich"].startswith("Nop phi le phi ho so")
    assert all(isinstance(v, str) for v in body.values())


# ---------------------------------------------------------------------------------------------- INIT


def test_init_accepted_answers_its_own_payment_page(platform):
    reference, url = start(platform)
    assert re.fullmatch(rf"{re.escape(platform.url)}/pay/[A-Za-z0-9_-]{{20,}}", url)
    assert reference not in url
    assert platform.stats()["attempts"] == {"pending": 1}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"MaXacThuc": "0" * 64}, "11"),
        ({"MaDoiTac": "KHAC"}, "12"),
        ({"Ip": None}, "10"),  # missing field
        ({"ThongTinBienLai": None}, "10"),
        ({"LaThua": "x"}, "10"),  # a field the contract does not have
        ({"SoTien": 1500000}, "10"),  # a number, not a string
        ({"SoTien": "1.500.000"}, "10"),
        ({"SoTien": "0"}, "10"),
        ({"ThoiGianGD": "20260230080203"}, "10"),  # 30 February
        ({"ThoiGianGD": "2026-03-01 08:02"}, "10"),
        ({"PhienBan": "1.0.5"}, "10"),
        ({"LoaiHinhThanhToan": "REFUND"}, "10"),
        ({"MaTienTe": "USD"}, "10"),
        ({"Ip": "not-an-address"}, "10"),
        ({"MaThamChieu": "có dấu cách"}, "10"),
        ({"ThongTinBienLai": {"MaHoSo": "x"}}, "10"),
    ],
)
def test_init_refused_stores_nothing(platform, change, code):
    body = init_body()
    for name, value in change.items():
        if value is None:
            del body[name]
        else:
            body[name] = value
    if "MaXacThuc" not in change:
        body = sign(INIT_ORDER, {k: v for k, v in body.items() if k != "MaXacThuc"})
    status, answer = platform.post("init", body)
    assert status == 200
    assert answer["MaLoi"] == code and "UrlThanhToan" not in answer
    assert NAME not in answer["MoTa"] and ID_NUMBER not in answer["MoTa"]
    assert platform.stats()["attempts"] == {}
    assert platform.attempt(body["MaThamChieu"]) is None


def test_init_receipt_must_add_up(platform):
    body = init_body()
    body["ThongTinBienLai"] = {
        **body["ThongTinBienLai"],
        "DSKhoanNop": [{"NoiDung": "x", "SoTien": "1000000"}],
    }
    assert platform.post("init", sign(INIT_ORDER, body))[1]["MaLoi"] == "10"


def test_init_not_json_refused(platform):
    assert platform.post("init", b"{not json")[1]["MaLoi"] == "10"
    assert platform.post("init", b"[]")[1]["MaLoi"] == "10"


def test_init_duplicate_reference_refused(platform):
    reference, _ = start(platform)
    again = init_body(MaThamChieu=reference, SoTien="1500000")
    status, answer = platform.post(
        "init", sign(INIT_ORDER, {k: v for k, v in again.items() if k != "MaXacThuc"})
    )
    assert answer["MaLoi"] == "13" and "UrlThanhToan" not in answer
    assert platform.stats()["attempts"] == {"pending": 1}


# ---------------------------------------------------------------------------------------------- the page


def page_form(url: str) -> tuple[str, list[tuple[str, str]], str]:
    r = requests.get(url, timeout=5)
    assert r.status_code == 200
    text = r.text
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', text).group(1))
    buttons = re.findall(r'<button type="submit" name="outcome" value="(\w+)"[^>]*>([^<]+)</button>', text)
    return action, buttons, text


def test_page_shows_the_payment_without_personal_data(platform):
    _reference, url = start(platform)
    r = requests.get(url, timeout=5)
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    text = r.text
    assert "1.500.000 ₫" in text
    assert "Nop phi le phi ho so 000.00.00.H40-260301-0001" in text
    assert PARTNER in text
    assert '<meta name="viewport"' in text and 'lang="vi"' in text
    assert "<script" not in text and "style=" not in text and "<style" not in text
    assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing from elsewhere
    _action, buttons, _ = page_form(url)
    assert buttons == [
        ("paid", "Thanh toán thành công"),
        ("failed", "Thanh toán thất bại"),
        ("abandoned", "Hủy giao dịch"),
    ]
    for private in (NAME, ID_NUMBER):
        assert private not in text
    css = requests.get(f"{platform.url}/assets/platform.css", timeout=5)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert requests.get(f"{platform.url}/pay/no-such-token", timeout=5).status_code == 404


def test_paid_through_the_form_confirms_and_sends_the_payer_back(platform, receiver):
    reference, url = start(platform)
    action, _buttons, _ = page_form(url)
    r = requests.post(
        f"{platform.url}{action}", data={"bank": "BIDV", "outcome": "paid"}, allow_redirects=False, timeout=5
    )
    assert r.status_code == 303
    assert r.headers["Location"] == f"http://127.0.0.1:9{RETURN_PATH}?ref={reference}"
    [got] = receiver.wait(1)
    assert receiver.received[0]["path"] == CALLBACK_PATH
    assert receiver.received[0]["headers"]["Content-Type"].startswith("application/json")
    assert_confirmation(got, reference, code_paid=True)
    assert got["MaNganHang"] == "BIDV"
    held = platform.attempt(reference)
    assert (held["state"], held["transaction_id"]) == ("paid", got["MaGiaoDich"])
    assert [(d["status"], d["answer"]) for d in platform.deliveries(reference, 1)] == [(200, "00")]

    # The attempt is over: a second click changes nothing and sends nothing.
    again = requests.post(
        f"{platform.url}{action}", data={"outcome": "failed"}, allow_redirects=False, timeout=5
    )
    assert again.status_code == 409 and "đã kết thúc" in again.text
    assert platform.pay(reference, "paid").status_code == 409
    time.sleep(0.3)
    assert len(receiver.received) == 1
    assert "đã thanh toán" in requests.get(url, timeout=5).text


def test_failed_through_the_form_confirms_a_failure(platform, receiver):
    reference, url = start(platform)
    action, _, _ = page_form(url)
    r = requests.post(f"{platform.url}{action}", data={"outcome": "failed"}, allow_redirects=False, timeout=5)
    assert r.status_code == 303 and r.headers["Location"].endswith(f"?ref={reference}")
    [got] = receiver.wait(1)
    assert_confirmation(got, reference, code_paid=False)
    assert got["MaLoi"] == client.FAILED


def test_abandoned_through_the_form_sends_no_confirmation(platform, receiver):
    reference, url = start(platform)
    action, _, _ = page_form(url)
    r = requests.post(
        f"{platform.url}{action}", data={"outcome": "abandoned"}, allow_redirects=False, timeout=5
    )
    assert r.status_code == 303 and r.headers["Location"].endswith(f"?ref={reference}")
    time.sleep(0.5)
    assert receiver.received == []
    assert platform.attempt(reference)["state"] == "cancelled"


def test_a_form_without_a_known_outcome_is_refused(platform, receiver):
    reference, url = start(platform)
    action, _, _ = page_form(url)
    r = requests.post(f"{platform.url}{action}", data={"outcome": "free"}, allow_redirects=False, timeout=5)
    assert r.status_code == 400
    assert platform.attempt(reference)["state"] == "pending"


@pytest.mark.parametrize(("outcome", "paid"), [("paid", True), ("failed", False)])
def test_sim_pay_confirms_like_the_buttons(platform, receiver, outcome, paid):
    reference, _ = start(platform)
    r = platform.pay(reference, outcome)
    assert r.status_code == 200
    assert r.json()["redirect"] == f"http://127.0.0.1:9{RETURN_PATH}?ref={reference}"
    [got] = receiver.wait(1)
    assert_confirmation(got, reference, code_paid=paid)


def test_sim_pay_abandoned_and_unknown(platform, receiver):
    reference, _ = start(platform)
    assert platform.pay(reference, "abandoned").json()["state"] == "cancelled"
    assert platform.pay("MC-NONE", "paid").status_code == 404
    assert platform.pay(reference, "maybe").status_code == 400
    time.sleep(0.3)
    assert receiver.received == []


def test_delayed_and_repeated_confirmations(platform, receiver):
    platform.faults(delay=1.0, repeat=3)
    reference, _ = start(platform)
    asked = time.monotonic()
    assert platform.pay(reference, "paid").status_code == 200
    assert time.monotonic() - asked < 0.5  # the page answers at once; the confirmation comes later
    time.sleep(0.5)
    assert receiver.received == []
    bodies = receiver.wait(3)
    assert len(bodies) == 3 and bodies[0] == bodies[1] == bodies[2]
    assert receiver.received[0]["at"] - asked >= 1.0
    assert_confirmation(bodies[0], reference, code_paid=True)
    assert [c["answer"] for c in platform.deliveries(reference, 3)] == ["00", "00", "00"]
    assert platform.stats()["counters"]["callbacks_sent"] == 3


def test_refused_confirmations_are_recorded(platform, receiver):
    receiver.reply(403, {"code": "payment_bad_signature", "MaLoi": "02"})
    reference, _ = start(platform)
    platform.pay(reference, "paid")
    receiver.wait(1)
    assert [(c["status"], c["answer"]) for c in platform.deliveries(reference, 1)] == [(403, "02")]
    assert platform.stats()["counters"]["callbacks_refused"] == 1


def test_dropped_confirmation_is_found_by_a_query(platform, receiver):
    platform.faults(drop_callbacks=True)
    reference, _ = start(platform)
    platform.pay(reference, "paid")
    time.sleep(0.5)
    assert receiver.received == []
    status, answer = platform.post("query", query_body(reference))
    assert status == 200 and answer["MaLoi"] == "00"
    assert answer["MaGiaoDich"] == platform.attempt(reference)["transaction_id"]
    assert platform.stats()["counters"]["callbacks_dropped"] == 1


def test_fault_values_are_checked(platform):
    for bad in ({"fail_init": 2}, {"repeat": 0}, {"delay": -1}, {"drop_callbacks": "yes"}, {"nonsense": 1}):
        assert requests.post(f"{platform.url}/_sim/faults", json=bad, timeout=5).status_code == 400


# ---------------------------------------------------------------------------------------------- QUERY


def test_query_answers_each_state_signed_like_a_confirmation(platform, receiver):
    paid, _ = start(platform)
    failed, _ = start(platform)
    waiting, _ = start(platform)
    cancelled, _ = start(platform)
    platform.pay(paid, "paid")
    platform.pay(failed, "failed")
    platform.pay(cancelled, "abandoned")
    confirmations = {b["MaThamChieu"]: b for b in receiver.wait(2)}
    expected = {paid: "00", failed: "02", waiting: "01", cancelled: "03", "MC-NEVER": "04"}
    for reference, code in expected.items():
        status, answer = platform.post("query", query_body(reference))
        assert status == 200
        assert set(answer) == CONFIRMATION_FIELDS
        assert answer["MaXacThuc"] == sign(CONFIRMATION_ORDER, answer)["MaXacThuc"]
        assert (answer["MaLoi"], answer["MaThamChieu"], answer["MaDoiTac"]) == (code, reference, PARTNER)
        if reference in confirmations:
            assert answer["MaGiaoDich"] == confirmations[reference]["MaGiaoDich"]
            assert answer["ThoiGianGD"] == confirmations[reference]["ThoiGianGD"]
    assert client.PENDING_CODES == {"01"}


def test_query_without_phienban_is_signed_over_the_contracts_version(platform):
    reference, _ = start(platform)
    body = query_body(reference)  # signed with PhienBan 1.0.6 ...
    del body["PhienBan"]  # ... which the contract's QUERY does not list
    assert platform.post("query", body)[1]["MaLoi"] == "01"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (lambda r: query_body(r, secret="sai"), "11"),
        (lambda r: query_body(r, MaDoiTac="KHAC"), "12"),
        (lambda r: query_body(r, LoaiBanTin="INIT"), "10"),
        (lambda r: query_body(r, ThoiGianGD="hôm nay"), "10"),
        (lambda r: {k: v for k, v in query_body(r).items() if k != "MaXacThuc"}, "10"),
    ],
)
def test_query_refused_is_unsigned(platform, body, code):
    reference, _ = start(platform)
    status, answer = platform.post("query", body(reference))
    assert status == 200 and answer["MaLoi"] == code and "MaXacThuc" not in answer


# ---------------------------------------------------------------------------------------------- restart


def test_a_restart_keeps_the_attempts(platform, receiver):
    paid, _ = start(platform)
    waiting, url = start(platform)
    platform.pay(paid, "paid")
    [confirmation] = receiver.wait(1)
    platform.restart()
    assert platform.attempt(paid)["transaction_id"] == confirmation["MaGiaoDich"]
    assert platform.post("query", query_body(paid))[1]["MaGiaoDich"] == confirmation["MaGiaoDich"]
    assert platform.post("query", query_body(waiting))[1]["MaLoi"] == "01"
    again = init_body(MaThamChieu=paid)
    assert (
        platform.post("init", sign(INIT_ORDER, {k: v for k, v in again.items() if k != "MaXacThuc"}))[1][
            "MaLoi"
        ]
        == "13"
    )
    # The payer's page still works after the restart.
    action, _, _ = page_form(url)
    r = requests.post(f"{platform.url}{action}", data={"outcome": "paid"}, allow_redirects=False, timeout=5)
    assert r.status_code == 303
    assert_confirmation(receiver.wait(2)[1], waiting, code_paid=True)


# ---------------------------------------------------------------------------------------------- command


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--port", "70000"], "--port"),
        (["--port", "0", "--callback-url", "ftp://x/cb"], "--callback-url"),
        (["--port", "0", "--partner", ""], "MOTCUA_PAYMENT_PARTNER"),
    ],
)
def test_command_bad_input_is_one_line_and_status_2(tmp_path, flags, says):
    env = {**os.environ, "MOTCUA_VAR_DIR": str(tmp_path)}
    for name in ("DATABASE_URL", "MOTCUA_PAYMENT_PARTNER", "MOTCUA_PAYMENT_SECRET"):
        env.pop(name, None)
    secret = [] if "--partner" in flags else ["--partner", PARTNER, "--secret", SECRET]
    done = subprocess.run(
        [MOTCUA, "payment_simulator", *secret, *flags], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], done.stderr
