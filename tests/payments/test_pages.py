"""The pages people pay and see payments on: the citizen's "Phí, lệ phí" section and its online payment, the
return page from the payment platform, the officer's payment panel with refunds, the list of flagged
payments, the counter's receipt, and the read-only admin. Who may not see a page gets the site's 404; what
a service refuses is said on the page with its status, never a 500."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from motcua.directory.models import Applicant, Role
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.payments import gateways
from motcua.payments import services as payment_services
from motcua.payments.gateways import Gateway, GatewayError
from motcua.payments.models import (
    Payment,
    PaymentAttempt,
    PaymentNotice,
    PaymentRequest,
    ReceivingAccount,
    Refund,
)
from tests.clients import signed_in
from tests.dossiers.conftest import local, procedure, submission  # noqa: F401 - the procedure fixture
from tests.portal.test_pages import visible
from tests.workspace.counter_data import make_procedure as make_counter_procedure
from tests.workspace.test_counter import URL as COUNTER
from tests.workspace.test_counter import form as counter_form

from .test_confirmations import PARTNER, SECRET, confirmation, post

pytestmark = pytest.mark.django_db
RETURN = "/thanh-toan/ket-qua/"
FLAGS = "/can-bo/thanh-toan/"


class StandIn(Gateway):
    """A provider that registers every attempt and names its page; the real platform's client and its
    simulator are exercised over HTTP by tests/e2e/test_payment.py."""

    name = "dvcqg"  # the confirmations of tests.payments.test_confirmations are the platform's
    label = "stand-in"
    online_flag = 1
    down = False

    def configured(self):
        return True

    def start(self, order):
        if StandIn.down:
            raise GatewayError("no answer")
        return f"https://thanhtoan.example.vn/pay?ref={order.reference}"

    def confirmation(self, body):
        return gateways.get("dvcqg").confirmation(body)

    def query(self, reference, at):
        raise GatewayError("not here")

    def answer(self, accepted, outcome):
        return gateways.get("dvcqg").answer(accepted, outcome)


@pytest.fixture(autouse=True)
def platform(settings):
    settings.PAYMENT_URL = "http://127.0.0.1:9"
    settings.PAYMENT_PARTNER = PARTNER
    settings.PAYMENT_SECRET = SECRET
    gateways.reset()
    yield
    StandIn.down = False
    gateways.reset()


@pytest.fixture(autouse=True)
def account(agencies):
    """The collecting agency's account: payments get numbered receipts, the page a VietQR."""
    return ReceivingAccount.objects.create(
        agency=agencies["justice"],
        bank_bin="970415",
        bank_name="VietinBank",
        account_number="113000012345",
        account_name="SO TU PHAP TINH NGHE AN",
        receipt_series="AA-26E",
    )


@pytest.fixture
def stand_in(settings):
    settings.PAYMENT_GATEWAY = f"{__name__}.StandIn"
    gateways.reset()
    return settings


@pytest.fixture
def hoa(people):
    return signed_in(people["congdan"])


@pytest.fixture
def stranger(db):
    user = get_user_model().objects.create_user(username="nguoila", password="demo")
    Applicant.objects.create(user=user, kind="citizen", full_name="Lê Văn Tám", id_number="040090005678")
    return user


@pytest.fixture
def paying(people, procedure):  # noqa: F811
    """Hoa's online dossier (fee 10.000 ₫ not paid), received and forwarded, asked 1.500.000 ₫ (status 6)."""
    at = local(2025, 8, 15, 9)
    d = services.submit_dossier(people["congdan"], submission(), at=at)
    services.perform(people["tiepnhan"], d.code, "accept", at=local(2025, 8, 15, 10))
    services.perform(people["tiepnhan"], d.code, "forward", at=local(2025, 8, 15, 11))
    services.perform(
        people["chuyenvien"],
        d.code,
        "request_payment",
        amount=1500000,
        name="Lệ phí cấp bản sao trích lục",
        at=local(2025, 8, 18, 9),
    )
    d.refresh_from_db()
    assert (d.status, d.fee_total, d.fee_paid) == (6, 1510000, 0)
    return d


