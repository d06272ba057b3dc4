"""The catalogue from the portal (LayDanhSachTTHC / LayThuTuc over real HTTP), the simulator's catalogue
answers, local edits kept through re-imports, and what differs shown by the command, the API and the admin."""

from __future__ import annotations

import copy
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from motcua.catalog.io.national import PORTAL_FIELDS, from_portal
from motcua.catalog.models import NationalRecord, Procedure
from motcua.catalog.national import import_national, merge
from motcua.catalog.records import PREFETCH, check_record, procedure_to_record
from motcua.catalog.services import apply_record
from motcua.integrations.dvcqg import sim_catalogue
from tests.catalog.portal import running_portal

SEEDED = len(sim_catalogue.records())


@pytest.fixture
def portal(settings):
    with running_portal() as (url, state):
        settings.DVCQG_URL = url
        settings.DVCQG_USERNAME = "motcua"
        settings.DVCQG_PASSWORD = "demo"
        settings.DVCQG_MADONVI = "000.00.00.H40"
        settings.DVCQG_TIMEOUT = 5
        yield state


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args: str) -> tuple[str, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=io.StringIO(), stderr=err)
    assert caught.value.returncode == 2
    return str(caught.value), err.getvalue()


def record_of(code: str) -> dict:
    return procedure_to_record(
        Procedure.objects.select_related("field").prefetch_related(*PREFETCH).get(code=code)
    )


# --- the simulator's answers --------------------------------------------------------------------


def test_the_simulator_lists_and_answers_full_records():
    listed = sim_catalogue.handle({"service": "LayDanhSachTTHC"})
    assert listed["error_code"] == 0 and len(listed["result"]) == SEEDED >= 30
    assert set(listed["result"][0]) == set(sim_catalogue.LIST_FIELDS)
    full = sim_catalogue.handle({"service": "LayThuTuc", "MaTTHC": "1.004222"})
    (record,) = full["result"]
    assert record["TenTTHC"] == "Đăng ký thường trú" and record["CoQuanBanHanh"] == "Bộ Công an"
    assert {"TrinhTuThucHien", "CachThucThucHien", "ThanhPhanHoSo", "CanCuPhapLy"} <= set(record)
    assert sim_catalogue.handle({"service": "LayThuTuc", "MaTTHC": "9.999999"})["error_code"] == 404
    assert sim_catalogue.handle({"service": "LayThuTuc"})["error_code"] == 400
    assert sim_catalogue.handle({"service": "XoaThuTuc"})["error_code"] == 404


def test_every_seeded_record_maps_to_a_valid_catalogue_record():
    for i, item in enumerate(sim_catalogue.records()):
        row = from_portal(item, i)
        assert row.errors == [], (row.code, row.errors)
        assert set(item) <= set(PORTAL_FIELDS)
        _, errors = check_record(
            {
                "code": row.code,
                "name": row.name,
                "field": {"code": row.field_code, "name": row.field_names[0]},
                **row.values,
            }
        )
        assert errors == [], (row.code, errors)


def test_fees_and_times_of_each_channel_are_mapped():
    row = from_portal(sim_catalogue.handle({"service": "LayThuTuc", "MaTTHC": "1.004222"})["result"][0], 0)
    channels = {c["channel"]: c for c in row.values["channels"]}
    assert channels["counter"]["fee"] == 20000 and channels["online"]["fee"] == 10000
    assert channels["online"]["processing_time"] == 7
    assert {(f["channel"], f["amount"]) for f in row.values["fees"]} == {
        ("counter", 20000),
        ("online", 10000),
    }
    assert row.values["levels"] == ["commune"] and row.values["online_level"] == "full"
    assert row.agency_names == ["Công an tỉnh"]


# --- the command over HTTP ----------------------------------------------------------------------


