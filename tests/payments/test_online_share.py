"""The online-payment share (766 indicators 3.5b, 3.6; ADR 0034): worked examples counted by hand, the
period's edges in Vietnam time, who may read it, bad input, the query counts and the admin page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from motcua.catalog.services import apply_record
from motcua.directory.models import Role
from motcua.dossiers.models import Dossier
from motcua.payments import reports
from motcua.payments.models import Payment, PaymentRequest, Refund
from tests.api.catalog_data import record
from tests.demo.test_history import demo_base  # noqa: F401 - fixture
from tests.dossiers.conftest import counter, local, procedure, submission  # noqa: F401 - fixtures

AUGUST = {"from": "2025-08-01", "to": "2025-08-31"}
JUSTICE = "000.00.15.H40"
# The page: session, user, the site header's centre, the user's roles, the grouped counts, the names.
PAGE_QUERIES = 6


def pay(d: Dossier, *, online: int, amount: int = 20000, kind: str = "filing") -> Payment:
    """A payment of `amount` for the dossier, as `payments.ledger` settles one: the request, the payment, and
    the dossier's fee_paid and DuocThanhToanTrucTuyen flag (1 national platform, 2 local gateway, 0 counter)."""
    d.refresh_from_db()
    if kind == "processing":
        d.fee_total += amount
    request = PaymentRequest.objects.create(
        dossier=d, kind=kind, amount=amount, reason="Phí", state="paid", requested_at=d.received_at
    )
    payment = Payment.objects.create(
        dossier=d,
        request=request,
        amount=amount,
        method="online" if online else "cash",
        online=online,
        paid_at=d.received_at + timedelta(hours=1),
        payer_name="Nguyễn Thị Hoa",
        agency=d.agency,
    )
    d.fee_paid += amount
    d.paid_online = d.paid_online or online
    d.save(update_fields=["fee_total", "fee_paid", "paid_online"])
    return payment


def no_fee(d: Dossier) -> None:
    """Exempted in full: its fee lines are 0 đồng (766: 'fee list all Gia 0')."""
    d.fees.update(amount=0)
    Dossier.objects.filter(pk=d.pk).update(fee_total=0)


@pytest.fixture
def ten(counter):  # noqa: F811
    """10 dossiers received at the counter for Sở Tư pháp in August 2025 (fee 20.000 ₫): 3 without a fee,
    3 paid on the national platform (one of them also paid 150.000 ₫ at the counter later), 1 through a
    local gateway, 2 at the counter (one refunded 15.000 ₫), 1 unpaid."""
    ds = [counter(at=local(2025, 8, 4 + i, 9)) for i in range(10)]
    for d in ds[:3]:
        no_fee(d)
    for d in ds[3:6]:
        pay(d, online=1)
    pay(ds[3], online=0, amount=150000, kind="processing")
    pay(ds[6], online=2)
    pay(ds[7], online=0)
    refunded = pay(ds[8], online=0)
    Refund.objects.create(payment=refunded, amount=15000, reason="Hồ sơ bị từ chối", at=local(2025, 8, 20))
    return ds


def test_the_worked_example_4_of_7(ten, people, api_as):
    r = api_as(people["tiepnhan"]).get("/reports/online-payment", **AUGUST)
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["from"], body["to"], body["by"], body["agency"]) == (
        "2025-08-01",
        "2025-08-31",
        "agency",
        None,
    )
    [row] = body["items"]
    assert (row["code"], row["name"]) == (JUSTICE, "Sở Tư pháp tỉnh Nghệ An")
    counts = {k: row[k] for k in ("owed", "paid", "unpaid", "online", "national", "local", "counter")}
    assert counts == {"owed": 7, "paid": 6, "unpaid": 1, "online": 4, "national": 3, "local": 1, "counter": 2}
    assert (row["ratio"], row["percent"]) == (0.5714, 57.14)  # 4/7
    # Online: 4 × 20.000; counter: 2 × 20.000 + the later 150.000 of a dossier paid online first.
    assert (row["online_amount"], row["counter_amount"]) == (80000, 190000)
    assert (row["refunds"], row["refunded"]) == (1, 15000)
    assert body["total"] == {**row, "code": "", "name": ""}
    assert body["procedures_with_fee"] is None and body["procedures_with_online_payment"] is None


def test_nothing_owed_is_no_ratio_not_zero(counter, people, api_as):  # noqa: F811
    no_fee(counter(at=local(2025, 8, 4)))
    body = api_as(people["admin"]).get("/reports/online-payment", **AUGUST).json()
    assert body["items"] == []
    assert (body["total"]["owed"], body["total"]["ratio"], body["total"]["percent"]) == (0, None, None)
    assert reports.Share("", "", *([0] * 8)).ratio is None


