"""Fees per case and structured reductions in the catalogue (ADR 0032): model, record, files, admin field."""

from __future__ import annotations

import copy
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from motcua.catalog import reductions
from motcua.catalog.admin import ReductionsField
from motcua.catalog.io import export_catalog, read_file, write_file
from motcua.catalog.models import NationalRecord, Procedure, ProcedureFee
from motcua.catalog.records import check_record
from motcua.catalog.services import import_catalog
from tests.catalog.test_commands import fails, run
from tests.catalog.test_io import bare_record, rich_record

pytestmark = pytest.mark.django_db


def with_fee(**fee) -> dict:
    record = rich_record()
    record["fees"][0].update(fee)
    return record


# --- the compact cell syntax and the amount after a reduction ------------------------------------


def test_owed_rounds_down_to_the_dong():
    assert reductions.owed(15000, 50) == 7500  # the worked example of the issue
    assert reductions.owed(20000, 100) == 0
    assert reductions.owed(12345, 30) == 8641  # 8 641,5 đ: the half đồng is the payer's
    assert reductions.owed(1, 1) == 0  # 0,99 đ
    assert reductions.owed(10**12, 1) == 99 * 10**10  # integers all the way: no float error


def test_the_compact_cell_reads_and_writes_back():
    cell = "Hộ nghèo: 100%; Người cao tuổi: 50 %;  Trẻ em dưới 6 tuổi:30"
    items, error = reductions.parse_cell(cell)
    assert error is None and items == [
        {"name": "Hộ nghèo", "percent": 100},
        {"name": "Người cao tuổi", "percent": 50},
        {"name": "Trẻ em dưới 6 tuổi", "percent": 30},
    ]
    assert reductions.format_cell(items) == "Hộ nghèo: 100%; Người cao tuổi: 50%; Trẻ em dưới 6 tuổi: 30%"
    assert reductions.parse_cell("") == ([], None) and reductions.format_cell([]) == ""
    # A name with a colon keeps it: only the last one separates the percent.
    assert reductions.parse_cell("Đối tượng: thương binh: 50%")[0] == [
        {"name": "Đối tượng: thương binh", "percent": 50}
    ]
    # Unreadable percents reach the checker raw, which names them.
    items, error = reductions.parse_cell("Hộ nghèo: một nửa")
    assert error is None and reductions.check(items)[1] == [
        "reductions[0].percent: phải là số nguyên (must be an integer)"
    ]
    assert reductions.parse_cell("Hộ nghèo 100%")[1].startswith("“Hộ nghèo 100%”: viết dạng")


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (
            [{"name": "Hộ nghèo", "percent": 0}],
            "reductions[0].percent: phải trong khoảng 1..100 (out of range)",
        ),
        (
            [{"name": "Hộ nghèo", "percent": 101}],
            "reductions[0].percent: phải trong khoảng 1..100 (out of range)",
        ),
        (
            [{"name": "Hộ nghèo", "percent": 12.5}],
            "reductions[0].percent: phải là số nguyên (must be an integer)",
        ),
        (
            [{"name": "Hộ nghèo", "percent": True}],
            "reductions[0].percent: phải là số nguyên (must be an integer)",
        ),
        ([{"name": "Hộ nghèo"}], "reductions[0].percent: bắt buộc (required)"),
        ([{"name": "  ", "percent": 50}], "reductions[0].name: bắt buộc (required)"),
        (
            [{"name": "Hộ nghèo", "percent": 100}, {"name": "HỘ NGHÈO", "percent": 50}],
            "reductions[1].name: trùng với reductions[0] “HỘ NGHÈO” (duplicate)",
        ),
        ([{"name": "Hộ nghèo", "percent": 50, "note": "x"}], "reductions[0].note: trường không được hỗ trợ"),
        ("Hộ nghèo: 100%", "reductions: phải là danh sách {name, percent} (must be a list of objects)"),
    ],
)
def test_reductions_are_checked(given, problem):
    _, problems = reductions.check(given)
    assert any(p.startswith(problem) for p in problems), problems


# --- the record ---------------------------------------------------------------------------------