def test_the_whole_national_catalogue_is_fetched_and_imported_idempotently(portal, agencies):
    out, err = run("dvcqg_catalog")
    assert f"Đã nhập {SEEDED} thủ tục từ CSDLQG: {SEEDED} mới" in out
    assert f"Đã tải {SEEDED}/{SEEDED}" in err  # progress while fetching
    assert Procedure.objects.count() == SEEDED
    assert NationalRecord.objects.filter(source="portal").count() == SEEDED
    p = record_of("1.004222")
    assert len(p["steps"]) == 4 and len(p["components"]) == 3 and p["processing_time"] == 7
    assert {c["channel"] for c in p["channels"]} == {"counter", "online"}
    assert p["legal_bases"][0]["number"] == "68/2020/QH14"
    # "Sở Tư pháp" has no agency of that exact name in the test directory: reported, never guessed.
    assert "“Sở Tư pháp”: không có cơ quan nào trùng tên" in out
    # Version 1 written in bulk is exactly the record as read back.
    assert Procedure.objects.get(code="1.004222").versions.get().record == p

    services = [c.get("service") for c in portal.calls if c["path"].endswith("/share")]
    assert services.count("LayDanhSachTTHC") == 1 and services.count("LayThuTuc") == SEEDED
    out, _ = run("dvcqg_catalog")
    assert f"0 mới, 0 cập nhật, {SEEDED} không đổi" in out
    assert all(v == 1 for v in Procedure.objects.values_list("version", flat=True))


def test_selected_codes_publish_and_dry_run(portal, agencies):
    out, _ = run("dvcqg_catalog", "--code", "1.004222", "2.000200", "--dry-run")
    assert out.startswith("Chạy thử: 2 thủ tục hợp lệ") and Procedure.objects.count() == 0
    run("dvcqg_catalog", "--code", "1.004222", "2.000200", "--publish")
    assert set(Procedure.objects.values_list("publication_state", flat=True)) == {"published"}
    assert not any(c.get("service") == "LayDanhSachTTHC" for c in portal.calls)


def test_local_edits_survive_a_national_update_and_are_reported(portal, agencies):
    run("dvcqg_catalog", "--code", "1.004222", "2.000200")
    # The province shortens the time limit, adds a local code and a local fee; it leaves the name alone.
    local = record_of("1.004222")
    local["processing_time"] = 5
    local["local_code"] = "1.004222.000.00.00.H40"
    local["fees"].append(
        {
            "kind": "fee",
            "amount": 5000,
            "channel": "postal",
            "description": "Phí chuyển phát",
            "exemption": "",
        }
    )
    apply_record(local)
    # The national database then renames the procedure and changes its time limit and fees.
    data = copy.deepcopy(list(sim_catalogue.records()))
    national = next(r for r in data if r["MaTTHC"] == "1.004222")
    national["TenTTHC"] = "Đăng ký thường trú (sửa đổi)"
    national["ThoiHanGiaiQuyet"] = 10
    national["CachThucThucHien"][0]["PhiLePhi"][0]["MucPhi"] = 25000
    portal.data = data

    out, _ = run("dvcqg_catalog", "--code", "1.004222", "2.000200")
    after = record_of("1.004222")
    assert after["name"] == "Đăng ký thường trú (sửa đổi)"  # not edited here: the national value
    assert after["processing_time"] == 5  # edited here and nationally: the local value, recorded
    assert after["local_code"] == "1.004222.000.00.00.H40"
    assert after["fees"][-1]["description"] == "Phí chuyển phát"
    assert after["channels"][0]["fee"] == 25000  # channels were not edited here
    assert "Giữ 2 chỉnh sửa của địa phương ở 1 thủ tục (fees: 1, processing_time: 1)" in out
    assert "1.004222 processing_time (cả hai cùng sửa): địa phương 5 | CSDLQG 10" in out
    assert "1.004222 fees (cả hai cùng sửa): địa phương 3 mục | CSDLQG 2 mục" in out
    nat = NationalRecord.objects.get(procedure__code="1.004222")
    assert nat.conflicts == ["fees", "processing_time"]

    # The province marks the steps as its own: a national change of the steps is then never taken.
    nat.local_fields = ["steps"]
    nat.save()
    national["TrinhTuThucHien"] = national["TrinhTuThucHien"][:2]
    out, _ = run("dvcqg_catalog", "--code", "1.004222")
    assert len(record_of("1.004222")["steps"]) == 4
    assert "steps" in out


