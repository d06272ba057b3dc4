"""The national database's list export ("DANH SÁCH THỦ TỤC HÀNH CHÍNH"): detection, mapping, name matching,
all-or-nothing refusal with every bad row, idempotent re-import and local edits kept."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook
from openpyxl.styles import Alignment

from motcua.catalog.io import CatalogFileError, CatalogImportInvalid
from motcua.catalog.models import Field, NationalRecord, Procedure, ProcedureVersion
from motcua.catalog.records import PREFETCH, procedure_to_record
from motcua.catalog.services import apply_record, import_catalog
from tests.catalog.test_commands import cli_env  # noqa: F401 (fixture)

HEADER = ["STT", "Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực"]
FIELDS = ["Hộ tịch", "Chứng thực", "Y tế dự phòng", "Dược phẩm", "Luật sư"]
AGENCY_LINES = [
    "Sở Tư pháp tỉnh Nghệ An",
    "sở y tế  TỈNH nghe an",  # case, spaces and missing accents still match
    "Sở Tư pháp tỉnh Nghệ An\nTrung tâm PVHCC xã Anh Sơn",
    "Ủy ban nhân dân cấp xã",  # matches nothing: reported, never guessed
]


def national_rows(n: int) -> list[list]:
    return [
        [
            i + 1,
            f"1.{100000 + i:06d}",
            f"Thủ tục  cấp giấy\nphép số {i + 1}",  # a wrapped name: one line, single-spaced
            "Bộ Tư pháp",
            AGENCY_LINES[i % len(AGENCY_LINES)],
            FIELDS[i % len(FIELDS)] + ("\nChứng thực" if i % 7 == 0 else ""),
        ]
        for i in range(n)
    ]


def workbook(path: Path, rows: list[list], *, header: list | None = HEADER, title_rows: int = 3) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["DANH SÁCH THỦ TỤC HÀNH CHÍNH"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    for extra in range(title_rows - 1):
        ws.append(["(Kèm theo kết quả tìm kiếm trên Cơ sở dữ liệu quốc gia về TTHC)" if extra == 0 else None])
    if title_rows > 1:
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=6)
    if header is not None:
        ws.append(header)
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and "\n" in cell.value:
                cell.alignment = Alignment(wrap_text=True)
    wb.save(path)
    return path


@pytest.fixture
def directory(agencies):
    return agencies


def test_a_list_export_with_title_rows_merged_cells_and_520_rows_is_imported(tmp_path, directory):
    path = workbook(tmp_path / "ds.xlsx", national_rows(520))
    result = import_catalog(path)
    assert (result.total, result.created, result.unchanged) == (520, 520, 0)
    assert Procedure.objects.count() == 520
    p = Procedure.objects.select_related("field", "national").get(code="1.100000")
    assert p.name == "Thủ tục cấp giấy phép số 1"
    assert p.field.name == "Hộ tịch"  # the first of the field lines
    assert p.national.source == "list_export" and p.national.issuing_body == "Bộ Tư pháp"
    assert p.publication_state == "draft"
    by_code = {
        p.code: sorted(p.agencies.values_list("identifier", flat=True)) for p in Procedure.objects.all()
    }
    assert by_code["1.100000"] == ["000.00.15.H40"]
    assert by_code["1.100001"] == ["000.00.18.H40"]
    assert by_code["1.100002"] == ["000.00.15.H40", "000.01.15.H40"]  # two lines, two agencies
    assert by_code["1.100003"] == []
    assert "Ủy ban nhân dân cấp xã" in result.unmatched
    assert "không có cơ quan nào trùng tên" in result.summary()
    # one field per distinct name, created once
    assert Field.objects.filter(name__in=FIELDS).count() == len(FIELDS)

    # Created in bulk: version 1 is exactly the record as read back (so no spurious version later).
    for p in (
        Procedure.objects.select_related("field").prefetch_related(*PREFETCH).filter(code__lt="1.100010")
    ):
        assert p.versions.get().record == procedure_to_record(p)

    again = import_catalog(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 520)
    assert ProcedureVersion.objects.count() == 520


def test_names_are_nfc_and_diacritics_kept(tmp_path, directory):
    decomposed = unicodedata.normalize("NFD", "Đăng ký khai sinh")
    path = workbook(tmp_path / "ds.xlsx", [[1, "1.001193", decomposed, "Bộ Tư pháp", "", "Hộ tịch"]])
    import_catalog(path)
    assert Procedure.objects.get().name == "Đăng ký khai sinh"
    assert unicodedata.is_normalized("NFC", Procedure.objects.get().name)


def test_existing_field_matched_by_name_without_accents(tmp_path, directory):
    Field.objects.create(code="G15-TP01", name="Hộ tịch")
    path = workbook(tmp_path / "ds.xlsx", [[1, "1.001193", "Đăng ký khai sinh", "Bộ Tư pháp", "", "HO TICH"]])
    import_catalog(path)
    assert Procedure.objects.get().field.code == "G15-TP01"
    assert Field.objects.count() == 1


def test_an_agency_name_shared_by_two_agencies_is_reported_not_guessed(tmp_path, directory):
    directory["health"].short_name = "Sở chuyên ngành"
    directory["health"].save()
    directory["justice"].short_name = "Sở chuyên ngành"
    directory["justice"].save()
    path = workbook(
        tmp_path / "ds.xlsx", [[1, "1.001193", "Đăng ký khai sinh", "", "Sở chuyên ngành", "Hộ tịch"]]
    )
    result = import_catalog(path)
    assert list(Procedure.objects.get().agencies.all()) == []
    reason, codes = result.unmatched["Sở chuyên ngành"]
    assert reason.startswith("2 cơ quan trùng tên") and codes == ["1.001193"]


def test_a_malformed_export_is_refused_whole_with_every_bad_row(tmp_path, directory):
    rows = national_rows(30)
    rows[3][1] = "1.00422"  # bad code
    rows[7][1] = "ABC"
    rows[10][2] = "   "  # empty name
    rows[12][1] = rows[11][1]  # duplicate code
    rows[20][5] = None  # no field
    path = workbook(tmp_path / "bad.xlsx", rows)
    with pytest.raises(CatalogImportInvalid) as caught:
        import_catalog(path)
    problems = {p.location.line: p for p in caught.value.problems}
    header_row = 4  # three title rows above it
    assert sorted(problems) == [header_row + i for i in (4, 8, 11, 13, 21)]
    assert "1.004222" in " ".join(problems[header_row + 4].messages)
    assert "Tên: bắt buộc" in " ".join(problems[header_row + 11].messages)
    assert "trùng với" in " ".join(problems[header_row + 13].messages)
    assert "Lĩnh vực: bắt buộc" in " ".join(problems[header_row + 21].messages)
    assert Procedure.objects.count() == 0 and Field.objects.count() == 0


def test_the_command_reports_every_bad_row_and_exits_2(tmp_path, directory):
    rows = national_rows(5)
    rows[1][1] = "x"
    rows[3][2] = ""
    path = workbook(tmp_path / "bad.xlsx", rows)
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_catalog", str(path), stdout=io.StringIO(), stderr=err)
    assert caught.value.returncode == 2
    report = err.getvalue().splitlines()
    assert len(report) == 2
    assert report[0].startswith("trang “Sheet1”, dòng 6") and report[1].startswith("trang “Sheet1”, dòng 8")
    assert "2 dòng lỗi trên 5 thủ tục" in str(caught.value)
    assert Procedure.objects.count() == 0


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "missing header row"),
        (["STT", "Mã số", "Tên", "Cơ quan thực hiện", "Lĩnh vực"], "thiếu cột Cơ quan ban hành"),
        (HEADER + ["Ghi chú"], "unknown column"),
        (["Mã số", "Tên", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực"], "hai lần"),
    ],
)
def test_an_unknown_structure_is_refused(tmp_path, directory, header, message):
    path = workbook(tmp_path / "bad.xlsx", national_rows(3) if header is None else [], header=header)
    with pytest.raises(CatalogFileError) as caught:
        import_catalog(path)
    assert message in caught.value.message


def test_the_header_is_found_by_its_names_not_its_position(tmp_path, directory):
    header = ["Lĩnh vực", "Tên", "Mã số", "Cơ quan thực hiện", "Cơ quan ban hành"]
    path = workbook(
        tmp_path / "ds.xlsx",
        [["Hộ tịch", "Đăng ký khai sinh", 1.001193, "", "Bộ Tư pháp"]],
        header=header,
        title_rows=6,
    )
    import_catalog(path)
    assert Procedure.objects.get().code == "1.001193"  # typed as a number in Excel: still 6 decimals


def test_publish_and_dry_run(tmp_path, directory):
    path = workbook(tmp_path / "ds.xlsx", national_rows(3))
    dry = import_catalog(path, dry_run=True, publish=True)
    assert dry.dry_run and dry.created == 3 and Procedure.objects.count() == 0
    result = import_catalog(path, publish=True)
    assert result.published == 3
    assert set(Procedure.objects.values_list("publication_state", flat=True)) == {"published"}
    assert import_catalog(path, publish=True).published == 0


def test_local_edits_are_kept_and_reported_national_changes_are_taken(tmp_path, directory):
    rows = national_rows(3)
    import_catalog(workbook(tmp_path / "v1.xlsx", rows))
    # The province edits one name locally and adds a local code (never in the national record).
    p = Procedure.objects.get(code="1.100001")
    record = procedure_to_record(
        Procedure.objects.select_related("field").prefetch_related(*PREFETCH).get(pk=p.pk)
    )
    record.update(name="Cấp giấy phép số 2 (tên địa phương)", local_code="1.100001.000.00.00.H40")
    apply_record(record)
    # The national database renames procedures 1 and 2.
    rows[0][2] = "Thủ tục cấp giấy phép số 1 (sửa đổi)"
    rows[1][2] = "Thủ tục cấp giấy phép số 2 (sửa đổi)"
    result = import_catalog(workbook(tmp_path / "v2.xlsx", rows))
    assert Procedure.objects.get(code="1.100000").name == "Thủ tục cấp giấy phép số 1 (sửa đổi)"
    kept = Procedure.objects.get(code="1.100001")
    assert kept.name == "Cấp giấy phép số 2 (tên địa phương)"
    assert kept.local_code == "1.100001.000.00.00.H40"
    assert result.kept == {"1.100001": ["name"]}
    assert result.conflicts == {"1.100001": ["name"]}
    summary = result.summary()
    assert "Giữ 1 chỉnh sửa của địa phương ở 1 thủ tục (name: 1)" in summary
    assert "1.100001 name (cả hai cùng sửa): địa phương Cấp giấy phép số 2 (tên địa phương)" in summary
    assert kept.national.conflicts == ["name"]
    # Imported once more unchanged: nothing written, the local edit still kept and still a conflict.
    again = import_catalog(workbook(tmp_path / "v2.xlsx", rows))
    assert again.unchanged == 3 and again.kept == {"1.100001": ["name"]}
    assert NationalRecord.objects.get(procedure=kept).conflicts == ["name"]


def test_publish_applies_to_the_canonical_formats_too(tmp_path, directory):
    import json

    record = {"code": "1.000001", "name": "Thủ tục địa phương", "field": {"code": "X", "name": "Khác"}}
    path = tmp_path / "c.json"
    path.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("import_catalog", str(path), "--publish", stdout=out, stderr=io.StringIO())
    assert out.getvalue() == "Đã nhập 1 thủ tục: 1 mới, 0 cập nhật, 0 không đổi, 1 công khai.\n"
    p = Procedure.objects.get()
    assert p.publication_state == "published" and p.published_at is not None
    assert p.versions.order_by("-number").first().record["publication_state"] == "published"


def test_the_real_command_line(tmp_path, cli_env):  # noqa: F811 (the imported fixture)
    """Subprocesses: a malformed export exits 2 with every bad row and no traceback; 520 rows import with
    progress; the portal command fetches over HTTP from a portal the test runs."""
    from tests.catalog.portal import running_portal
    from tests.catalog.test_commands import cli, codes_in

    rows = national_rows(520)
    rows[10][1], rows[300][2] = "1.23", ""
    bad = cli(cli_env, "import_catalog", str(workbook(tmp_path / "bad.xlsx", rows)))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    lines = bad.stderr.splitlines()
    assert [line.split(" (mã")[0] for line in lines[:2]] == [
        "trang “Sheet1”, dòng 15",
        "trang “Sheet1”, dòng 305",
    ]
    assert "2 dòng lỗi trên 520 thủ tục" in lines[-1]
    assert codes_in(cli_env) == []

    good = cli(
        cli_env, "import_catalog", str(workbook(tmp_path / "ds.xlsx", national_rows(520))), "--publish"
    )
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith(
        "Đã nhập 520 thủ tục từ CSDLQG: 520 mới, 0 cập nhật, 0 không đổi, 520 công khai."
    )
    assert "Đã nhập 520/520 (100%) thủ tục" in good.stderr
    assert len(codes_in(cli_env)) == 520

    with running_portal() as (url, _):
        env = {
            **cli_env,
            "MOTCUA_DVCQG_URL": url,
            "MOTCUA_DVCQG_USERNAME": "u",
            "MOTCUA_DVCQG_PASSWORD": "demo",
        }
        fetched = cli(env, "dvcqg_catalog", "--code", "1.004222", "2.000200")
        assert fetched.returncode == 0, fetched.stderr
        assert "Đã tải 2/2 (100%) thủ tục" in fetched.stderr
        assert fetched.stdout.startswith("Đã nhập 2 thủ tục từ CSDLQG: 2 mới")
        down = cli({**env, "MOTCUA_DVCQG_PASSWORD": "wrong"}, "dvcqg_catalog")
        assert down.returncode == 2 and len(down.stderr.splitlines()) == 1 and "Traceback" not in down.stderr
    assert "1.004222" in codes_in(cli_env)