def test_a_record_names_every_bad_reduction_and_an_unknown_case():
    bad = with_fee(
        case="TH9",
        reductions=[{"name": "Hộ nghèo", "percent": 0}, {"name": "hộ nghèo", "percent": 50}],
    )
    _, errors = check_record(bad)
    assert errors == [
        "fees[0].case: không có trường hợp 'TH9' (unknown case)",
        "fees[0].reductions[0].percent: phải trong khoảng 1..100 (out of range)",
        "fees[0].reductions[1].name: trùng với reductions[0] “hộ nghèo” (duplicate)".replace(
            "reductions[0]", "fees[0].reductions[0]"
        ),
    ]


def test_records_before_this_change_read_as_every_case_and_no_reduction():
    old = rich_record()
    for f in old["fees"]:
        del f["case"], f["reductions"]
    clean, errors = check_record(old)
    assert errors == [] and [(f["case"], f["reductions"]) for f in clean["fees"]] == [(None, []), (None, [])]


@pytest.mark.parametrize("suffix", [".json", ".csv", ".xlsx"])
def test_case_and_reductions_survive_import_and_export(tmp_path, agencies, suffix):
    source = tmp_path / f"in{suffix}"
    write_file([rich_record()], source)
    import_catalog(source)
    p = Procedure.objects.get(code="1.004222")
    stored = {f.description: (f.case.code if f.case else None, f.reductions) for f in p.fees.all()}
    assert stored == {
        "Lệ phí đăng ký": (
            "TH1",
            [{"name": "Hộ nghèo", "percent": 100}, {"name": "Người khuyết tật: nặng", "percent": 50}],
        ),
        "=Miễn phí khi nộp trực tuyến": (None, [{"name": "Hộ cận nghèo; hộ mới thoát nghèo", "percent": 30}]),
    }
    # The version snapshot dossiers read carries them too.
    assert p.versions.get().record["fees"] == rich_record()["fees"]
    out = tmp_path / f"out{suffix}"
    export_catalog(out)
    assert read_file(out)[0].record["fees"] == rich_record()["fees"]


def test_xlsx_reductions_typed_by_hand_are_read(tmp_path, agencies):
    path = tmp_path / "c.xlsx"
    write_file([rich_record()], path)
    wb = load_workbook(path)
    wb["Phí, lệ phí"].cell(2, 8).value = "Người có công với cách mạng: 100%;Hộ nghèo : 50"
    wb.save(path)
    import_catalog(path)
    fee = ProcedureFee.objects.get(procedure__code="1.004222", case__code="TH1")
    assert fee.reductions == [
        {"name": "Người có công với cách mạng", "percent": 100},
        {"name": "Hộ nghèo", "percent": 50},
    ]


def test_a_bad_reduction_cell_fails_the_import_naming_its_row(tmp_path, agencies):
    path = tmp_path / "c.xlsx"
    write_file([rich_record(), bare_record()], path)
    wb = load_workbook(path)
    wb["Phí, lệ phí"].cell(2, 8).value = "Hộ nghèo: 150%"
    wb["Phí, lệ phí"].cell(3, 8).value = "Hộ nghèo 100%"
    wb.save(path)
    _, err = fails("import_catalog", str(path))
    assert err.splitlines() == [
        "trang “Phí, lệ phí”, dòng 2 (mã 1.004222): reductions[0].percent: phải trong khoảng "
        "1..100 (out of range)",
        "trang “Phí, lệ phí”, dòng 3 (mã 1.004222): reductions: “Hộ nghèo 100%”: viết dạng “Tên đối tượng: "
        "50%” (expected 'name: percent')",
    ]
    assert Procedure.objects.count() == 0


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_a_bad_reduction_fails_a_json_or_csv_import_naming_its_row(tmp_path, agencies, suffix):
    bad = with_fee(reductions=[{"name": "Hộ nghèo", "percent": 100}, {"name": "Hộ nghèo", "percent": 50}])
    path = tmp_path / f"c{suffix}"
    write_file([bare_record(), bad], path)
    _, err = fails("import_catalog", str(path))
    where = "phần tử [1] (dòng 38)" if suffix == ".json" else "dòng 3"
    assert err.splitlines() == [
        f"{where} (mã 1.004222): fees[0].reductions[1].name: trùng với fees[0].reductions[0] “Hộ nghèo” "
        "(duplicate)"
    ]
    assert Procedure.objects.count() == 0