def test_the_period_is_the_reception_day_in_vietnam_time(counter, people, api_as):  # noqa: F811
    """First and last day inclusive, from 00:00 to 24:00 in Hà Nội (17:00 UTC the day before)."""
    edges = [
        local(2025, 7, 31, 23, 59),  # July
        local(2025, 8, 1, 0, 0),  # August, first moment
        local(2025, 8, 31, 23, 59),  # August, last minute
        local(2025, 9, 1, 0, 0),  # September
    ]
    ds = [counter(at=local(2025, 8, 15)) for _ in edges]
    for d, at in zip(ds, edges, strict=True):
        Dossier.objects.filter(pk=d.pk).update(received_at=at)
        pay(d, online=1)
    client = api_as(people["tiepnhan"])
    august = client.get("/reports/online-payment", **AUGUST).json()["total"]
    assert (august["owed"], august["online"]) == (2, 2)
    one_day = client.get("/reports/online-payment", **{"from": "2025-08-31", "to": "2025-08-31"}).json()
    assert one_day["total"]["owed"] == 1
    july = client.get("/reports/online-payment", **{"from": "2025-07-31", "to": "2025-07-31"}).json()
    assert july["total"]["owed"] == 1
    # A dossier not received (an online one waiting at the one-stop) is in no period yet.
    Dossier.objects.filter(pk=ds[1].pk).update(received_at=None, status=1)
    assert client.get("/reports/online-payment", **AUGUST).json()["total"]["owed"] == 1


@pytest.fixture
def second_procedure(agencies):
    p, _ = apply_record(
        record(
            "1.000894",
            "Cấp Phiếu lý lịch tư pháp",
            levels=["province"],
            agencies=[agencies["justice"].identifier],
            fees=[{"kind": "fee", "amount": 200000, "channel": "counter"}],
        )
    )
    return p


def test_per_procedure_of_one_agency_and_indicator_3_5b(ten, second_procedure, people, api_as):
    from motcua.dossiers import services

    other = services.submit_dossier(
        people["tiepnhan"], submission(channel=1, procedure="1.000894"), at=local(2025, 8, 20, 9)
    )
    unpaid = services.submit_dossier(
        people["tiepnhan"], submission(channel=1, procedure="1.000894"), at=local(2025, 8, 21, 9)
    )
    assert other.fee_total == unpaid.fee_total == 200000
    r = api_as(people["chuyenvien"]).get("/reports/online-payment", by="procedure", agency=JUSTICE, **AUGUST)
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["by"], body["agency"]) == ("procedure", JUSTICE)
    rows = {row["code"]: row for row in body["items"]}
    assert list(rows) == ["1.000894", "1.001193"]
    assert (rows["1.001193"]["owed"], rows["1.001193"]["online"]) == (7, 4)
    assert (rows["1.000894"]["owed"], rows["1.000894"]["online"], rows["1.000894"]["ratio"]) == (2, 0, 0.0)
    assert (body["procedures_with_fee"], body["procedures_with_online_payment"]) == (2, 1)
    assert (body["total"]["owed"], body["total"]["online"], body["total"]["percent"]) == (9, 4, 44.44)
    pay(other, online=2, amount=200000)
    again = api_as(people["chuyenvien"]).get(
        "/reports/online-payment", by="procedure", agency=JUSTICE, **AUGUST
    )
    assert again.json()["procedures_with_online_payment"] == 2


def test_who_may_read_it(ten, people, api_as, make_staff, agencies, counter):  # noqa: F811
    health = counter(at=local(2025, 8, 5), agency="000.00.18.H40")
    pay(health, online=1)
    centre = api_as(people["tiepnhan"]).get("/reports/online-payment", **AUGUST).json()
    assert [row["code"] for row in centre["items"]] == [JUSTICE, "000.00.18.H40"]
    justice = api_as(people["chuyenvien"]).get("/reports/online-payment", **AUGUST).json()
    assert [row["code"] for row in justice["items"]] == [JUSTICE], "a department sees its own dossiers"
    r = api_as(people["chuyenvien"]).get("/reports/online-payment", agency="000.00.18.H40", **AUGUST)
    assert (r.status_code, r.json()["code"]) == (404, "agency_not_found")
    stranger = make_staff("thanhhoa", Role.RECEPTION, agencies["foreign"])
    r = api_as(stranger).get("/reports/online-payment", agency=JUSTICE, **AUGUST)
    assert (r.status_code, r.json()["code"]) == (404, "agency_not_found")
    r = api_as(stranger).get("/reports/online-payment", agency="000.00.99.H99", **AUGUST)
    assert r.status_code == 404, "unknown and hidden alike"
    assert api_as(stranger).get("/reports/online-payment", **AUGUST).json()["items"] == []
    r = api_as(stranger).get("/reports/online-payment", by="procedure", agency=JUSTICE, **AUGUST)
    assert r.status_code == 404
    assert api_as(people["congdan"]).get("/reports/online-payment", **AUGUST).status_code == 403
    assert api_as(None).get("/reports/online-payment", **AUGUST).status_code == 401


