"""The portal's HoSo record read from the database (hoso.full / hoso.progress): every field group of
domain.md §1.3 on dossiers moved through the services, the version it describes, and its cost per batch."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers import files, services
from motcua.dossiers.models import Dossier
from motcua.integrations.dvcqg import hoso
from tests.dossiers.conftest import local, submission
from tests.workspace import documents

PDF = documents.pdf("Giay to")
DATE = re.compile(r"^\d{14}$")
# What contract §7 requires of every DongBoHoSoMC item ("where they apply": dates may be empty).
REQUIRED = (
    "MaHoSo",
    "MaTTHC",
    "TenTTHC",
    "MaLinhVuc",
    "KenhThucHien",
    "ChuHoSo",
    "LoaiDoiTuong",
    "SoGiayToChuHoSo",
    "TrichYeuHoSo",
    "NgayTiepNhan",
    "NgayHenTra",
    "TrangThaiHoSo",
    "MaDinhDanh",
    "DonViXuLy",
    "NgayKetThucXuLy",
    "NgayTra",
    "DuocThanhToanTrucTuyen",
    "HoSoCoThanhPhanSoHoa",
    "TaiLieuNop",
    "DanhSachLePhi",
    "DanhSachHoSoBoSung",
    "DanhSachGiayToKetQua",
    "QuaTrinhXuLy",
)
DATE_KEYS = re.compile(r"^Ngay|^ThoiDiem")


def dates_of(value, path=""):
    """Every (path, value) of a date field, at any depth."""
    if isinstance(value, dict):
        for k, v in value.items():
            if DATE_KEYS.match(k) and isinstance(v, str):
                yield f"{path}.{k}", v
            else:
                yield from dates_of(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from dates_of(v, f"{path}[{i}]")


def check_item(item: dict, status: int) -> None:
    """A validator of contract §7: required fields, their types, the status and yyyyMMddHHmmss dates."""
    missing = [k for k in REQUIRED if k not in item]
    assert not missing, missing
    assert item["TrangThaiHoSo"] == status and item["KenhThucHien"] in (1, 2, 3)
    for key in ("MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "ChuHoSo", "SoGiayToChuHoSo", "MaDinhDanh"):
        assert isinstance(item[key], str) and item[key], key
    for key in ("TaiLieuNop", "DanhSachLePhi", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua", "QuaTrinhXuLy"):
        assert isinstance(item[key], list), key
    assert item["QuaTrinhXuLy"], "every record has at least its creation line"
    for path, value in dates_of(item):
        assert value == "" or DATE.match(value), (path, value)
        if value:
            datetime.strptime(value, "%Y%m%d%H%M%S")
    if status in (2, 4, 6, 9, 10):  # 5 also follows guidance at reception, before any receipt
        assert item["NgayTiepNhan"], "a received dossier says when"
    if status == 10:
        assert item["NgayTra"] and item["NgayKetThucXuLy"]


def upload(name="To khai.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def one(d) -> hoso.PortalState:
    return hoso.full([d.pk])[d.pk]


def test_a_returned_dossier_carries_identity_applicant_dates_supplement_result_and_process(
    lifecycle, people, settings, api_as
):
    d = Dossier.objects.get(pk=lifecycle.pk)
    state = one(d)
    item = state.item
    check_item(item, 10)
    assert (state.version, state.status, state.code) == (d.version, 10, d.code)
    assert state.actions == (
        "receive",
        "forward",
        "request_supplement",
        "supplement",
        "apologize",
        "forward",
        "complete",
        "return_result",
    )
    # identity
    assert item["MaTTHC"] == "1.001193" and item["TenTTHC"] == "Đăng ký khai sinh có yếu tố nước ngoài"
    assert (item["MaLinhVuc"], item["TenLinhVuc"]) == ("G09-HT01", "Hộ tịch")
    assert (item["MucDo"], item["KenhThucHien"], item["MaDinhDanh"]) == (4, 1, "000.00.00.H40")
    assert item["MaCoQuanThucHien"] == "000.00.15.H40" and item["DonViXuLy"] == d.current_agency.identifier
    assert (item["ThoiGianThucHien"], item["LoaiThoiGianThucHien"]) == (3, "Ngày làm việc")
    assert "NoiNopHoSo" not in item, "a counter dossier was not submitted through a portal"
    # applicant, family name first; the 12-digit personal ID as DinhDanhCHS type 1
    assert (item["ChuHoSo"], item["SoGiayToChuHoSo"], item["LoaiGiayToChuHoSo"]) == (
        "Nguyễn Thị Hoa",
        "038190001234",
        1,
    )
    assert item["DinhDanhCHS"] == [{"LoaiDinhDanh": 1, "SoDinhDanh": "038190001234"}]
    assert (item["DiaChi"], item["SoDienThoai"], item["Email"]) == (
        "Vinh, Nghệ An",
        "0912345678",
        "hoa@example.vn",
    )
    assert item["UyQuyen"] == 0 and "NguoiUyQuyen" not in item
    assert item["LoaiDoiTuong"] == "1" and item["TrichYeuHoSo"] == "Đăng ký khai sinh cho con"
    # dates, Vietnam time on a 24-hour clock
    assert (item["NgayNopHoSo"], item["NgayTiepNhan"]) == ("20250815150000", "20250815150000")
    assert item["NgayHenTra"] == "20250825100000", "the date promised in the apology"
    assert (item["NgayKetThucXuLy"], item["NgayTra"]) == ("20250822100000", "20250825090000")
    assert (item["NgayYeuCauBoSung"], item["NgayCongDanBoSung"]) == ("20250818090000", "20250819100000")
    # the supplement, asked and answered
    [supplement] = item["DanhSachHoSoBoSung"]
    assert (
        supplement["NguoiYeuCauBoSung"] == "Lê Văn Hùng"
        and supplement["NoiDungBoSung"] == "Hồ sơ chưa đầy đủ"
    )
    assert supplement["DanhSachGiayToBoSung"] == [
        {"TenGiayTo": "Giấy chứng sinh", "NoiDungBoSung": "Bản sao chưa được chứng thực"},
        {"TenGiayTo": "Tờ khai đăng ký khai sinh", "NoiDungBoSung": "Hồ sơ chưa đầy đủ"},
    ]
    assert (supplement["NgayBoSung"], supplement["NgayTiepNhanBoSung"]) == (
        "20250818090000",
        "20250819100000",
    )
    assert supplement["TrangThaiBoSung"] == hoso.SUPPLEMENT_DONE
    assert (supplement["NgayHenTraTruoc"], supplement["NgayHenTraMoi"]) == (
        "20250820150000",
        "20250821160000",
    )
    # the signed electronic result, behind the API's permission check
    [result] = item["DanhSachGiayToKetQua"]
    assert (result["MaGiayToKetQua"], result["TenGiayTo"]) == (f"{d.code}-KQ1", "Giấy khai sinh")
    assert result["NguoiKy"] and result["CoQuanBanHanh"] == "Sở Tư pháp tỉnh Nghệ An"
    assert DATE.match(result["NgayKy"]) and result["NgayBanHanh"] == result["NgayKy"]
    link = result["DuongDanTepTinKetQua"]
    assert link == f"{settings.SITE_URL}/api/v1/dossiers/{d.code}/results/{d.code}-KQ1/file"
    path = link.removeprefix(settings.SITE_URL + "/api/v1")
    assert api_as(None).get(path).status_code == 401, "no public link"
    assert api_as(people["lanhdao"]).get(path).status_code == 200
    # the process: one line per event, with who, their title, the unit and the step's deadline
    lines = item["QuaTrinhXuLy"]
    assert len(lines) == d.version and [x["TrangThai"] for x in lines] == [2, 4, 5, 4, 4, 4, 9, 10]
    assert lines[0]["NguoiXuLy"] == "Trần Thị Lan" and lines[0]["ChucDanh"] == "Cán bộ tiếp nhận một cửa"
    assert lines[0]["NoiDungXuLy"] == "Tiếp nhận tại quầy" and lines[0]["ThoiDiemXuLy"] == "20250815150000"
    assert (
        lines[6]["ChucDanh"] == "Lãnh đạo phê duyệt" and lines[6]["PhongBanXuLy"] == "Sở Tư pháp tỉnh Nghệ An"
    )
    assert {x["MaHoSo"] for x in lines} == {d.code}


def test_papers_fees_flags_and_national_databases(people, counter, perform, settings):
    d = counter(at=local(2025, 8, 15, 9))
    files.attach(
        people["tiepnhan"],
        d.code,
        upload("Giay chung sinh.pdf"),
        component="TP2",
        at=local(2025, 8, 15, 9, 5),
    )
    meta = {
        "doc_type": "GCS",
        "doc_name": "Giấy chứng sinh",
        "holder_id_number": "038190001234",
        "issuer": "Bệnh viện Sản Nhi Nghệ An",
        "issued_on": "2025-08-01",
        "content_summary": "Giấy chứng sinh",
        "valid_indefinitely": True,
        "validity_scope": "Toàn quốc",
    }
    scan = files.attach(
        people["tiepnhan"],
        d.code,
        upload("Scan.pdf"),
        component="TP1",
        metadata=meta,
        at=local(2025, 8, 15, 9, 6),
    )
    Dossier.objects.filter(pk=d.pk).update(national_databases=["CSDLQGDC"], vneid_verified=True)
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 10))
    perform(
        "chuyenvien", d, "request_payment", local(2025, 8, 15, 11), amount=50000, name="Lệ phí cấp bản sao"
    )
    perform("tiepnhan", d, "pay", local(2025, 8, 15, 14), method="cash")
    item = one(d).item
    check_item(item, 4)
    assert item["HoSoCoThanhPhanSoHoa"] == 1 and item["TaiKhoanDuocXacThucVoiVNeID"] == 1
    assert item["DSKetNoiCSDL"] == [{"MaCSDL": "CSDLQGDC"}] and item["DuocThanhToanTrucTuyen"] == 0
    papers = {p["TenTepDinhKem"]: p for p in item["TaiLieuNop"]}
    assert set(papers) == {"Giay chung sinh.pdf", "Scan.pdf"}
    scanned = papers["Scan.pdf"]
    assert scanned["TepDinhKemId"] == str(scan.pk) and scanned["MaThanhPhanHoSo"] == "TP1"
    assert (
        scanned["DuocSoHoa"],
        scanned["DuocTaiSuDung"],
        scanned["DuocLayTuKhoDMQG"],
        scanned["IsDeleted"],
    ) == (
        1,
        0,
        0,
        0,
    )
    assert papers["Giay chung sinh.pdf"]["DuocSoHoa"] == 0
    assert scanned["DuongDanTaiTepTin"] == f"{settings.SITE_URL}/api/v1/dossiers/{d.code}/files/{scan.pk}"
    fees = item["DanhSachLePhi"]
    assert {
        "TenPhiLePhi": "Lệ phí cấp bản sao",
        "LoaiPhiLePhi": "charge",
        "Gia": 50000,
        "HinhThucThu": "Tiền mặt",
    } in fees


def test_a_paper_waiting_for_the_supplement_is_not_in_the_record_until_handed_in(people, online, perform):
    d = online(at=local(2025, 8, 15, 9))
    files.attach(
        people["congdan"], d.code, upload("To khai.pdf"), component="TP1", at=local(2025, 8, 15, 9, 1)
    )
    perform(
        "tiepnhan",
        d,
        "request_supplement",
        local(2025, 8, 15, 10),
        reason="Thiếu giấy chứng sinh",
        items=["Giấy chứng sinh"],
    )
    files.attach(
        people["congdan"], d.code, upload("Chung sinh.pdf"), component="TP2", at=local(2025, 8, 15, 11)
    )
    waiting = one(d).item
    check_item(waiting, 5)
    assert [p["TenTepDinhKem"] for p in waiting["TaiLieuNop"]] == ["To khai.pdf"]
    assert waiting["DanhSachHoSoBoSung"][0]["TrangThaiBoSung"] == hoso.SUPPLEMENT_WAITING
    assert waiting["NoiNopHoSo"] == "2" and waiting["KenhThucHien"] == 2
    perform("congdan", d, "supplement", local(2025, 8, 15, 12))
    handed_in = one(d).item
    check_item(handed_in, 1)
    assert [p["TenTepDinhKem"] for p in handed_in["TaiLieuNop"]] == ["To khai.pdf", "Chung sinh.pdf"]


def test_the_item_describes_exactly_the_version_read(counter, perform):
    d = counter(at=local(2025, 8, 15, 9))
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 10))
    perform("chuyenvien", d, "request_supplement", local(2025, 8, 15, 11), reason="Thiếu", items=["Tờ khai"])
    # A row read before its last change was committed (its events are ahead of it): nothing after it shows.
    Dossier.objects.filter(pk=d.pk).update(version=2)
    state = one(d)
    assert state.version == 2 and state.actions == ("receive", "forward")
    assert len(state.item["QuaTrinhXuLy"]) == 2 and state.item["DanhSachHoSoBoSung"] == []
    progress = hoso.progress({d.pk: 1})[d.pk]
    assert progress.actions == ("forward",) and progress.version == 2


def test_progress_holds_status_due_date_and_the_new_lines_only(counter, perform):
    d = counter(at=local(2025, 8, 15, 9))
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 10))
    perform("chuyenvien", d, "forward", local(2025, 8, 15, 11))
    state = hoso.progress({d.pk: 1})[d.pk]
    assert set(state.item) == {"MaHoSo", "TrangThaiHoSo", "NgayHenTra", "QuaTrinhXuLy"}
    assert state.item["TrangThaiHoSo"] == 4 and DATE.match(state.item["NgayHenTra"])
    assert [x["ThoiDiemXuLy"] for x in state.item["QuaTrinhXuLy"]] == ["20250815100000", "20250815110000"]
    assert state.actions == ("forward", "forward") and not set(state.actions) & hoso.REFRESHING_ACTIONS
    assert hoso.progress({d.pk: 3})[d.pk].item["QuaTrinhXuLy"] == []


def test_every_status_gives_a_valid_item(people, online, counter, perform):
    """A validator of contract §7's required fields passes for each of the ten statuses."""
    at = local(2025, 8, 15, 9)
    built = {1: online(at=at)}
    for status in range(2, 11):
        built[status] = counter(at=at) if status != 3 else online(at=at)
    perform("tiepnhan", built[3], "refuse", local(2025, 8, 15, 10), reason="Không thuộc thẩm quyền")
    for s in (4, 5, 6, 7, 8, 9, 10):
        perform("tiepnhan", built[s], "forward", local(2025, 8, 15, 10))
    perform(
        "chuyenvien",
        built[5],
        "request_supplement",
        local(2025, 8, 15, 11),
        reason="Thiếu",
        items=["Tờ khai"],
    )
    perform("chuyenvien", built[6], "request_payment", local(2025, 8, 15, 11), amount=10000)
    perform("tiepnhan", built[7], "withdraw", local(2025, 8, 15, 11), reason="Công dân xin rút")
    perform("lanhdao", built[8], "stop", local(2025, 8, 15, 11), reason="Không đủ điều kiện")
    for s in (9, 10):
        perform("lanhdao", built[s], "complete", local(2025, 8, 15, 11), result={"name": "Giấy khai sinh"})
    perform("tiepnhan", built[10], "return_result", local(2025, 8, 15, 14))
    states = hoso.full([d.pk for d in built.values()])
    for status, d in built.items():
        check_item(states[d.pk].item, status)
    assert states[built[3].pk].item["NgayTuChoi"] == "20250815100000"
    assert states[built[7].pk].item["NgayKetThucXuLy"] == "20250815110000"
    assert len(states[built[9].pk].item["DanhSachGiayToKetQua"]) == 1