def test_the_import_of_a_good_file_with_reductions_succeeds(tmp_path, agencies):
    out, _ = run("import_catalog", str(_written(tmp_path / "c.csv", [rich_record()])))
    assert out.startswith("Đã nhập 1 thủ tục")


def _written(path, recs):
    write_file(recs, path)
    return path


def test_the_api_detail_gives_the_case_and_reductions(tmp_path, agencies, client):
    import_catalog(_written(tmp_path / "c.json", [rich_record()]))
    body = client.get("/api/v1/procedures/1.004222").json()
    assert body["fees"][0]["case"] == "TH1"
    assert body["fees"][0]["reductions"] == rich_record()["fees"][0]["reductions"]
    assert body["fees"][1]["case"] is None


# --- admin and model ----------------------------------------------------------------------------


def test_the_admin_field_takes_the_compact_syntax():
    field = ReductionsField()
    assert field.clean("Hộ nghèo: 100%; Người cao tuổi: 50%") == [
        {"name": "Hộ nghèo", "percent": 100},
        {"name": "Người cao tuổi", "percent": 50},
    ]
    assert field.clean("") == []
    assert field.prepare_value([{"name": "Hộ nghèo", "percent": 100}]) == "Hộ nghèo: 100%"
    assert field.prepare_value('[{"name": "Hộ nghèo", "percent": 100}]') == "Hộ nghèo: 100%"
    with pytest.raises(ValidationError) as caught:
        field.clean("Hộ nghèo: 0%")
    assert "reductions[0].percent: phải trong khoảng 1..100 (out of range)" in caught.value.messages
    with pytest.raises(ValidationError):
        field.clean("Hộ nghèo")


def test_the_model_refuses_bad_reductions(agencies):
    fee = ProcedureFee(kind="charge", amount=1000, reductions=[{"name": "Hộ nghèo", "percent": 200}])
    with pytest.raises(ValidationError) as caught:
        fee.clean()
    assert "reductions" in caught.value.message_dict


def test_the_admin_change_page_shows_the_fee_case_and_reductions(tmp_path, agencies, admin_client):
    import_catalog(_written(tmp_path / "c.json", [rich_record()]))
    p = Procedure.objects.get(code="1.004222")
    page = admin_client.get(f"/admin/catalog/procedure/{p.pk}/change/").content.decode()
    assert "Hộ nghèo: 100%; Người khuyết tật: nặng: 50%" in page
    assert 'name="fees-0-case"' in page and 'name="fees-0-reductions"' in page


# --- the migration of stored national records -----------------------------------------------------


def test_stored_national_records_get_the_new_fee_keys(tmp_path, agencies):
    import_catalog(_written(tmp_path / "c.json", [rich_record()]))
    p = Procedure.objects.get(code="1.004222")
    old = copy.deepcopy(rich_record()["fees"])
    for f in old:
        del f["case"], f["reductions"]
    n = NationalRecord.objects.create(
        procedure=p, source="portal", record={"name": p.name, "fees": old}, imported_at=p.updated_at
    )
    migration = importlib.import_module("motcua.catalog.migrations.0009_fee_case_reductions")
    migration.fees_in_new_shape(apps, None)
    n.refresh_from_db()
    assert [(f["case"], f["reductions"]) for f in n.record["fees"]] == [(None, []), (None, [])]
    assert n.record["name"] == p.name


def test_the_public_procedure_page_lists_each_fees_case_and_reductions(tmp_path, agencies, client):
    import_catalog(_written(tmp_path / "c.json", [rich_record()]))
    html = client.get("/thu-tuc/1.004222/").content.decode()
    assert "<li>Hộ nghèo: miễn</li>" in html and "<li>Người khuyết tật: nặng: giảm 50%</li>" in html
    assert "Trường hợp: Đăng ký đúng hạn" in html
    assert "Miễn cho hộ nghèo, người khuyết tật" in html  # the decision's own words stay
