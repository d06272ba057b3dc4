"""A dossier change (the outbox payload `dossiers.services.events.change`) as the portal's HoSo object.

The portal's field names (domain.md §1.3) and its `yyyyMMddHHmmss` dates exist only at this edge.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from motcua.core.formatting import LOCAL_TZ


def portal_time(value: str | datetime | None) -> str:
    """yyyyMMddHHmmss in Vietnam time on a 24-hour clock; '' for no date."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(LOCAL_TZ).strftime("%Y%m%d%H%M%S")


def hoso(change: dict[str, Any]) -> dict[str, Any]:
    """The HoSo fields of one status change (domain.md §1.3, §7.1)."""
    d, e = change["dossier"], change["event"]
    applicant, authorised = d["applicant"], d["authorised"]
    return {
        "MaHoSo": d["code"],
        "MaTTHC": d["procedure"]["code"],
        "TenTTHC": d["procedure"]["name"],
        "MaLinhVuc": d["field"]["code"],
        "TenLinhVuc": d["field"]["name"],
        "MaTruongHop": d["case"],
        "KenhThucHien": d["channel"],
        "MaDinhDanh": d["receiving_agency"],
        "DonViXuLy": d["current_agency"]["identifier"],
        "MaCoQuanThucHien": d["agency"],
        "LoaiDoiTuong": "1" if applicant["kind"] == "citizen" else "2",
        "ChuHoSo": applicant["name"],
        "SoGiayToChuHoSo": applicant["id_number"] or applicant["tax_code"],
        "SoDienThoai": applicant["phone"],
        "Email": applicant["email"],
        "UyQuyen": 1 if authorised else 0,
        "NguoiUyQuyen": authorised["name"] if authorised else "",
        "TrichYeuHoSo": d["summary"],
        "TrangThaiHoSo": d["status"],
        "NgayNopHoSo": portal_time(d["submitted_at"]),
        "NgayTiepNhan": portal_time(d["received_at"]),
        "NgayHenTra": portal_time(d["due_at"]),
        "NgayKetThucXuLy": portal_time(d["finished_at"]),
        "NgayTra": portal_time(d["returned_at"]),
        "NgayTuChoi": portal_time(d["refused_at"]),
        "HoSoCoThanhPhanSoHoa": 1 if d["digitised"] else 0,
        "TaiKhoanDuocXacThucVoiVNeID": 1 if d["vneid_verified"] else 0,
        "DuocThanhToanTrucTuyen": d["paid_online"],
        "DanhSachLePhi": [
            {"TenPhiLePhi": f["name"], "LoaiPhiLePhi": f["kind"], "Gia": f["amount"]} for f in d["fees"]
        ],
        "QuaTrinhXuLy": [
            {
                "MaHoSo": d["code"],
                "NguoiXuLy": e["actor"],
                "ThoiDiemXuLy": portal_time(e["at"]),
                "NoiDungXuLy": e["note"] or e["reason"] or e["label"],
                "PhongBanXuLy": d["current_agency"]["name"],
                "TrangThai": e["to_status"],
                "NgayBatDau": portal_time(e["at"]),
                # The step's deadline where the internal workflow gives one, else the dossier's.
                "NgayKetThucTheoQuyDinh": portal_time(d["step_due_at"] or e["due_at"]),
            }
        ],
    }