def attempt_of(d: Dossier, *, state=PaymentAttempt.State.PENDING, n: int = 0) -> PaymentAttempt:
    request = PaymentRequest.objects.filter(dossier=d, state="open").order_by("id").first()
    return PaymentAttempt.objects.create(
        request=request,
        gateway="dvcqg",
        reference=f"MCPAGE{request.pk:04d}{n:02d}",
        amount=request.amount,
        state=state,
        started_at=timezone.now(),
        init_time="20250818100000",
        description=f"Nop phi le phi ho so {d.code}",
    )


def paid_online(d: Dossier, n: int = 0) -> PaymentAttempt:
    a = attempt_of(d, n=n)
    r = post(confirmation(a))
    assert r.json()["MaLoi"] == "00", r.content
    a.refresh_from_db()
    return a


def page_of(d: Dossier) -> str:
    return f"/ca-nhan/ho-so/{d.code}/"


def officer_page(d: Dossier) -> str:
    return f"/can-bo/ho-so/{d.code}/"


def section(r, ident: str) -> str:
    """The visible text of the element with this id (its own tag's content, to its closing tag)."""
    html = r.content.decode()
    m = re.search(rf'<(\w+)[^>]*id="{ident}"', html)
    assert m, f"#{ident} not on the page"
    start, tag = m.start(), m.group(1)
    end = html.index(f"</{tag}>", start)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end])).strip()


# -------------------------------------------------------------------------------------- the citizen
def test_the_dossier_page_shows_what_is_owed_and_the_online_payment_button(
    hoa, paying, stand_in, django_assert_max_num_queries
):
    # The page's 11, and the fees: the dossier as the payer sees it, its requests, attempts, payments (with
    # refunds); the VietQR's receiving account adds one when there is an amount due.
    with django_assert_max_num_queries(16):
        r = hoa.get(page_of(paying))
    assert r.status_code == 200
    text = section(r, "phi-le-phi")
    assert "Phí, lệ phí của thủ tục 10.000 ₫ Chờ nộp" in text
    assert "Lệ phí cấp bản sao trích lục 1.500.000 ₫ Chờ nộp" in text
    assert "Còn phải nộp: 1.510.000 ₫" in text
    # One attempt pays the oldest open request: the button says how much.
    assert "Thanh toán trực tuyến 10.000 ₫" in text
    qr = section(r, "phi-le-phi").split("Chuyển khoản bằng mã VietQR", 1)[1]
    for shown in ("VietinBank", "113000012345", "SO TU PHAP TINH NGHE AN", "1.510.000 ₫", paying.code):
        assert shown in qr, shown
    assert f'src="/api/v1/dossiers/{paying.code}/payment/vietqr.png"' in r.content.decode()
    html = r.content.decode()
    assert re.search(
        rf'<form id="pay-online" method="post" action="/ca-nhan/ho-so/{paying.code}/thanh-toan/">'
        r'<input type="hidden" name="csrfmiddlewaretoken"',
        html,
    )


def test_without_a_connected_platform_the_page_says_how_else_to_pay(hoa, paying, settings):
    settings.PAYMENT_URL = ""
    gateways.reset()
    r = hoa.get(page_of(paying))
    assert 'id="pay-online"' not in r.content.decode()
    assert "chuyển khoản theo thông tin dưới đây hoặc nộp tại bộ phận một cửa" in section(r, "phi-le-phi")
    # Posted anyway (an old page): the service's 409, said in the section.
    r = hoa.post(f"{page_of(paying)}thanh-toan/")
    assert r.status_code == 409
    assert "Chưa kết nối cổng thanh toán trực tuyến" in section(r, "payment-error")