def test_a_batch_costs_the_same_statements_for_one_dossier_and_for_fifty(
    people, counter, perform, django_assert_num_queries
):
    at = local(2025, 8, 15, 9)
    ids = []
    for i in range(50):
        d = counter(at=at)
        files.attach(people["tiepnhan"], d.code, upload(), component="TP1", at=at)
        perform("tiepnhan", d, "forward", local(2025, 8, 15, 10))
        if i % 5 == 0:
            perform(
                "chuyenvien",
                d,
                "request_supplement",
                local(2025, 8, 15, 11),
                reason="Thiếu",
                items=["Tờ khai"],
            )
        ids.append(d.pk)
    # dossiers, procedure versions, events, papers, fees, results, officers' titles
    with django_assert_num_queries(7):
        assert len(hoso.full(ids[:1])) == 1
    with django_assert_num_queries(7):
        assert len(hoso.full(ids)) == 50
    # dossiers, new events, officers' titles
    with django_assert_num_queries(3):
        assert len(hoso.progress({ids[0]: 1})) == 1
    with django_assert_num_queries(3):
        assert len(hoso.progress({pk: 1 for pk in ids})) == 50


def test_an_authorised_submitter_and_an_organisation(people, procedure):
    body = submission(
        channel=1,
        applicant={"kind": "organisation", "name": "Công ty TNHH Hoa Sen", "tax_code": "0100109106"},
        authorised={"name": "Trần Văn Nam", "id_number": "040090001234"},
    )
    d = services.submit_dossier(people["tiepnhan"], body, at=local(2025, 8, 15, 9))
    item = one(d).item
    assert item["LoaiDoiTuong"] == "2" and item["SoGiayToChuHoSo"] == "0100109106"
    assert item["DinhDanhCHS"] == [{"LoaiDinhDanh": 2, "SoDinhDanh": "0100109106"}]
    assert (item["UyQuyen"], item["NguoiUyQuyen"], item["SoGiayToNguoiUyQuyen"]) == (
        1,
        "Trần Văn Nam",
        "040090001234",
    )


@pytest.mark.parametrize("empty", [[], {}])
def test_nothing_asked_nothing_read(db, empty, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert hoso.full(empty) == {} and hoso.progress(empty) == {}
