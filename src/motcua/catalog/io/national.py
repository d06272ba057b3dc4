"""The national database's formats: the list export workbook and the portal's full records (LayThuTuc).

Both become `NationalRow`s: the national values in the canonical record's shape (`records.py`), with the
field (lĩnh vực) and the implementing agencies still as the national database names them; matching those
against the local directory, and merging with what the province edited, is `catalog.national`.

* List export: the workbook titled "DANH SÁCH THỦ TỤC HÀNH CHÍNH". Title rows (often merged cells) sit above
  the header row `Mã số | Tên | Cơ quan ban hành | Cơ quan thực hiện | Lĩnh vực` (an `STT` column may come
  first); the header is found by its names, in any of the first rows and in any column order. A cell may
  hold several lines: several agencies or fields, one a line.
* Portal: `PORTAL_FIELDS` is the one table of national field name -> canonical record key.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from motcua.core.text import fold, nfc

from ..models import Channel, Procedure, ProcedureFee, TimeUnit
from ..records import CODE_RE
from .common import CatalogFileError, Location

TITLE = "DANH SÁCH THỦ TỤC HÀNH CHÍNH"
# Folded header name -> what the column holds.
HEADER = {
    "ma so": "code",
    "ten": "name",
    "co quan ban hanh": "issuing_body",
    "co quan thuc hien": "agencies",
    "linh vuc": "fields",
}
HEADER_LABELS = {"code": "Mã số", "name": "Tên", "issuing_body": "Cơ quan ban hành"}
HEADER_LABELS |= {"agencies": "Cơ quan thực hiện", "fields": "Lĩnh vực"}
IGNORED_COLUMNS = {"stt", "so thu tu"}
HEADER_SEARCH_ROWS = 30  # title rows above the header: a handful in practice

LIST_EXPORT, PORTAL = "list_export", "portal"


@dataclass
class NationalRow:
    """One procedure as the national database gives it, before matching and merging."""

    location: Location
    source: str
    code: str
    name: str
    field_code: str = ""  # the portal gives MaLinhVuc; the list export only names the field
    field_names: list[str] = field(default_factory=list)
    agency_names: list[str] = field(default_factory=list)
    issuing_body: str = ""
    # Further canonical keys the source gives (LayThuTuc): steps, channels, components...
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


# --- cells --------------------------------------------------------------------------------------


def lines(value: Any) -> list[str]:
    """The non-blank lines of a cell, each NFC and single-spaced ("Sở Tư pháp\\nUBND cấp xã" -> 2)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [x for v in value for x in lines(v)]
    return [nfc(line) for line in re.split(r"[\r\n]+", str(value)) if line.strip()]


def code_text(value: Any) -> str:
    """A procedure code as typed: Excel may hold 1.004222 as a number, which `str` would shorten."""
    if isinstance(value, float):
        return f"{value:.6f}"
    return "" if value is None else str(value).strip()


def check_code(code: str) -> list[str]:
    if not code:
        return ["Mã số: bắt buộc (required)"]
    if not CODE_RE.match(code):
        return [f"Mã số: mã thủ tục phải có dạng 1.004222 (got {code!r})"]
    return []


# --- the list export workbook -------------------------------------------------------------------


def _folded_cells(values: tuple) -> list[str]:
    return [fold(str(v)) if v is not None else "" for v in values]


def _header_columns(folded: list[str], where: str) -> dict[str, int]:
    """Column index of each header name; refuses unknown or repeated columns and missing ones."""
    columns: dict[str, int] = {}
    for i, name in enumerate(folded):
        if not name or name in IGNORED_COLUMNS:
            continue
        key = HEADER.get(name)
        if key is None:
            raise CatalogFileError(
                f"{where}: cột “{name}” không thuộc mẫu danh sách TTHC của CSDLQG (unknown column).",
                code="unknown_column",
            )
        if key in columns:
            raise CatalogFileError(
                f"{where}: cột “{HEADER_LABELS[key]}” xuất hiện hai lần (duplicate column).",
                code="duplicate_column",
            )
        columns[key] = i
    missing = [HEADER_LABELS[k] for k in HEADER_LABELS if k not in columns]
    if missing:
        raise CatalogFileError(
            f"{where}: dòng tiêu đề thiếu cột {', '.join(missing)} (missing column).", code="missing_column"
        )
    return columns


