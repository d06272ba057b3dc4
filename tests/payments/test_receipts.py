"""Electronic receipts (ADR 0031): payments made through the real lifecycle (counter `pay`, the platform's
`pay_online`), their receipts numbered in the agency's series, printed, signed, stored once, and read by
whoever sees the dossier. Real PDFs and signatures: poppler and pyHanko read them back."""

from __future__ import annotations

import hashlib
import subprocess

import pytest
from django.db import transaction
from django.utils import timezone

from motcua.directory.models import Role
from motcua.documents import qr, signing
from motcua.documents.signing import pades
from motcua.dossiers import machine, services
from motcua.dossiers.models import DossierFee
from motcua.payments import receipts
from motcua.payments.models import Payment, PaymentAttempt, Refund
from tests.documents.conftest import pdf_text
from tests.documents.test_pdf import read_qr
from tests.dossiers.conftest import local

pytestmark = pytest.mark.django_db

TAX_CODE = "2900325759"


@pytest.fixture
def account(agencies):
    from motcua.payments.models import ReceivingAccount

    return ReceivingAccount.objects.create(
        agency=agencies["justice"],
        bank_bin="970415",
        bank_name="VietinBank",
        account_number="113000012345",
        account_name="SO TU PHAP TINH NGHE AN",
        tax_code=TAX_CODE,
        receipt_series="AA-26E",
    )


@pytest.fixture
def clients(named, api_as, make_staff, agencies):
    people = dict(named)
    people["foreign"] = make_staff("ngoaitinh", Role.SPECIALIST, agencies["foreign"])
    people["other_citizen"] = type(named["congdan"]).objects.create_user(username="khac", password="x")
    return {name: api_as(user) for name, user in people.items()}


@pytest.fixture
def paid(account, counter, perform):
    """A counter dossier whose procedure fee was paid in cash at reception, then a processing obligation of
    1.500.000 đồng paid by transfer: receipts 0000001 and 0000002 of series AA-26E."""
    d = counter(at=local(2025, 8, 15, 15))
    perform("tiepnhan", d, "pay", local(2025, 8, 15, 15, 5), method="cash")
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 15, 30))
    perform(
        "chuyenvien", d, "request_payment", local(2025, 8, 18, 9), amount=1500000, name="Lệ phí trích lục"
    )
    perform("tiepnhan", d, "pay", local(2025, 8, 18, 10), method="transfer", reference="FT25230ABC")
    return d


def receipt(client, p: Payment):
    return client.get(f"/payments/{p.pk}/receipt")