def test_a_first_import_over_the_demo_catalogue_keeps_every_local_value(portal, agencies):
    local = {
        "code": "1.004222",
        "local_code": "1.004222.000.00.70.H40",
        "name": "Đăng ký thường trú",
        "field": {"code": "G01-CA01", "name": "Đăng ký, quản lý cư trú"},
        "agencies": ["000.00.00.H40"],
        "processing_time": 5,
        "subjects": [],
    }
    apply_record(local)
    out, _ = run("dvcqg_catalog", "--code", "1.004222")
    after = record_of("1.004222")
    assert after["processing_time"] == 5 and after["agencies"] == ["000.00.00.H40"]
    assert after["subjects"] == ["Công dân Việt Nam"] and len(after["steps"]) == 4  # empty here: filled
    # No common ancestor yet: every stated local value that differs is kept and listed (the online level
    # and the sector flag too: "none" or "no" may be the province's own decision).
    assert after["online_level"] == "none"
    assert (
        "Giữ 4 chỉnh sửa của địa phương ở 1 thủ tục (agencies: 1, online_level: 1, processing_time: 1, vertical_sector: 1)"
        in out
    )


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no_url", "Chưa cấu hình MOTCUA_DVCQG_URL"),
        ("down", "Không lấy được danh mục từ Cổng Dịch vụ công quốc gia: share: HTTP 503 (down)"),
        ("bad_password", "Không lấy được danh mục từ Cổng Dịch vụ công quốc gia: auth"),
    ],
)
def test_portal_problems_are_one_line_and_exit_2(portal, agencies, settings, setup, message):
    if setup == "no_url":
        settings.DVCQG_URL = ""
    elif setup == "down":
        portal.fail_services.add("LayDanhSachTTHC")
    else:
        settings.DVCQG_PASSWORD = "wrong"
    error, _ = fails("dvcqg_catalog")
    assert str(error).startswith(message) and "\n" not in str(error)
    assert Procedure.objects.count() == 0


def test_unknown_and_malformed_codes_are_refused(portal, agencies):
    error, _ = fails("dvcqg_catalog", "--code", "1.4222")
    assert "1.004222" in error
    error, _ = fails("dvcqg_catalog", "--code", "1.004222", "9.999999")
    assert error == (
        "Không lấy được danh mục từ Cổng Dịch vụ công quốc gia: share LayThuTuc: error_code 404 "
        "(Không có thủ tục mã 9.999999 (unknown MaTTHC))"
    )
    assert Procedure.objects.count() == 0


def test_a_bad_national_record_refuses_the_whole_import_with_every_problem(agencies):
    data = [copy.deepcopy(r) for r in sim_catalogue.records()[:3]]
    data[0]["ThoiHanGiaiQuyet"] = "bảy"
    data[2]["CachThucThucHien"][0]["KenhThucHien"] = "Fax"
    rows = [from_portal(item, i) for i, item in enumerate(data)]
    from motcua.catalog.io import CatalogImportInvalid

    with pytest.raises(CatalogImportInvalid) as caught:
        import_national(rows)
    report = caught.value.report()
    assert "ThoiHanGiaiQuyet: phải là số" in report and "KenhThucHien: giá trị “Fax”" in report
    assert Procedure.objects.count() == 0


def test_merge_rule():
    base = {"name": "A", "steps": [1]}
    assert merge({"name": "B", "steps": [1]}, {"name": "A", "steps": [1]}, base).record["name"] == "B"
    kept = merge({"name": "B", "steps": [1]}, {"name": "L", "steps": [1]}, base)
    assert kept.record["name"] == "L" and kept.kept == ["name"] and kept.conflicts == ["name"]
    same = merge({"name": "A", "steps": [2]}, {"name": "L", "steps": [1]}, base)
    assert same.record == {"name": "L", "steps": [2]} and same.conflicts == []
    marked = merge({"name": "A", "steps": [2]}, {"name": "A", "steps": [1]}, base, marked=["steps"])
    assert marked.record["steps"] == [1] and marked.kept == ["steps"]