def _is_header(folded: list[str]) -> bool:
    names = set(folded)
    return "ma so" in names and "ten" in names


def read_list_export(raw: bytes) -> list[NationalRow] | None:
    """The rows of a national list export, or None when the workbook is not one (another catalogue file).

    A workbook with the national title but no header row, or with a header missing a column, is refused:
    it claims to be the national export and is not readable as one.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise CatalogFileError(
            "Không đọc được tệp Excel: tệp không phải .xlsx hợp lệ (not a valid xlsx file).",
            code="invalid_xlsx",
        ) from exc
    try:
        titled = None
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            for number, values in enumerate(rows, start=1):
                if number > HEADER_SEARCH_ROWS:
                    break
                folded = _folded_cells(values)
                if _is_header(folded):
                    where = f"Trang “{ws.title}”, dòng {number}"
                    columns = _header_columns(folded, where)
                    return _data_rows(ws.title, rows, number, columns)
                if any(fold(TITLE) in cell for cell in folded):
                    titled = ws.title
        if titled is not None:
            raise CatalogFileError(
                f"Trang “{titled}” có tiêu đề “{TITLE}” nhưng không có dòng tiêu đề cột "
                f"{' | '.join(HEADER_LABELS.values())} (missing header row).",
                code="missing_header",
            )
        return None
    finally:
        wb.close()


def _data_rows(sheet: str, rows: Any, header_row: int, columns: dict[str, int]) -> list[NationalRow]:
    found: list[NationalRow] = []
    for number, values in enumerate(rows, start=header_row + 1):
        cells = {key: values[i] if i < len(values) else None for key, i in columns.items()}
        if all(v is None or not str(v).strip() for v in values):
            continue
        code = code_text(cells["code"])
        row = NationalRow(
            location=Location(line=number, sheet=sheet),
            source=LIST_EXPORT,
            code=code,
            name=nfc(" ".join(lines(cells["name"]))),
            field_names=lines(cells["fields"]),
            agency_names=list(dict.fromkeys(lines(cells["agencies"]))),
            issuing_body="; ".join(lines(cells["issuing_body"])),
        )
        row.errors += check_code(code)
        if not row.name:
            row.errors.append("Tên: bắt buộc (required)")
        if not row.field_names:
            row.errors.append("Lĩnh vực: bắt buộc (required)")
        found.append(row)
    if not found:
        raise CatalogFileError(
            f"Trang “{sheet}” không có thủ tục nào dưới dòng tiêu đề (no procedures).", code="empty_file"
        )
    return found


# --- the portal's full record (LayThuTuc) and list items (LayDanhSachTTHC) ----------------------

# National field -> canonical record key: the one place the mapping is defined (ADR 0024).
PORTAL_FIELDS: dict[str, str] = {
    "MaTTHC": "code",
    "TenTTHC": "name",
    "MaLinhVuc": "field.code",
    "TenLinhVuc": "field.name",
    "LoaiTTHC": "kind",
    "CapThucHien": "levels",
    "CoQuanThucHien": "agencies (matched by name)",
    "CoQuanBanHanh": "issuing body (kept with the national record)",
    "NganhDoc": "vertical_sector",
    "ThoiHanGiaiQuyet": "processing_time",
    "DonViTinh": "time_unit",
    "GhiChuThoiHan": "time_note",
    "DoiTuongThucHien": "subjects",
    "YeuCauDieuKien": "requirements",
    "MucDo": "online_level",
    "TrinhTuThucHien": "steps",
    "CachThucThucHien": "channels (+ fees of each channel)",
    "ThanhPhanHoSo": "cases + components",
    "MauDonToKhai": "forms",
    "KetQuaThucHien": "results",
    "CanCuPhapLy": "legal_bases",
}
LEVELS = {"cap bo": "ministry", "cap tinh": "province", "cap huyen": "district", "cap xa": "commune"}
KINDS = {"tthc noi bo": Procedure.Kind.INTERNAL, "noi bo": Procedure.Kind.INTERNAL}
ONLINE = {"4": Procedure.OnlineLevel.FULL, "3": Procedure.OnlineLevel.PARTIAL}
UNITS = {
    "ngay lam viec": TimeUnit.WORKING_DAYS,
    "ngay": TimeUnit.DAYS,
    "gio": TimeUnit.HOURS,
    "gio lam viec": TimeUnit.HOURS,
}
CHANNELS = {
    "truc tiep": Channel.COUNTER,
    "truc tuyen": Channel.ONLINE,
    "dich vu buu chinh": Channel.POSTAL,
    "buu chinh": Channel.POSTAL,
}
FEE_KINDS = {"phi": ProcedureFee.Kind.FEE, "le phi": ProcedureFee.Kind.CHARGE}


class _Reader:
    """Reads one national record; every value it cannot map is recorded as 'NationalField: reason'."""

    def __init__(self, item: Any):
        self.item = item if isinstance(item, dict) else {}
        self.errors: list[str] = [] if isinstance(item, dict) else ["bản ghi phải là đối tượng JSON"]

    def text(self, obj: dict, key: str) -> str:
        value = obj.get(key)
        if value is None:
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.errors.append(f"{key}: phải là chuỗi (must be text)")
            return ""
        # Multi-line national texts (steps, conditions) keep their lines; each line single-spaced.
        return "\n".join(lines(str(value)))

    def items(self, obj: dict, key: str) -> list[dict]:
        value = obj.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.errors.append(f"{key}: phải là danh sách đối tượng (must be a list of objects)")
            return []
        return value

    def coded(self, obj: dict, key: str, table: dict[str, str], default: str) -> str:
        text = self.text(obj, key)
        if not text:
            return default
        found = table.get(fold(text))
        if found is None:
            self.errors.append(f"{key}: giá trị “{text}” không được hỗ trợ (unknown value)")
            return default
        return found

    def number(self, obj: dict, key: str) -> int | float | None:
        value = obj.get(key)
        if value in (None, ""):
            return None
        try:
            number = Decimal(str(value).replace(",", "."))
        except InvalidOperation:
            self.errors.append(f"{key}: phải là số (must be a number)")
            return None
        if not number.is_finite() or number < 0:
            self.errors.append(f"{key}: phải là số không âm (must be a non-negative number)")
            return None
        return int(number) if number == number.to_integral_value() else float(number)

    def day(self, obj: dict, key: str) -> str | None:
        """dd/mm/yyyy (the portal's display form) or yyyy-mm-dd -> ISO."""
        text = self.text(obj, key)
        if not text:
            return None
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, fmt).date().isoformat()
            except ValueError:
                continue
        self.errors.append(f"{key}: ngày phải có dạng dd/mm/yyyy (got {text!r})")
        return None