@pytest.mark.parametrize(
    "params, code, field",
    [
        ({"from": "2025-09-01", "to": "2025-08-01"}, "invalid_period", "from"),
        ({"from": "2024-01-01", "to": "2025-08-01"}, "invalid_period", "to"),
        ({"from": "2025-02-30", "to": "2025-03-01"}, "invalid_field", "from"),
        ({"from": "01/08/2025", "to": "2025-08-31"}, "invalid_field", "from"),
        ({"from": "2025-08-01", "to": "hôm nay"}, "invalid_field", "to"),
        ({**AUGUST, "by": "province"}, "invalid_field", "by"),
        ({**AUGUST, "by": "procedure"}, "missing_field", "agency"),
        ({**AUGUST, "agency": "\x00"}, "invalid_field", "agency"),
    ],
)
def test_bad_input_is_422(people, api_as, params, code, field):
    r = api_as(people["tiepnhan"]).get("/reports/online-payment", **params)
    assert r.status_code == 422, r.content
    assert (r.json()["code"], r.json()["details"]["field"]) == (code, field)


def test_a_whole_year_is_allowed_not_a_day_more(people, api_as):
    client = api_as(people["tiepnhan"])
    assert (
        client.get("/reports/online-payment", **{"from": "2025-01-01", "to": "2026-01-01"}).status_code == 200
    )
    assert (
        client.get("/reports/online-payment", **{"from": "2025-01-01", "to": "2026-01-02"}).status_code == 422
    )


def test_the_report_costs_the_same_whatever_the_period_holds(
    people,
    counter,  # noqa: F811
    api_as,
    django_assert_num_queries,
):
    client = api_as(people["tiepnhan"])
    client.get("/reports/online-payment", **AUGUST)  # warm the token and role caches of the client
    made = 0
    for n in (1, 6):
        while made < n:
            d = counter(at=local(2025, 8, 15, 9))
            pay(d, online=made % 3)
            made += 1
        # the caller's token and roles, the grouped counts, the agencies' names
        with django_assert_num_queries(4):
            assert client.get("/reports/online-payment", **AUGUST).json()["total"]["owed"] == n
        # + the agency asked for
        with django_assert_num_queries(5):
            client.get("/reports/online-payment", by="procedure", agency=JUSTICE, **AUGUST)


def test_the_admin_page_shows_the_table(ten, people, client):
    client.force_login(people["admin"])
    url = reverse("admin:payments_online_share")
    page = client.get(url, AUGUST)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sở Tư pháp tỉnh Nghệ An" in text and "57,14 %" in text
    assert "80.000 ₫" in text and "190.000 ₫" in text and "15.000 ₫" in text
    assert "01/08/2025" in text and "31/08/2025" in text
    per_procedure = client.get(url, {**AUGUST, "agency": JUSTICE, "by": "procedure"}).content.decode()
    assert "Đăng ký khai sinh có yếu tố nước ngoài" in per_procedure and "1.001193" in per_procedure
    bad = client.get(url, {"from": "2025-09-01", "to": "2025-08-01"})
    assert bad.status_code == 422 and "Ngày bắt đầu" in bad.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url, AUGUST).content.decode()
    assert "57.14 %" in english and "80,000 ₫" in english
    assert "Online payment share" in english and "Paid online" not in text


def test_the_page_is_for_staff_and_costs_a_fixed_number_of_queries(
    ten,
    people,
    client,
    counter,  # noqa: F811
    django_assert_num_queries,
):
    url = reverse("admin:payments_online_share")
    client.force_login(people["congdan"])
    assert client.get(url, AUGUST).status_code == 403  # the admin is for system administrators
    client.force_login(people["admin"])
    client.get(url, AUGUST)
    for online in (1, 0):  # one more agency, then one more dossier: the same statements
        pay(counter(at=local(2025, 8, 25), agency="000.00.18.H40"), online=online)
        with django_assert_num_queries(PAGE_QUERIES):
            assert client.get(url, AUGUST).status_code == 200


def test_the_demo_history_gives_the_report_something_to_show(demo_base):  # noqa: F811
    """Online applicants paying on the national platform, counter ones at the one-stop, a few unpaid; the
    history still replays to the stored rows (pay and pay_online are real events)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from motcua.demo import history
    from motcua.dossiers import replay

    now = timezone.now()
    history.load_history(count=60, now=now)
    start, end = timezone.localdate(now) - timedelta(days=365), timezone.localdate(now)
    admin = get_user_model().objects.get(username="admin")
    total = reports.online_share(admin, None, start, end).total
    assert total.national > 0 and total.counter > 0 and total.unpaid > 0, total
    assert total.online_amount > 0 and total.counter_amount > 0
    assert 0 < total.ratio < 1
    for d in Dossier.objects.filter(idempotency_key__startswith=history.KEY_PREFIX).prefetch_related(
        "events"
    ):
        rebuilt = replay.rebuild_from_events(sorted(d.events.all(), key=lambda e: e.seq))
        assert {k: getattr(d, k) for k in rebuilt} == rebuilt, d.code
