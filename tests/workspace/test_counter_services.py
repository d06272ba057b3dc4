"""The rules the counter page relies on, at the service layer: the fee collected right after reception,
papers replaced by data, registration without receiving, and the digitise event."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.core.errors import Conflict, ValidationFailed
from motcua.core.formatting import LOCAL_TZ
from motcua.dossiers import counter, files, replay, services
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import available_actions
from motcua.integrations.dvcqg.hoso import hoso
from motcua.integrations.models import OutboxMessage
from tests.portal.test_pages import visible
from tests.workspace.counter_data import CODE, FULL_METADATA, PDF, PID, make_procedure
from tests.workspace.test_counter import URL, form

pytestmark = pytest.mark.django_db

AT = datetime(2025, 8, 15, 9, tzinfo=LOCAL_TZ)  # a Friday morning


@pytest.fixture
def procedure(agencies):
    return make_procedure(agencies)


def body(**extra) -> dict:
    return {
        "procedure": CODE,
        "agency": "000.00.15.H40",
        "applicant": {"kind": "citizen", "name": "Nguyễn Thị Hoa", "id_number": PID},
        "components": [{"code": "TP1"}, {"code": "TP2"}],
        **extra,
    }


def test_the_counter_collects_the_fee_right_after_reception_once(people, procedure):
    officer = people["tiepnhan"]
    d = services.submit_dossier(officer, body(channel=1), at=AT)
    assert d.status == 2 and "pay" in available_actions(officer, d, AT)
    d = services.perform(officer, d.code, "pay", at=AT, method="cash")
    assert (d.status, d.fee_paid, d.fee_total) == (2, 8000, 8000)
    assert "pay" not in available_actions(officer, d, AT)
    with pytest.raises(Conflict) as refused:
        services.perform(officer, d.code, "pay", at=AT, method="cash")
    assert refused.value.code == "nothing_to_pay"
    assert replay.differences(Dossier.objects.get(pk=d.pk)) == {}


def test_a_paper_replaced_by_data_is_never_demanded_online_either(people, procedure):
    d = services.submit_dossier(people["congdan"], body(channel=2), at=AT)  # TP3 (replaced by data) absent
    assert d.status == 1
    with pytest.raises(ValidationFailed) as refused:
        services.submit_dossier(people["congdan"], body(channel=2, components=[{"code": "TP1"}]), at=AT)
    assert refused.value.code == "missing_component" and refused.value.details["missing"] == [
        "Giấy chứng sinh"
    ]


def test_the_counter_registers_an_incomplete_dossier_only_without_receiving_it(people, procedure):
    officer, incomplete = people["tiepnhan"], [{"code": "TP1"}]
    with pytest.raises(ValidationFailed):
        services.submit_dossier(officer, body(channel=1, components=incomplete), at=AT)
    d = services.submit_dossier(officer, body(channel=1, components=incomplete, receive=False), at=AT)
    assert (d.status, d.received_at) == (1, None)


def test_guidance_at_the_counter_is_one_transaction(people, procedure):
    with pytest.raises(ValidationFailed) as refused:
        counter.guide(people["tiepnhan"], body(components=[{"code": "TP1"}]), reason="", idempotency_key="k1")
    assert refused.value.details["field"] == "reason"
    assert not Dossier.objects.exists() and not OutboxMessage.objects.exists()


def test_the_first_digitised_paper_reaches_the_portal_and_replays(people, procedure):
    officer = people["tiepnhan"]
    d = services.submit_dossier(officer, body(channel=1), at=AT)
    meta = {k.removeprefix("m_TP1__"): v for k, v in FULL_METADATA.items()} | {"holder_id_number": PID}
    for _ in range(2):  # the second digitised paper changes nothing the portal holds: no second event
        scan = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
        files.attach(officer, d.code, scan, component="TP1", metadata=meta, at=AT)
    d = Dossier.objects.get(pk=d.pk)
    assert d.digitised and d.version == 2 and d.events.filter(action="digitise").count() == 1
    message = OutboxMessage.objects.filter(key=d.code).order_by("-id").first()
    assert message.payload["event"]["action"] == "digitise"
    assert hoso(message.payload)["HoSoCoThanhPhanSoHoa"] == 1
    assert replay.differences(d) == {}


def test_a_refused_scan_after_reception_is_reported_and_the_reception_stands(officer, settings):
    settings.DOSSIER_MAX_FILES = 0
    scan = SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf")
    r = officer.post(URL, {**form(officer), "scan_TP1": scan, **FULL_METADATA})
    assert r.status_code == 200
    d = Dossier.objects.get()
    assert d.status == 2 and d.fee_paid == 8000 and not d.files.exists()
    assert "Hồ sơ đã được tiếp nhận; chưa lưu bản quét của giấy tờ TP1" in visible(r)


@pytest.fixture
def officer(people, procedure):
    from django.test import Client

    client = Client()
    client.force_login(people["tiepnhan"])
    return client