def from_portal(item: Any, index: int) -> NationalRow:
    """A LayThuTuc full record (or a LayDanhSachTTHC list item, which has only the first six fields)."""
    r = _Reader(item)
    d = r.item
    row = NationalRow(
        location=Location(index=index),
        source=PORTAL,
        code=code_text(d.get("MaTTHC")),
        name=nfc(r.text(d, "TenTTHC")),
        field_code=r.text(d, "MaLinhVuc"),
        field_names=lines(d.get("TenLinhVuc")),
        agency_names=list(dict.fromkeys(lines(d.get("CoQuanThucHien")))),
        issuing_body="; ".join(lines(d.get("CoQuanBanHanh"))),
    )
    row.errors += check_code(row.code)
    if not row.name:
        row.errors.append("TenTTHC: bắt buộc (required)")
    if not row.field_names:
        row.errors.append("TenLinhVuc: bắt buộc (required)")
    row.values = {**_scalars(r, d), **_parts(r, d)}
    row.errors += r.errors
    return row


def _scalars(r: _Reader, d: dict) -> dict[str, Any]:
    """Levels, kind, time limit, subjects, conditions, online level: only those the record states."""
    values: dict[str, Any] = {}
    if "CapThucHien" in d:
        levels = []
        for name in lines(d.get("CapThucHien")):
            level = LEVELS.get(fold(name))
            if level is None:
                r.errors.append(f"CapThucHien: cấp “{name}” không được hỗ trợ (unknown level)")
            else:
                levels.append(level)
        values["levels"] = list(dict.fromkeys(levels))
    if "LoaiTTHC" in d:
        values["kind"] = KINDS.get(fold(r.text(d, "LoaiTTHC")), Procedure.Kind.PUBLIC)
    if "NganhDoc" in d:
        values["vertical_sector"] = bool(d.get("NganhDoc"))
    if "ThoiHanGiaiQuyet" in d:
        values["processing_time"] = r.number(d, "ThoiHanGiaiQuyet")
        values["time_unit"] = r.coded(d, "DonViTinh", UNITS, TimeUnit.WORKING_DAYS)
        values["time_note"] = nfc(r.text(d, "GhiChuThoiHan"))
    if "DoiTuongThucHien" in d:
        values["subjects"] = lines(d.get("DoiTuongThucHien"))
    if "YeuCauDieuKien" in d:
        values["requirements"] = r.text(d, "YeuCauDieuKien")
    if "MucDo" in d:
        values["online_level"] = ONLINE.get(str(d.get("MucDo")).strip(), Procedure.OnlineLevel.NONE)
    return values