# --- what differs: API and admin ----------------------------------------------------------------


@pytest.fixture
def edited(portal, agencies):
    run("dvcqg_catalog", "--code", "1.004222")
    local = record_of("1.004222")
    local["processing_time"] = 5
    apply_record(local)
    return Procedure.objects.get(code="1.004222")


def test_the_api_shows_the_differences_to_staff(edited, people, api_as, django_assert_num_queries):
    client = api_as(people["chuyenvien"])
    with django_assert_num_queries(14):
        r = client.get("/procedures/1.004222/national-diff")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["source"] == "portal" and body["issuing_body"] == "Bộ Công an"
    assert body["differences"] == [
        {
            "field": "processing_time",
            "label": "thời hạn giải quyết",
            "local": 5,
            "national": 7,
            "conflict": False,
            "marked": False,
        }
    ]
    assert api_as(people["congdan"]).get("/procedures/1.004222/national-diff").status_code == 403
    assert api_as(None).get("/procedures/1.004222/national-diff").status_code == 401
    missing = client.get("/procedures/9.999999/national-diff")
    assert (missing.status_code, missing.json()["code"]) == (404, "procedure_not_found")


def test_a_procedure_typed_here_has_no_national_record(agencies, people, api_as):
    apply_record({"code": "1.000001", "name": "Thủ tục địa phương", "field": {"code": "X", "name": "Khác"}})
    r = api_as(people["chuyenvien"]).get("/procedures/1.000001/national-diff")
    assert (r.status_code, r.json()["code"]) == (404, "national_record_not_found")


def test_the_admin_procedure_page_shows_the_differences_and_marks_local_fields(edited):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser(username="root", password=None))
    page = client.get(f"/admin/catalog/procedure/{edited.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "So với CSDLQG về TTHC" in html and "thời hạn giải quyết" in html
    assert "<td>5</td><td>7</td>" in html and "Bộ Công an" in html


def test_completeness_lists_what_national_records_still_lack(portal, agencies, people, api_as, tmp_path):
    from tests.catalog.test_national_list import national_rows, workbook

    apply_record({"code": "1.000001", "name": "Thủ tục địa phương", "field": {"code": "X", "name": "Khác"}})
    call_command(
        "import_catalog", str(workbook(tmp_path / "ds.xlsx", national_rows(2))), stdout=io.StringIO()
    )
    run("dvcqg_catalog", "--code", "1.004222")
    client = api_as(people["chuyenvien"])
    body = client.get("/catalog/completeness", national="true").json()
    rows = {r["code"]: r for r in body["items"]}
    assert set(rows) == {"1.100000", "1.100001", "1.004222"}
    assert rows["1.100000"]["source"] == "list_export"
    # The list export gives the name and agencies only: steps, channels, components, time, subjects missing.
    assert [m["letter"] for m in rows["1.100000"]["missing"]] == ["b", "c", "d", "đ", "e"]
    assert {m["letter"] for m in rows["1.100000"]["recommended_missing"]} == {"h", "phí", "yêu cầu"}
    # A full record states every part; its agency ("Công an tỉnh") is not in this directory: g) missing.
    assert rows["1.004222"]["source"] == "portal" and rows["1.004222"]["missing"] == [
        {"letter": "g", "label": "cơ quan thực hiện"}
    ]
    assert client.get("/catalog/completeness").json()["count"] == 4
    out, _ = run("catalog_report", "--national")
    assert "1.100000" in out and "1.000001" not in out and "[CSDLQG; thiếu thêm: kết quả thực hiện" in out
    csv_out, _ = run("catalog_report", "--format", "csv")
    assert "1.100000,Thủ tục cấp giấy phép số 1,list_export" in csv_out
