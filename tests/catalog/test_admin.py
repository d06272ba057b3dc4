"""Django admin for the catalogue: saving a procedure and its parts folds search columns and makes versions."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from motcua.catalog.models import Field, Procedure
from motcua.catalog.selectors import search_procedures
from tests.api.catalog_data import make_procedure

INLINES = ("national", "cases", "steps", "channels", "components", "forms", "fees", "results", "legal_bases")


def management(**rows: int) -> dict[str, str]:
    data = {}
    for prefix in INLINES:
        total = rows.get(prefix, 0)
        data |= {
            f"{prefix}-TOTAL_FORMS": str(total),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data


@pytest.fixture
def admin_client_(db) -> Client:
    # No password: hashing one costs seconds on slow CI machines, and force_login needs none.
    client = Client()
    client.force_login(get_user_model().objects.create_superuser(username="admin", password=None))
    return client


@pytest.mark.django_db
def test_add_procedure_with_parts_folds_and_versions(admin_client_, agencies):
    field = Field.objects.create(code="G09-HT01", name="Hộ tịch")
    data = {
        "code": "1.004222",
        "local_code": "",
        "name": "Đăng ký khai sinh",
        "field": str(field.pk),
        "kind": "public",
        "publication_state": "published",
        "at_commune": "on",
        "agencies": [str(agencies["commune"].pk)],
        "processing_time": "3",
        "time_unit": "working_days",
        "time_note": "",
        "subjects": "Công dân Việt Nam\r\n  \r\nNgười nước ngoài ",  # one per line, not JSON
        "requirements": "",
        "online_level": "full",
        "announcement_number": "",
        "announcement_kind": "",
        "announcing_agency": "",
        **management(steps=1, fees=1),
        "steps-0-order": "0",
        "steps-0-title": "Nộp hồ sơ",
        "steps-0-description": "",
        "fees-0-kind": "charge",
        "fees-0-amount": "8000",
        "fees-0-channel": "",
        "fees-0-description": "",
        "fees-0-exemption": "",
    }
    r = admin_client_.post("/admin/catalog/procedure/add/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    p = Procedure.objects.get(code="1.004222")
    assert p.name_folded == "dang ky khai sinh"
    assert p.subjects == ["Công dân Việt Nam", "Người nước ngoài"]
    assert "ho tich" in p.search_text and "cong dan viet nam" in p.search_text
    assert [x.code for x in search_procedures("DANG KY khai sinh")] == ["1.004222"]
    assert p.version == 1
    version = p.versions.get()
    assert version.record["fees"][0]["amount"] == 8000
    assert version.record["steps"] == [{"title": "Nộp hồ sơ", "description": ""}]
    assert version.record["agencies"] == ["000.01.15.H40"]


@pytest.mark.django_db
def test_change_makes_a_new_version_and_refolds(admin_client_, agencies):
    p = make_procedure(
        "1.000656",
        "Đăng ký kết hôn",
        cases=[],
        components=[],
        steps=[],
        channels=[],
        fees=[],
        forms=[],
        results=[],
        legal_bases=[],
    )
    data = {
        "code": p.code,
        "local_code": "",
        "name": "Đăng ký kết hôn lưu động",
        "field": str(p.field_id),
        "kind": "public",
        "publication_state": "published_amended",
        "at_commune": "on",
        "processing_time": "5",
        "time_unit": "working_days",
        "time_note": "",
        "subjects": "",
        "requirements": "",
        "online_level": "partial",
        "announcement_number": "",
        "announcement_kind": "",
        "announcing_agency": "",
        **management(),
    }
    r = admin_client_.post(f"/admin/catalog/procedure/{p.pk}/change/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    p.refresh_from_db()
    assert p.name_folded == "dang ky ket hon luu dong"
    assert p.version == 2
    assert [v.number for v in p.versions.order_by("number")] == [1, 2]
    assert p.versions.get(number=1).effective_to is not None
    # Saving again unchanged adds no version.
    admin_client_.post(f"/admin/catalog/procedure/{p.pk}/change/", data)
    assert p.versions.count() == 2


@pytest.mark.django_db
def test_renaming_a_field_refolds_its_procedures(admin_client_, agencies):
    p = make_procedure("1.000656", "Đăng ký kết hôn")
    r = admin_client_.post(
        f"/admin/catalog/field/{p.field_id}/change/", {"code": "G09-HT01", "name": "Hôn nhân"}
    )
    assert r.status_code == 302
    assert [x.code for x in search_procedures("hon nhan")] == ["1.000656"]


@pytest.mark.django_db
def test_pages_render_and_search_is_accent_insensitive(admin_client_, agencies):
    p = make_procedure("1.004222", "Đăng ký khai sinh")
    for url in [
        "/admin/catalog/procedure/",
        f"/admin/catalog/procedure/{p.pk}/change/",
        "/admin/catalog/field/",
        "/admin/catalog/procedureversion/",
        f"/admin/catalog/procedureversion/{p.versions.get().pk}/change/",
    ]:
        assert admin_client_.get(url).status_code == 200, url
    listing = admin_client_.get("/admin/catalog/procedure/", {"q": "dang ky KHAI sinh"}).content.decode()
    assert "1.004222" in listing
    assert "1.004222" in admin_client_.get("/admin/catalog/procedure/", {"q": "1.004222"}).content.decode()
    # Versions are read-only.
    assert admin_client_.get("/admin/catalog/procedureversion/add/").status_code == 403