def _parts(r: _Reader, d: dict) -> dict[str, Any]:
    """The list parts (steps, channels and fees, cases and components, forms, results, legal bases)."""
    values: dict[str, Any] = {}
    if "TrinhTuThucHien" in d:
        values["steps"] = [
            {"title": nfc(r.text(s, "TenBuoc")), "description": r.text(s, "MoTa")}
            for s in r.items(d, "TrinhTuThucHien")
        ]
    if "CachThucThucHien" in d:
        values["channels"], values["fees"] = _channels(r, d)
    if "ThanhPhanHoSo" in d:
        values["cases"], values["components"] = _components(r, d)
    if "MauDonToKhai" in d:
        values["forms"] = [
            {"code": r.text(f, "MaMau"), "name": nfc(r.text(f, "TenMau")), "url": r.text(f, "DuongDan")}
            for f in r.items(d, "MauDonToKhai")
        ]
    if "KetQuaThucHien" in d:
        values["results"] = [
            {"code": r.text(k, "MaKetQua"), "name": nfc(r.text(k, "TenKetQua")), "paper_required": True}
            for k in r.items(d, "KetQuaThucHien")
        ]
    if "CanCuPhapLy" in d:
        values["legal_bases"] = [
            {
                "number": r.text(b, "SoHieu"),
                "title": nfc(r.text(b, "TrichYeu")),
                "issued_on": r.day(b, "NgayBanHanh"),
                "effective_on": r.day(b, "NgayHieuLuc"),
            }
            for b in r.items(d, "CanCuPhapLy")
        ]
    return values


def _channels(r: _Reader, d: dict) -> tuple[list[dict], list[dict]]:
    """Each channel with its own time limit; its fees become fee rows bound to that channel."""
    channels: list[dict] = []
    fees: list[dict] = []
    for c in r.items(d, "CachThucThucHien"):
        channel = r.coded(c, "KenhThucHien", CHANNELS, "")
        if not channel:
            r.errors.append("CachThucThucHien.KenhThucHien: bắt buộc (required)")
            continue
        channel_fees = []
        for f in r.items(c, "PhiLePhi"):
            amount = r.number(f, "MucPhi") or 0
            channel_fees.append(
                {
                    "kind": r.coded(f, "LoaiPhi", FEE_KINDS, ProcedureFee.Kind.CHARGE),
                    "amount": int(amount),
                    "channel": channel,
                    "description": nfc(r.text(f, "MoTa")),
                    "exemption": nfc(r.text(f, "MienGiam")),
                }
            )
        fees += [f for f in channel_fees if f["amount"] or f["description"]]
        channels.append(
            {
                "channel": channel,
                "processing_time": r.number(c, "ThoiGianGiaiQuyet"),
                "time_unit": r.coded(c, "DonViTinh", UNITS, TimeUnit.WORKING_DAYS),
                "fee": sum(f["amount"] for f in channel_fees),
                "description": r.text(c, "MoTa"),
            }
        )
    return channels, fees


def _components(r: _Reader, d: dict) -> tuple[list[dict], list[dict]]:
    """ThanhPhanHoSo groups papers by case (TruongHop); a group without a case applies to every case."""
    cases: list[dict] = []
    components: list[dict] = []
    for group in r.items(d, "ThanhPhanHoSo"):
        case_name = nfc(r.text(group, "TruongHop"))
        case_code = None
        if case_name:
            case_code = f"TH{len(cases) + 1:02d}"
            cases.append({"code": case_code, "name": case_name})
        for paper in r.items(group, "GiayTo"):
            code = r.text(paper, "MaGiayTo") or f"TP{len(components) + 1:02d}"
            components.append(
                {
                    "code": code,
                    "name": nfc(r.text(paper, "TenGiayTo")),
                    "case": case_code,
                    "originals": int(r.number(paper, "SoBanChinh") or 0),
                    "copies": int(r.number(paper, "SoBanSao") or 0),
                    "required": paper.get("BatBuoc", True) is not False,
                    "form_code": r.text(paper, "MauDon"),
                    "replaceable_by_data": bool(paper.get("ThayTheBangDuLieu", False)),
                    "digitise_required": False,
                }
            )
    return cases, components


