"""What a dossier owes (ADR 0032): the catalogue's fees for its case and channel, after the reduction claimed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.catalog.services import apply_record
from motcua.core.errors import ValidationFailed
from motcua.dossiers import services
from motcua.dossiers.models import Channel, Dossier, DossierFee
from motcua.dossiers.services import events
from motcua.dossiers.services.intake import fee_lines, fee_reductions
from motcua.integrations.dvcqg import hoso
from motcua.integrations.models import OutboxMessage
from motcua.payments.models import PaymentRequest
from tests.api.catalog_data import record
from tests.dossiers.conftest import PROCEDURE, local, submission

pytestmark = pytest.mark.django_db

CU_TRU = [
    {"name": "Người có công với cách mạng", "percent": 100},
    {"name": "Hộ nghèo", "percent": 100},
    {"name": "Người cao tuổi", "percent": 50},
]


def version(**parts) -> SimpleNamespace:
    """A published version as fee_lines reads it: only its record."""
    return SimpleNamespace(record={"cases": [], "channels": [], "fees": [], **parts})


def lines(v, channel: int, case: str = "", reduction: str = "") -> list[tuple]:
    return [
        (f.name, f.amount, f.base_amount, f.reduction, f.reduction_percent)
        for f in fee_lines(v, channel, case, reduction)
    ]


# 1.004222 Đăng ký thường trú (domain.md §1.1): 20.000 đ direct, 10.000 đ online.
THUONG_TRU = version(
    fees=[
        {"kind": "charge", "amount": 20000, "channel": "counter", "description": "Lệ phí trực tiếp"},
        {"kind": "charge", "amount": 10000, "channel": "online", "description": "Lệ phí trực tuyến"},
    ]
)


def test_1_004222_owes_20000_at_the_counter_and_10000_online():
    assert lines(THUONG_TRU, Channel.COUNTER) == [("Lệ phí trực tiếp", 20000, 20000, "", 0)]
    assert lines(THUONG_TRU, Channel.ONLINE) == [("Lệ phí trực tuyến", 10000, 10000, "", 0)]
    assert lines(THUONG_TRU, Channel.POSTAL) == []  # no row for the post, no channel fee


def test_without_fee_rows_the_channels_own_fee():
    v = version(channels=[{"channel": "counter", "fee": 20000}, {"channel": "online", "fee": 10000}])
    assert lines(v, Channel.COUNTER) == [("Lệ phí", 20000, 20000, "", 0)]
    assert lines(v, Channel.ONLINE) == [("Lệ phí", 10000, 10000, "", 0)]


def test_fee_rows_of_a_case_apply_to_that_case_only():
    v = version(
        cases=[{"code": "TH1", "name": "Nhà ở riêng lẻ"}, {"code": "TH2", "name": "Công trình khác"}],
        fees=[
            {"kind": "fee", "amount": 75000, "case": "TH1", "description": "Phí thẩm định nhà ở"},
            {"kind": "fee", "amount": 150000, "case": "TH2", "description": "Phí thẩm định công trình"},
            {"kind": "charge", "amount": 5000, "case": None, "channel": "counter", "description": "Lệ phí"},
        ],
    )
    assert lines(v, Channel.COUNTER, "TH1") == [
        ("Phí thẩm định nhà ở", 75000, 75000, "", 0),
        ("Lệ phí", 5000, 5000, "", 0),
    ]
    assert lines(v, Channel.COUNTER, "TH2") == [
        ("Phí thẩm định công trình", 150000, 150000, "", 0),
        ("Lệ phí", 5000, 5000, "", 0),
    ]
    assert lines(v, Channel.ONLINE, "TH2") == [("Phí thẩm định công trình", 150000, 150000, "", 0)]


def test_a_50_percent_reduction_of_15000_leaves_7500():
    v = version(
        fees=[
            {"kind": "charge", "amount": 15000, "description": "Lệ phí", "reductions": CU_TRU},
            {"kind": "fee", "amount": 3000, "description": "Phí cấp bản sao"},  # lists none: owed in full
        ]
    )
    assert lines(v, Channel.COUNTER, reduction="Người cao tuổi") == [
        ("Lệ phí", 7500, 15000, "Người cao tuổi", 50),
        ("Phí cấp bản sao", 3000, 3000, "", 0),
    ]


def test_rounding_is_down_to_the_dong_in_the_payers_favour():
    v = version(
        fees=[{"kind": "charge", "amount": 12345, "reductions": [{"name": "Sinh viên", "percent": 30}]}]
    )
    assert fee_lines(v, Channel.COUNTER, "", "Sinh viên")[0].amount == 8641  # 8 641,5 đ


def test_a_full_exemption_keeps_the_line_at_zero_and_the_claim_is_read_case_insensitively():
    v = version(fees=[{"kind": "charge", "amount": 20000, "channel": "counter", "reductions": CU_TRU}])
    (f,) = fee_lines(v, Channel.COUNTER, "", "hộ NGHÈO")
    assert (f.amount, f.base_amount, f.reduction, f.reduction_percent, f.exempted) == (
        0,
        20000,
        "Hộ nghèo",  # the catalogue's spelling
        100,
        True,
    )


def test_a_reduction_the_applicable_rows_do_not_list_is_refused():
    v = version(
        cases=[{"code": "TH1", "name": "a"}, {"code": "TH2", "name": "b"}],
        fees=[
            {"kind": "charge", "amount": 20000, "case": "TH1", "reductions": CU_TRU},
            {
                "kind": "charge",
                "amount": 30000,
                "case": "TH2",
                "reductions": [{"name": "Trẻ em", "percent": 100}],
            },
        ],
    )
    with pytest.raises(ValidationFailed) as caught:
        fee_lines(v, Channel.COUNTER, "TH2", "Hộ nghèo")  # listed, but for the other case
    assert caught.value.code == "unknown_fee_reduction"
    assert caught.value.details == {"field": "fee_reduction", "listed": ["Trẻ em"]}
    with pytest.raises(ValidationFailed):
        fee_lines(THUONG_TRU, Channel.COUNTER, "", "Hộ nghèo")  # the procedure lists none
    assert [r["name"] for r in fee_reductions(v, Channel.ONLINE, "TH1")] == [r["name"] for r in CU_TRU]


# --- through the API ------------------------------------------------------------------------------


@pytest.fixture
def procedure(agencies):
    """The dossiers' test procedure with the 1.004222 amounts and reductions on both rows."""
    p, _ = apply_record(
        record(
            PROCEDURE,
            "Đăng ký thường trú",
            levels=["province"],
            agencies=[agencies["justice"].identifier, agencies["health"].identifier],
            fees=[
                {"kind": "charge", "amount": 20000, "channel": "counter", "reductions": CU_TRU},
                {"kind": "charge", "amount": 10000, "channel": "online", "reductions": CU_TRU},
            ],
        )
    )
    return p