def test_paying_online_sends_the_payer_to_the_platform_page(hoa, paying, stand_in):
    r = hoa.post(f"{page_of(paying)}thanh-toan/", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile")
    assert r.status_code == 303
    a = PaymentAttempt.objects.get()
    assert r["Location"] == f"https://thanhtoan.example.vn/pay?ref={a.reference}" == a.redirect_url
    assert (a.amount, a.state, a.request.reason) == (10000, "pending", "Phí, lệ phí của thủ tục")


def test_the_services_refusals_are_said_on_the_page(hoa, paying, stand_in, settings):
    url = f"{page_of(paying)}thanh-toan/"
    StandIn.down = True
    r = hoa.post(url)
    assert r.status_code == 503
    assert section(r, "payment-error") == "Cổng thanh toán không trả lời; vui lòng thử lại sau ít phút."
    assert PaymentAttempt.objects.get().state == "failed"

    StandIn.down = False
    settings.PAYMENT_LIMITS_USER = [(2, 3600)]
    assert hoa.post(url).status_code == 303
    r = hoa.post(url)
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert "Bạn đã bắt đầu thanh toán quá nhiều lần" in section(r, "payment-error")


def test_nothing_left_to_pay_is_a_409_on_the_page(hoa, people, paying, stand_in):
    services.perform(people["tiepnhan"], paying.code, "pay", method="cash", reference="BL01")
    r = hoa.post(f"{page_of(paying)}thanh-toan/")
    assert r.status_code == 409
    assert section(r, "payment-error") == "Hồ sơ không còn phí, lệ phí nào phải nộp."
    assert PaymentAttempt.objects.count() == 0


def test_another_citizen_and_staff_never_pay_or_see_the_section(paying, stranger, people, stand_in):
    other = signed_in(stranger)
    assert other.get(page_of(paying)).status_code == 404
    assert other.post(f"{page_of(paying)}thanh-toan/").status_code == 404
    # Staff have their own pages: sent there, nothing started.
    r = signed_in(people["tiepnhan"]).post(f"{page_of(paying)}thanh-toan/")
    assert r.status_code == 302 and r["Location"].startswith("/can-bo/")
    r = Client().post(f"{page_of(paying)}thanh-toan/")
    assert r.status_code == 302 and r["Location"].startswith("/dang-nhap/")
    assert PaymentAttempt.objects.count() == 0


def test_payments_made_have_their_receipt_and_refund(hoa, people, paying):
    a = paid_online(paying)
    r = hoa.get(page_of(paying))
    payment = Payment.objects.get(attempt=a)
    made = section(r, "payments-made")
    assert "10.000 ₫ · Phí, lệ phí của thủ tục" in made and "Thanh toán trực tuyến" in made
    assert f'href="/api/v1/payments/{payment.pk}/receipt"' in r.content.decode()
    assert "Tải biên lai" in made
    requests = section(r, "payment-requests")
    assert "10.000 ₫ Đã nộp" in requests and "1.500.000 ₫ Chờ nộp" in requests

    services.perform(people["congdan"], paying.code, "withdraw", reason="Không còn nhu cầu")
    payment_services.refund(people["tiepnhan"], payment.pk, amount=None, reason="Rút hồ sơ")
    r = hoa.get(page_of(paying))
    assert "Đã hoàn trả 10.000 ₫ lúc" in section(r, "payments-made")
    assert 'id="pay-online"' not in r.content.decode(), "a withdrawn dossier owes nothing"


def test_my_dossiers_say_which_owe_a_fee(hoa, people, procedure, paying):  # noqa: F811
    fresh = services.submit_dossier(people["congdan"], submission(), at=local(2025, 8, 20, 9))
    html = hoa.get("/ca-nhan/").content.decode()
    for code, badge in ((fresh.code, "Chờ nộp phí"), (paying.code, "Cần nộp phí, lệ phí")):
        row = re.search(rf"<li[^>]*>(?:(?!</li>).)*{re.escape(code)}(?:(?!</li>).)*</li>", html, re.S)
        assert row and badge in row.group(0), code


# --------------------------------------------------------------------------------- the return page
def test_the_return_page_shows_a_paid_attempt_with_its_receipt(hoa, paying):
    a = paid_online(paying)
    r = hoa.get(RETURN, {"ref": a.reference})
    assert r.status_code == 200
    html = r.content.decode()
    assert section(r, "result-title") == "Thanh toán thành công"
    assert section(r, "result-amount") == "10.000 ₫"
    assert (
        f'<a id="receipt-link" class="button button-primary" href="/api/v1/payments/{a.payment.pk}/receipt"'
        in html
    )
    assert 'http-equiv="refresh"' not in html


def test_a_pending_attempt_refreshes_the_page_a_few_times_then_stops(
    hoa, paying, django_assert_max_num_queries
):
    a = attempt_of(paying)
    # session, user, landing check, the attempt with its dossier, the throttle-free read of the status
    with django_assert_max_num_queries(5):
        r = hoa.get(RETURN, {"ref": a.reference})
    assert section(r, "result-title") == "Đang chờ xác nhận từ nền tảng thanh toán"
    assert (
        f'<meta http-equiv="refresh" content="3;url=/thanh-toan/ket-qua/?ref={a.reference}&amp;lan=1">'
        in (r.content.decode())
    )
    assert "<script" not in r.content.decode().split("</head>")[0].split("<link")[-1]  # no inline script
    r = hoa.get(RETURN, {"ref": a.reference, "lan": "9"})
    assert "lan=10" in r.content.decode()
    r = hoa.get(RETURN, {"ref": a.reference, "lan": "10"})
    assert 'http-equiv="refresh"' not in r.content.decode()
    assert "Kiểm tra lại" in visible(r)
    assert hoa.get(RETURN, {"ref": a.reference, "lan": "x"}).status_code == 200


def test_a_failed_attempt_offers_to_try_again(hoa, paying):
    a = attempt_of(paying)
    assert post(confirmation(a, MaLoi="51")).json()["MaLoi"] == "00"
    r = hoa.get(RETURN, {"ref": a.reference})
    assert section(r, "result-title") == "Thanh toán không thành công"
    assert "bạn chưa bị trừ tiền cho lượt này" in visible(r)
    assert re.search(
        rf'<form method="post" action="/ca-nhan/ho-so/{paying.code}/thanh-toan/">', r.content.decode()
    )
    assert "Thanh toán lại" in visible(r)


def test_the_return_page_is_the_payers_only(paying, stranger, people):
    a = attempt_of(paying)
    assert signed_in(stranger).get(RETURN, {"ref": a.reference}).status_code == 404
    assert signed_in(people["congdan"]).get(RETURN, {"ref": "MCKHONGCO"}).status_code == 404
    assert signed_in(people["congdan"]).get(RETURN).status_code == 404
    r = Client().get(RETURN, {"ref": a.reference})
    assert r.status_code == 302 and r["Location"].startswith("/dang-nhap/?next=")


# -------------------------------------------------------------------------------------- the officer
def test_the_officers_panel_shows_requests_attempts_and_payments(
    people, paying, django_assert_max_num_queries
):
    a = paid_online(paying)
    failed = attempt_of(paying, n=1)
    post(confirmation(failed, MaLoi="51"))
    officer = signed_in(people["chuyenvien"])
    officer.get(officer_page(paying))  # warm: calendars, procedure versions
    # the page's 17, and the payment panel (the dossier as the officer sees it, requests, attempts, payments)
    with django_assert_max_num_queries(19):
        r = officer.get(officer_page(paying))
    assert r.status_code == 200
    attempts = section(r, "pay-attempts")
    assert f"{a.reference} 10.000 ₫ Đã thanh toán" in attempts and a.transaction_id in attempts
    assert f"{failed.reference} 1.500.000 ₫ Không thành công" in attempts
    payments = section(r, "pay-payments")
    assert "10.000 ₫ · Thanh toán trực tuyến" in payments and "In biên lai" in payments
    assert f'href="/api/v1/payments/{a.payment.pk}/receipt"' in r.content.decode()
    assert "Còn phải nộp: 1.500.000 ₫" in section(r, "thanh-toan")
    # Not refused, withdrawn or stopped: no refund form; the counter's pay form is still there.
    assert "refund-form" not in r.content.decode()
    assert 'id="thao-tac-pay"' in signed_in(people["tiepnhan"]).get(officer_page(paying)).content.decode()


def test_another_provinces_staff_do_not_see_the_dossier(paying, make_staff, agencies):
    outsider = make_staff("tiepnhan38", Role.RECEPTION, agencies["foreign"])
    a = paid_online(paying)
    client = signed_in(outsider)
    assert client.get(officer_page(paying)).status_code == 404
    r = client.post(f"/can-bo/ho-so/{paying.code}/hoan-phi/{a.payment.pk}/", {"reason": "x"})
    assert r.status_code == 404
    assert Refund.objects.count() == 0


@pytest.fixture
def withdrawn(people, paying):
    """The filing fee paid online, then the dossier withdrawn: refundable."""
    a = paid_online(paying)
    services.perform(people["congdan"], paying.code, "withdraw", reason="Không còn nhu cầu")
    return a.payment


def test_a_reception_officer_refunds_a_payment_of_a_withdrawn_dossier(people, paying, withdrawn):
    officer = signed_in(people["tiepnhan"])
    r = officer.get(officer_page(paying))
    html = r.content.decode()
    assert f'action="/can-bo/ho-so/{paying.code}/hoan-phi/{withdrawn.pk}/"' in html
    assert (
        f'id="refund-amount-{withdrawn.pk}" name="amount" inputmode="numeric" maxlength="20" value="10000"'
        in html
    )

    url = f"/can-bo/ho-so/{paying.code}/hoan-phi/{withdrawn.pk}/"
    r = officer.post(url, {"amount": "10.000", "reason": "", "reference": ""})
    assert r.status_code == 422 and "Nhập lý do hoàn trả." in visible(r)
    r = officer.post(url, {"amount": "20000", "reason": "Dừng xử lý"})
    assert r.status_code == 422 and "không quá số đã nộp" in visible(r)
    assert 'value="20000"' in r.content.decode(), "what was typed stays"
    r = officer.post(url, {"amount": "mười nghìn", "reason": "Dừng xử lý"})
    assert r.status_code == 422 and "số nguyên đồng" in visible(r)
    assert Refund.objects.count() == 0

    r = officer.post(url, {"amount": "", "reason": "Dừng xử lý, hoàn lệ phí", "reference": "UNC-0815"})
    assert r.status_code == 303 and r["Location"] == f"/can-bo/ho-so/{paying.code}/#thanh-toan"
    refund = Refund.objects.get()
    assert (refund.amount, refund.reference, refund.by) == (10000, "UNC-0815", people["tiepnhan"])
    r = officer.get(officer_page(paying))
    assert "Đã hoàn trả 10.000 ₫" in visible(r) and "refund-form" not in r.content.decode()
    r = officer.post(url, {"reason": "lần nữa"})
    assert r.status_code == 409 and "Khoản này đã được hoàn trả." in visible(r)


def test_only_reception_refunds_and_a_payment_of_another_dossier_is_404(people, paying, withdrawn, procedure):  # noqa: F811
    specialist = signed_in(people["chuyenvien"])
    assert "refund-form" not in specialist.get(officer_page(paying)).content.decode()
    r = specialist.post(f"/can-bo/ho-so/{paying.code}/hoan-phi/{withdrawn.pk}/", {"reason": "x"})
    assert r.status_code == 403 and "Chỉ cán bộ một cửa của cơ quan hoàn trả phí, lệ phí." in visible(r)
    other = services.submit_dossier(people["congdan"], submission(), at=local(2025, 8, 20, 9))
    r = signed_in(people["tiepnhan"]).post(
        f"/can-bo/ho-so/{other.code}/hoan-phi/{withdrawn.pk}/", {"reason": "x"}
    )
    assert r.status_code == 404
    assert Refund.objects.count() == 0


# ------------------------------------------------------------------------------- flagged payments
def test_flagged_payments_are_listed_and_resolved_by_reception(people, paying, make_staff, agencies):
    first = paid_online(paying)
    twice = attempt_of(paying, n=1)
    PaymentAttempt.objects.filter(pk=twice.pk).update(request=first.request)  # paid twice for one request
    twice.refresh_from_db()
    assert post(confirmation(twice)).json()["MaLoi"] == "07"
    notice = PaymentNotice.objects.get(flagged=True)

    officer = signed_in(people["tiepnhan"])
    r = officer.get(FLAGS)
    assert r.status_code == 200
    row = section(r, f"notice-{notice.pk}")
    assert paying.code in row and twice.reference in row and "Yêu cầu đã được nộp bằng lượt khác" in row
    assert "1.500.000 ₫" in row and twice.transaction_id in row
    assert "Nguyễn Thị Hoa" not in visible(r), "no personal data"
    assert section(r, "nav-payment-flags") == "Thanh toán cần xử lý 1"

    url = f"{FLAGS}{notice.pk}/xu-ly/"
    r = officer.post(url, {"resolution": "  "})
    assert r.status_code == 422 and "Ghi rõ cách đã xử lý." in visible(r)
    # Another province's reception officer, a specialist, a citizen: not theirs.
    outsider = make_staff("tiepnhan38", Role.RECEPTION, agencies["foreign"])
    assert "notice-" not in signed_in(outsider).get(FLAGS).content.decode()
    assert signed_in(outsider).post(url, {"resolution": "x"}).status_code == 404
    assert signed_in(people["chuyenvien"]).post(url, {"resolution": "x"}).status_code == 404
    assert 'id="nav-payment-flags"' not in signed_in(people["chuyenvien"]).get(FLAGS).content.decode()
    assert signed_in(people["congdan"]).get(FLAGS).status_code == 404

    r = officer.post(url, {"resolution": "Đã hoàn trả lượt thừa qua cổng thanh toán"})
    assert r.status_code == 303 and r["Location"] == FLAGS
    notice.refresh_from_db()
    assert (notice.resolved_by, notice.resolution) == (
        people["tiepnhan"],
        "Đã hoàn trả lượt thừa qua cổng thanh toán",
    )
    r = officer.get(FLAGS)
    assert "Không có thanh toán nào cần xử lý." in visible(r)
    assert section(r, "nav-payment-flags") == "Thanh toán cần xử lý"
    r = officer.post(url, {"resolution": "lần nữa"})
    assert r.status_code == 409 and "Thông báo này đã được xử lý." in visible(r)


def test_the_flag_list_runs_a_fixed_number_of_queries(people, paying, django_assert_max_num_queries):
    first = paid_online(paying)
    for n in range(1, 6):
        extra = attempt_of(paying, n=n)
        PaymentAttempt.objects.filter(pk=extra.pk).update(request=first.request)
        extra.refresh_from_db()
        post(confirmation(extra))
    assert PaymentNotice.objects.filter(flagged=True).count() == 5
    officer = signed_in(people["tiepnhan"])
    # session, user, roles, the officer's agencies, the notices with their dossiers, the navigation's count
    with django_assert_max_num_queries(6):
        r = officer.get(FLAGS)
    assert r.content.decode().count('class="resolve-form"') == 5


# ------------------------------------------------------------------------------ counter and admin
def test_the_counter_offers_the_receipt_of_the_fee_it_collected(people, agencies):
    make_counter_procedure(agencies)
    officer = signed_in(people["tiepnhan"])
    r = officer.post(COUNTER, counter_form(officer, payment="cash"))
    assert r.status_code == 200, visible(r)
    payment = Payment.objects.get()
    assert (payment.method, payment.amount) == ("cash", 8000)
    assert re.search(
        rf'<a id="counter-receipt" class="button" href="/api/v1/payments/{payment.pk}/receipt" target="_blank"',
        r.content.decode(),
    )
    assert "In biên lai" in section(r, "counter-receipt")
    # Collected later: no receipt yet.
    r = officer.post(COUNTER, counter_form(officer, payment="later"))
    assert r.status_code == 200 and 'id="counter-receipt"' not in r.content.decode()


def test_the_admin_lists_payment_records_read_only(people, paying):
    a = paid_online(paying)
    admin = signed_in(people["admin"])
    for model in ("paymentrequest", "paymentattempt", "payment", "refund", "paymentnotice"):
        r = admin.get(f"/admin/payments/{model}/")
        assert r.status_code == 200, model
        assert "Nguyễn Thị Hoa" not in visible(r), model
        assert admin.get(f"/admin/payments/{model}/add/").status_code == 403, model
    r = admin.get("/admin/payments/paymentattempt/", {"q": a.reference})
    assert a.reference in visible(r)
    r = admin.get(f"/admin/payments/payment/{a.payment.pk}/delete/")
    assert r.status_code == 403
    r = admin.get(f"/admin/payments/paymentnotice/{PaymentNotice.objects.get().pk}/change/")
    assert r.status_code == 200 and a.reference in visible(r)
    r = admin.get("/admin/payments/paymentnotice/", {"can_xem": "open"})
    assert r.status_code == 200