def words(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------------------------------- content
def test_the_receipt_holds_every_field_the_law_asks_for(paid, clients, tmp_path):
    cash, transfer = Payment.objects.filter(dossier=paid).order_by("id")
    assert (cash.receipt_number, transfer.receipt_number) == (1, 2)
    r = receipt(clients["congdan"], transfer)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"] == 'attachment; filename="bien-lai-AA-26E-0000002.pdf"'
    assert r["Cache-Control"] == "private, no-store"
    text = words(pdf_text(b"".join(r.streaming_content), tmp_path))
    for shown in (
        "BIÊN LAI THU PHÍ, LỆ PHÍ",
        "không in sẵn mệnh giá",
        "Ký hiệu mẫu biên lai: 01BLP0-001",
        "Ký hiệu biên lai: AA-26E",
        "Số biên lai: 0000002",
        "Tổ chức thu phí, lệ phí: Sở Tư pháp tỉnh Nghệ An",
        f"Mã số thuế: {TAX_CODE}",
        "Tên người nộp tiền: Nguyễn Thị Hoa",
        "Địa chỉ: Vinh, Nghệ An",
        f"Hồ sơ: {paid.code}",
        "Đăng ký khai sinh có yếu tố nước ngoài",
        "Lệ phí trích lục 1.500.000 đồng",
        "Tổng cộng 1.500.000 đồng",
        "Số tiền bằng chữ: Một triệu năm trăm nghìn đồng",
        "Hình thức thanh toán: Chuyển khoản (mã giao dịch: FT25230ABC)",
        "Ngày lập biên lai: 18/08/2025",
        "NGƯỜI THU TIỀN",
        "Trần Thị Lan",  # the collecting officer, family name first
        "Đã ký số bởi Sở Tư pháp tỉnh Nghệ An",
    ):
        assert shown in text, shown
    assert "Trang 1/1" in text, "one A5 page"

    # The cash receipt: only the procedure's own fee line (the request it paid), in words too.
    text = words(pdf_text(receipts.stored_bytes(receipts.issue(cash)), tmp_path))
    fee = DossierFee.objects.get(dossier=paid, request=cash.request)
    assert f"{fee.name} 20.000 đồng" in text and "Lệ phí trích lục" not in text
    assert "Hai mươi nghìn đồng" in text and "Hình thức thanh toán: Tiền mặt" in text
    assert "Số biên lai: 0000001" in text and "Ngày lập biên lai: 15/08/2025" in text


def test_the_qr_code_identifies_the_receipt_in_its_series(paid, tmp_path):
    p = receipts.issue(Payment.objects.filter(dossier=paid).order_by("id").last())
    text, _, _ = read_qr(receipts.stored_bytes(p), tmp_path)
    assert qr.parse(text) == {
        "MaHoSo": paid.code,
        "TenGiayTo": "Biên lai thu phí, lệ phí",
        "KyHieuMau": "01BLP0-001",
        "KyHieu": "AA-26E",
        "SoBienLai": "0000002",
        "MaSoThue": TAX_CODE,
        "SoTien": "1500000",
        "NgayLap": "18/08/2025",
    }


def test_an_online_payment_names_the_platform_and_its_transaction(account, online, people, tmp_path):
    d = online(at=local(2025, 8, 15, 15))
    request = d.payment_requests.get()
    attempt = PaymentAttempt.objects.create(
        request=request,
        gateway="dvcqg",
        reference="MC250815000001",
        amount=request.amount,
        started_at=local(2025, 8, 15, 15, 1),
        started_by=people["congdan"],
        init_time="20250815150100",
        description="Nop le phi",
        transaction_id="GD998877",
    )
    services.perform(
        None, d.code, "pay_online", at=local(2025, 8, 15, 15, 3), system=machine.PLATFORM, attempt=attempt.pk
    )
    p = receipts.issue(Payment.objects.get(dossier=d))
    text = words(pdf_text(receipts.stored_bytes(p), tmp_path))
    assert (
        "Hình thức thanh toán: Trực tuyến qua Nền tảng thanh toán trực tuyến của Cổng Dịch vụ công " in text
    )
    assert "(mã giao dịch: GD998877)" in text and "ĐƠN VỊ THU HỘ" in text
    assert "Mười nghìn đồng" in text and "Số biên lai: 0000001" in text


# ------------------------------------------------------------------------------------ signature, store
def test_the_receipt_is_signed_by_the_collecting_agency(paid, tmp_path):
    p = receipts.issue(Payment.objects.filter(dossier=paid).first())
    data = receipts.stored_bytes(p)
    check = pades.check(data, signing.get().trust_roots())
    assert check.valid and check.signed_by == "Sở Tư pháp tỉnh Nghệ An"
    (tmp_path / "bl.pdf").write_bytes(data)
    out = subprocess.run(["pdfsig", str(tmp_path / "bl.pdf")], capture_output=True, text=True).stdout
    assert "Signature is Valid." in out and "Total document signed" in out


def test_two_downloads_give_the_same_stored_bytes(paid, clients, private_files):
    p = Payment.objects.filter(dossier=paid).first()
    first = b"".join(receipt(clients["congdan"], p).streaming_content)
    again = b"".join(receipt(clients["tiepnhan"], p).streaming_content)
    assert first == again and first.startswith(b"%PDF-1.7")
    p.refresh_from_db()
    assert hashlib.sha256(first).hexdigest() == p.receipt_sha256
    assert [f.name for f in (private_files / "receipts").rglob("*.pdf")] == [p.receipt_file.rsplit("/", 1)[1]]


def test_a_racing_first_download_keeps_the_first_stored_file(paid, private_files):
    """Two first downloads at once: the one that records its file second serves the first one's."""
    winner = receipts.issue(Payment.objects.filter(dossier=paid).first())
    loser = Payment.objects.get(pk=winner.pk)
    loser.receipt_file = loser.receipt_sha256 = ""  # as read before the winner recorded its file
    receipts.issue(loser)
    assert (loser.receipt_file, loser.receipt_sha256) == (winner.receipt_file, winner.receipt_sha256)
    assert len(list((private_files / "receipts").rglob("*.pdf"))) == 1, "the loser's file was deleted"


def test_a_receipt_changed_at_rest_is_refused(paid, clients, private_files):
    p = receipts.issue(Payment.objects.filter(dossier=paid).first())
    path = private_files / p.receipt_file
    data = bytearray(path.read_bytes())
    data[data.index(b"stream", len(data) // 4) + 20] ^= 0x01  # one byte of the page content
    path.write_bytes(bytes(data))
    r = receipt(clients["congdan"], p)
    assert (r.status_code, r.json()["code"]) == (409, "file_corrupted")


def test_a_refund_leaves_the_issued_receipt_as_it_was_and_is_listed_beside_it(paid, clients, people):
    p = Payment.objects.filter(dossier=paid).order_by("id").last()
    before = b"".join(receipt(clients["congdan"], p).streaming_content)
    Refund.objects.create(
        payment=p,
        amount=p.amount,
        reason="Hồ sơ bị từ chối",
        reference="HT-01",
        at=timezone.now(),
        by=people["tiepnhan"],
    )
    assert b"".join(receipt(clients["congdan"], p).streaming_content) == before
    items = clients["tiepnhan"].get(f"/dossiers/{paid.code}/payments").json()["items"]
    assert [i["refund"] for i in items][0] is None
    assert items[1]["refund"]["amount"] == 1500000 and items[1]["refund"]["reason"] == "Hồ sơ bị từ chối"
    assert items[1]["receipt_number"] == "0000002"


def test_an_agency_without_credentials_issues_no_receipt_until_it_has_them(paid, clients, settings, tmp_path):
    p = Payment.objects.filter(dossier=paid).first()
    default = settings.MOTCUA_SIGNING_DIR
    settings.MOTCUA_SIGNING_DIR = tmp_path / "none"
    r = receipt(clients["congdan"], p)
    assert (r.status_code, r.json()["code"]) == (409, "no_signing_credentials")
    assert "Sở Tư pháp tỉnh Nghệ An chưa có chứng thư số để ký biên lai" in r.json()["message"]
    p.refresh_from_db()
    assert p.receipt_file == "" and not (tmp_path / "private" / "receipts").exists()
    settings.MOTCUA_SIGNING_DIR = default
    assert receipt(clients["congdan"], p).status_code == 200


def test_a_payment_taken_without_a_receipt_series_has_no_receipt(counter, perform, clients):
    d = counter(at=local(2025, 8, 15, 15))
    perform("tiepnhan", d, "pay", local(2025, 8, 15, 15, 5), method="cash")
    p = Payment.objects.get(dossier=d)
    assert p.receipt_number is None
    r = receipt(clients["congdan"], p)
    assert (r.status_code, r.json()["code"]) == (409, "receipt_not_numbered")
    [item] = clients["congdan"].get(f"/dossiers/{d.code}/payments").json()["items"]
    assert (item["receipt_number"], item["receipt_url"], item["receipt_series"]) == (None, None, "")


# ------------------------------------------------------------------------------------------ numbering
def test_numbers_run_on_per_series_and_a_rolled_back_payment_gives_its_number_back(
    account, agencies, counter, perform, people
):
    from motcua.payments.models import ReceivingAccount

    numbers = []
    for hour in (9, 10):
        d = counter(at=local(2025, 8, 15, hour))
        perform("tiepnhan", d, "pay", local(2025, 8, 15, hour, 5), method="cash")
        numbers.append(Payment.objects.get(dossier=d).receipt_number)
    assert numbers == [1, 2]

    d = counter(at=local(2025, 8, 15, 11))
    with pytest.raises(RuntimeError), transaction.atomic():
        perform("tiepnhan", d, "pay", local(2025, 8, 15, 11, 5), method="cash")
        assert Payment.objects.get(dossier=d).receipt_number == 3
        raise RuntimeError("the request failed after the payment was written")
    assert not Payment.objects.filter(dossier=d).exists()
    account.refresh_from_db()
    assert account.receipt_last_number == 2
    perform("tiepnhan", d, "pay", local(2025, 8, 15, 11, 10), method="cash")
    assert Payment.objects.get(dossier=d).receipt_number == 3, "no gap in the series"

    # Another agency's series counts on its own.
    ReceivingAccount.objects.create(
        agency=agencies["health"], bank_bin="970436", bank_name="Vietcombank", account_number="1",
        account_name="SO Y TE", receipt_series="BB-26E",
    )  # fmt: skip
    d = counter(at=local(2025, 8, 15, 14), agency=agencies["health"].identifier)
    perform("tiepnhan", d, "pay", local(2025, 8, 15, 14, 5), method="cash")
    p = Payment.objects.get(dossier=d)
    assert (p.receipt_series, p.receipt_number) == ("BB-26E", 1)
    triples = list(Payment.objects.values_list("agency_id", "receipt_series", "receipt_number"))
    assert len(set(triples)) == len(triples) == 4


# ----------------------------------------------------------------------------------------- visibility
def test_the_payer_and_the_staff_who_see_the_dossier_get_the_receipt_others_a_404(paid, clients):
    p = Payment.objects.filter(dossier=paid).first()
    for name in ("congdan", "tiepnhan", "chuyenvien", "lanhdao", "admin"):
        assert receipt(clients[name], p).status_code == 200, name
    for name in ("foreign", "other_citizen"):
        r = receipt(clients[name], p)
        assert (r.status_code, r.json()["code"]) == (404, "payment_not_found"), name
    for path in (
        "/payments/999999/receipt",
        "/payments/-1/receipt",
        "/payments/99999999999999999999/receipt",
    ):
        r = clients["congdan"].get(path)
        assert (r.status_code, r.json()["code"]) == (404, "payment_not_found"), path
    assert clients["congdan"].client.get(f"/api/v1/payments/{p.pk}/receipt").status_code == 401


def test_the_dossier_s_payments_are_listed_for_whoever_sees_it(paid, clients, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        r = clients["congdan"].get(f"/dossiers/{paid.code}/payments")
    assert r.status_code == 200
    body = r.json()
    cash, transfer = body["items"]
    assert body["count"] == 2
    assert (cash["amount"], cash["method"], cash["method_label"]) == (
        20000,
        "cash",
        "Tiền mặt tại bộ phận một cửa",
    )
    assert (cash["receipt_form"], cash["receipt_series"], cash["receipt_number"]) == (
        "01BLP0-001",
        "AA-26E",
        "0000001",
    )
    assert cash["paid_at"].startswith("2025-08-15T15:05:00+07:00")
    assert (transfer["method"], transfer["reference"], transfer["receipt_number"]) == (
        "transfer", "FT25230ABC", "0000002"
    )  # fmt: skip
    assert transfer["receipt_url"] == f"/api/v1/payments/{transfer['id']}/receipt"
    assert clients["congdan"].get(transfer["receipt_url"].removeprefix("/api/v1")).status_code == 200
    with django_assert_max_num_queries(5):
        assert clients["tiepnhan"].get(f"/dossiers/{paid.code}/payments").json()["count"] == 2
    for name in ("foreign", "other_citizen"):
        r = clients[name].get(f"/dossiers/{paid.code}/payments")
        assert (r.status_code, r.json()["code"]) == (404, "dossier_not_found"), name


def test_the_receipt_download_pins_its_queries(paid, clients, django_assert_max_num_queries):
    p = Payment.objects.filter(dossier=paid).first()
    # The token (and its first use), the payment; the first download renders: the payment with everything
    # it prints, its fee lines, then records the file.
    with django_assert_max_num_queries(6):
        assert receipt(clients["congdan"], p).status_code == 200
    with django_assert_max_num_queries(2):  # afterwards: the token, the payment with its dossier
        assert receipt(clients["congdan"], p).status_code == 200
    with django_assert_max_num_queries(5):  # staff (a first use of the token): their roles too
        assert receipt(clients["chuyenvien"], p).status_code == 200