@pytest.fixture
def citizen(people, procedure, api_as):
    return api_as(people["congdan"])


def test_submission_without_a_reduction_owes_the_full_fee(citizen):
    r = citizen.post("/dossiers", submission())
    assert r.status_code == 201, r.content
    d = Dossier.objects.get(code=r.json()["code"])
    assert d.fee_total == 10000
    assert list(d.fees.values_list("amount", "base_amount", "reduction", "reduction_percent")) == [
        (10000, 10000, "", 0)
    ]
    assert list(PaymentRequest.objects.filter(dossier=d).values_list("amount", flat=True)) == [10000]


def test_submission_with_a_50_percent_reduction(citizen):
    r = citizen.post("/dossiers", submission(fee_reduction="Người cao tuổi"))
    assert r.status_code == 201, r.content
    d = Dossier.objects.get(code=r.json()["code"])
    assert (d.fee_total, r.json()["fees"][0]["amount"]) == (5000, 5000)
    assert list(d.fees.values_list("amount", "base_amount", "reduction", "reduction_percent")) == [
        (5000, 10000, "Người cao tuổi", 50)
    ]
    request = PaymentRequest.objects.get(dossier=d)
    assert request.amount == 5000 and d.fees.get().request == request


def test_an_exempted_dossier_keeps_its_zero_line_and_has_no_payment_request(citizen, people):
    r = citizen.post("/dossiers", submission(fee_reduction="Hộ nghèo"))
    assert r.status_code == 201, r.content
    d = Dossier.objects.get(code=r.json()["code"])
    assert d.fee_total == 0 and not PaymentRequest.objects.filter(dossier=d).exists()
    fee = d.fees.get()
    assert (fee.amount, fee.base_amount, fee.exempted, fee.request_id) == (0, 10000, True, None)
    # The portal sees the fee as waived (Gia 0, domain.md §3.2 indicator 3.6), at filing and after.
    submitted = OutboxMessage.objects.get(key=d.code)
    assert submitted.payload["dossier"]["fees"] == [{"name": "Lệ phí", "kind": "charge", "amount": 0}]
    services.perform(people["tiepnhan"], d.code, "accept", at=local(2025, 8, 18, 9))
    d.refresh_from_db()
    assert events.fee_rows(d) == [("Lệ phí", "charge", 0)]
    item = hoso.full([d.pk])[d.pk].item
    assert item["DanhSachLePhi"] == [{"TenPhiLePhi": "Lệ phí", "LoaiPhiLePhi": "charge", "Gia": 0}]


def test_an_unknown_reduction_is_422_and_files_nothing(citizen):
    r = citizen.post("/dossiers", submission(fee_reduction="Sinh viên"))
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "unknown_fee_reduction" and "Sinh viên" in body["message"]
    assert body["details"]["listed"] == [x["name"] for x in CU_TRU]
    assert Dossier.objects.count() == 0 and DossierFee.objects.count() == 0


def test_a_counter_reception_applies_the_counter_amount(people, procedure):
    d = services.submit_dossier(
        people["tiepnhan"], submission(channel=1, fee_reduction="Người cao tuổi"), at=local(2025, 8, 15, 15)
    )
    assert (d.fee_total, d.fees.get().base_amount) == (10000, 20000)


def test_a_dossier_with_nothing_to_pay_reads_no_fee_rows(people, agencies, django_assert_num_queries):
    """The shortcut of events.fee_rows stays where no full exemption is listed: no query at all."""
    apply_record(
        record(
            PROCEDURE,
            "Đăng ký khai sinh",
            levels=["province"],
            agencies=[agencies["justice"].identifier],
            fees=[],
        )
    )
    d = services.submit_dossier(people["congdan"], submission(), at=local(2025, 8, 15, 15))
    d = Dossier.objects.select_related("procedure_version").get(pk=d.pk)
    with django_assert_num_queries(0):
        assert events.fee_rows(d) == []


def _submit_queries(client, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.post("/dossiers", submission(**extra))
    assert r.status_code == 201, r.content
    return len(ctx.captured_queries)


def test_query_count_of_a_submission_does_not_grow_with_a_reduction(citizen):
    _submit_queries(citizen)  # warm: the token's last-use stamp, the version cache, calendars
    plain = _submit_queries(citizen)
    assert _submit_queries(citizen, fee_reduction="Người cao tuổi") == plain
    # Exempted: no payment request to insert.
    assert _submit_queries(citizen, fee_reduction="Hộ nghèo") == plain - 1
