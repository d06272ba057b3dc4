"""A dossier change (the outbox payload `dossiers.services.events.change`) as the portal's HoSo object.

The portal's field names (domain.md §1.3) and its `yyyyMMddHHmmss` dates exist only at this edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


# -- Current state read from the database (what the portal transport sends) -------------------------------------
# The transport sends a dossier's state as it stands when the call is built, never a queued snapshot: a later
# state can then never be overtaken by an older one, and several queued changes of one dossier go as one.

# Actions after which the portal needs the whole record again (papers, fees, supplements, results, due date
# replaced): the transport sends DongBoHoSoMC with isUpdating "true" instead of CapNhatTienDoHoSoMC.
REFRESHING_ACTIONS = frozenset(
    {
        "digitise",
        "request_supplement",
        "supplement",
        "request_payment",
        "pay",
        "apologize",
        "complete",
        "return_result",
    }
)


@dataclass(frozen=True)
class PortalState:
    dossier_id: int
    code: str
    version: int  # Dossier.version the item describes (= the seq of its latest event)
    status: int
    actions: tuple[str, ...]  # the actions of the events the item's QuaTrinhXuLy holds, oldest first
    item: dict[str, Any]


def _process_line(d, e) -> dict[str, Any]:
    return {
        "MaHoSo": d.code,
        "NguoiXuLy": e.actor_name,
        "ThoiDiemXuLy": portal_time(e.at),
        "NoiDungXuLy": e.note or e.reason or e.action,
        "PhongBanXuLy": e.agency.name if e.agency_id else "",
        "TrangThai": e.to_status,
        "NgayBatDau": portal_time(e.at),
        "NgayKetThucTheoQuyDinh": portal_time(e.due_at),
    }


def _read(dossier_ids: Iterable[int], since: Mapping[int, int]):
    from motcua.dossiers.models import Dossier
    from motcua.dossiers.services import events as dossier_events

    for d in Dossier.objects.filter(pk__in=list(dossier_ids)).select_related(
        "procedure", "procedure_version", "agency", "receiving_agency", "current_agency"
    ):
        lines = list(
            d.events.filter(seq__gt=since.get(d.pk, 0), seq__lte=d.version)
            .select_related("agency")
            .order_by("seq")
        )
        yield d, lines, dossier_events


def full(dossier_ids: Iterable[int]) -> dict[int, PortalState]:
    """The DongBoHoSoMC item of each dossier's current state; QuaTrinhXuLy holds every event."""
    found = {}
    for d, lines, dossier_events in _read(dossier_ids, {}):
        if not lines:
            continue
        item = hoso(dossier_events.change(d, lines[-1], dossier_events.fee_rows(d)))
        item["QuaTrinhXuLy"] = [_process_line(d, e) for e in lines]
        found[d.pk] = PortalState(d.pk, d.code, d.version, d.status, tuple(e.action for e in lines), item)
    return found


def progress(since: Mapping[int, int]) -> dict[int, PortalState]:
    """The CapNhatTienDoHoSoMC item of each dossier: status, due date and the QuaTrinhXuLy lines of the
    events after version `since[id]` (what the portal acknowledged)."""
    found = {}
    for d, lines, _events in _read(since.keys(), since):
        item = {
            "MaHoSo": d.code,
            "TrangThaiHoSo": d.status,
            "NgayHenTra": portal_time(d.due_at),
            "QuaTrinhXuLy": [_process_line(d, e) for e in lines],
        }
        found[d.pk] = PortalState(d.pk, d.code, d.version, d.status, tuple(e.action for e in lines), item)
    return found