def to_portal(record: dict, *, agency_names: list[str], issuing_body: str = "") -> dict[str, Any]:
    """A canonical record in the national field names (the simulator's data set is written with it)."""
    units = {v: k for k, v in {"Ngày làm việc": "working_days", "Ngày": "days", "Giờ": "hours"}.items()}
    levels = {"ministry": "Cấp Bộ", "province": "Cấp Tỉnh", "district": "Cấp Huyện", "commune": "Cấp Xã"}
    channels = {"counter": "Trực tiếp", "online": "Trực tuyến", "postal": "Dịch vụ bưu chính"}
    fee_kinds = {"fee": "Phí", "charge": "Lệ phí", "other": "Lệ phí"}

    def dmy(value: str | None) -> str:
        return date.fromisoformat(value).strftime("%d/%m/%Y") if value else ""

    cases = {c["code"]: c["name"] for c in record["cases"]}
    groups: dict[str | None, list[dict]] = {}
    for c in record["components"]:
        groups.setdefault(c["case"], []).append(
            {
                "MaGiayTo": c["code"],
                "TenGiayTo": c["name"],
                "SoBanChinh": c["originals"],
                "SoBanSao": c["copies"],
                "BatBuoc": c["required"],
                "MauDon": c["form_code"],
                "ThayTheBangDuLieu": c["replaceable_by_data"],
            }
        )
    return {
        "MaTTHC": record["code"],
        "TenTTHC": record["name"],
        "MaLinhVuc": record["field"]["code"],
        "TenLinhVuc": record["field"]["name"],
        "LoaiTTHC": "TTHC nội bộ" if record["kind"] == "internal" else "TTHC",
        "CapThucHien": [levels[lv] for lv in record["levels"]],
        "CoQuanThucHien": agency_names,
        "CoQuanBanHanh": issuing_body,
        "NganhDoc": record["vertical_sector"],
        "ThoiHanGiaiQuyet": record["processing_time"],
        "DonViTinh": units[record["time_unit"]],
        "GhiChuThoiHan": record["time_note"],
        "DoiTuongThucHien": record["subjects"],
        "YeuCauDieuKien": record["requirements"],
        "MucDo": {"full": "4", "partial": "3"}.get(record["online_level"], "2"),
        "TrinhTuThucHien": [{"TenBuoc": s["title"], "MoTa": s["description"]} for s in record["steps"]],
        "CachThucThucHien": [
            {
                "KenhThucHien": channels[c["channel"]],
                "ThoiGianGiaiQuyet": c["processing_time"],
                "DonViTinh": units[c["time_unit"]],
                "MoTa": c["description"],
                "PhiLePhi": [
                    {
                        "LoaiPhi": fee_kinds[f["kind"]],
                        "MucPhi": f["amount"],
                        "MoTa": f["description"],
                        "MienGiam": f["exemption"],
                    }
                    for f in record["fees"]
                    if f["channel"] in ("", c["channel"])
                ],
            }
            for c in record["channels"]
        ],
        "ThanhPhanHoSo": [
            {"TruongHop": cases.get(case, "") if case else "", "GiayTo": papers}
            for case, papers in groups.items()
        ],
        "MauDonToKhai": [
            {"MaMau": f["code"], "TenMau": f["name"], "DuongDan": f["url"]} for f in record["forms"]
        ],
        "KetQuaThucHien": [{"MaKetQua": k["code"], "TenKetQua": k["name"]} for k in record["results"]],
        "CanCuPhapLy": [
            {
                "SoHieu": b["number"],
                "TrichYeu": b["title"],
                "NgayBanHanh": dmy(b["issued_on"]),
                "NgayHieuLuc": dmy(b["effective_on"]),
            }
            for b in record["legal_bases"]
        ],
    }
