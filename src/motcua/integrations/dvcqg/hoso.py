"""A dossier change (the outbox payload `dossiers.services.events.change`) as the portal's HoSo object.

The portal's field names (domain.md §1.3) and its `yyyyMMddHHmmss` dates exist only at this edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q

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
# A batch is read in a fixed number of statements whatever its size (ADR 0027), inside one read snapshot, so
# that an item describes exactly the version it names.

# Actions after which the portal needs the whole record again: the transport sends DongBoHoSoMC with
# isUpdating "true" instead of CapNhatTienDoHoSoMC, whose item holds only the status, the due date and the new
# process lines. Every action that changes a field outside those refreshes (machine.py: reception date, refusal
# and finishing dates, papers, fees, supplements, results, due date replaced); only `forward` does not: its
# process line names the unit that now holds the dossier (PhongBanXuLy).
REFRESHING_ACTIONS = frozenset(
    {
        "submit",
        "receive",
        "digitise",
        "accept",
        "refuse",
        "request_supplement",
        "supplement",
        "request_payment",
        "pay",
        "pay_online",
        "refund",
        "apologize",
        "stop",
        "complete",
        "return_result",
        "withdraw",
    }
)

MUC_DO = {"full": 4, "partial": 3, "none": 2}  # MucDo from the procedure's online level
TIME_UNITS = {"working_days": "Ngày làm việc", "days": "Ngày", "hours": "Giờ"}
# DinhDanhCHS / LoaiGiayToChuHoSo: 1 = the 12-digit personal ID, 2 = another number (an organisation's tax code).
PERSONAL_ID, OTHER_ID = 1, 2
FEE_METHODS = {"cash": "Tiền mặt", "transfer": "Chuyển khoản", "online": "Thanh toán trực tuyến"}
SUPPLEMENT_WAITING, SUPPLEMENT_DONE = 0, 1  # TrangThaiBoSung
# ChucDanh of an officer without a title of their own: the role's Vietnamese name (the portal's language).
ROLE_TITLES = {
    "reception": "Cán bộ tiếp nhận một cửa",
    "specialist": "Chuyên viên xử lý",
    "leader": "Lãnh đạo phê duyệt",
    "centre_head": "Lãnh đạo trung tâm",
    "sysadmin": "Quản trị hệ thống",
}

_EVENT_COLUMNS = (
    "dossier_id",
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "from_status",
    "to_status",
    "note",
    "reason",
    "data",
    "due_at",
    "agency__name",
)


_DOSSIER_COLUMNS = (
    "id",
    "code",
    "version",
    "status",
    "procedure_version_id",
    "case_code",
    "channel",
    "summary",
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_tax_code",
    "applicant_birth_date",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "authorised",
    "authorised_name",
    "authorised_id_number",
    "submitted_at",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "refused_at",
    "digitised",
    "vneid_verified",
    "paid_online",
    "national_databases",
    "step",
    "assignee_id",
)
_DOSSIER_JOINS = {
    "procedure_code": F("procedure__code"),
    "procedure_name": F("procedure__name"),
    "agency_identifier": F("agency__identifier"),
    "receiving_identifier": F("receiving_agency__identifier"),
    "current_identifier": F("current_agency__identifier"),
    "assignee_last_name": F("assignee__last_name"),
    "assignee_first_name": F("assignee__first_name"),
    "assignee_username": F("assignee__username"),
}


@dataclass(frozen=True)
class PortalState:
    dossier_id: int
    code: str
    version: int  # Dossier.version the item describes (= the seq of its latest event)
    status: int
    actions: tuple[str, ...]  # the actions of the events the item's QuaTrinhXuLy holds, oldest first
    item: dict[str, Any]


@contextmanager
def _snapshot():
    """One read snapshot for the whole batch (rows, events, papers, fees and results of the same moment).

    Inside a caller's transaction the caller's isolation applies. On PostgreSQL a fresh REPEATABLE READ
    transaction; on SQLite a transaction reads one snapshot from its first read on."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _titles(actor_ids: set[int]) -> dict[int, str]:
    """ChucDanh of each staff account: its assignment's title, else the role's name (first assignment)."""
    from motcua.directory.models import StaffAssignment

    titles: dict[int, str] = {}
    if not actor_ids:
        return titles
    titled: set[int] = set()
    rows = StaffAssignment.objects.filter(user_id__in=actor_ids).order_by("user_id", "id")
    for user_id, title, role in rows.values_list("user_id", "title", "role"):
        if title.strip() and user_id not in titled:
            titles[user_id] = title.strip()
            titled.add(user_id)
        else:
            titles.setdefault(user_id, ROLE_TITLES.get(role, role))
    return titles


def _line(code: str, e: tuple, titles: Mapping[int, str]) -> dict[str, Any]:
    from motcua.dossiers.machine import label_of

    (_d, _seq, at, actor_id, actor, action, from_status, to_status, note, reason, data, due_at, unit) = e
    # A forward into a workflow step carries the step's own deadline; otherwise the dossier's.
    step_due = data.get("step_due_at") if isinstance(data, dict) else None
    line = {
        "MaHoSo": code,
        "NguoiXuLy": actor,
        "ThoiDiemXuLy": portal_time(at),
        "NoiDungXuLy": note or reason or label_of(action, from_status),
        "PhongBanXuLy": unit or "",
        "TrangThai": to_status,
        "NgayBatDau": portal_time(at),
        "NgayKetThucTheoQuyDinh": portal_time(step_due or due_at),
    }
    if actor_id in titles:
        line["ChucDanh"] = titles[actor_id]
    return line


def _supplements(lines: list[tuple]) -> list[dict[str, Any]]:
    """DanhSachHoSoBoSung: each supplement request, with the supplement that answered it."""
    from motcua.dossiers.machine import requested_items

    out: list[dict[str, Any]] = []
    for e in lines:
        action, at, actor, reason, data, due_at = e[5], e[2], e[4], e[9], e[10], e[11]
        if action == "request_supplement":
            items = requested_items(data, reason)
            out.append(
                {
                    "NguoiYeuCauBoSung": actor,
                    "NoiDungBoSung": reason,
                    "NgayBoSung": portal_time(at),
                    "TrangThaiBoSung": SUPPLEMENT_WAITING,
                    "DanhSachGiayToBoSung": [
                        {"TenGiayTo": i["name"], "NoiDungBoSung": i["reason"]} for i in items
                    ],
                    "NgayHenTraTruoc": portal_time(due_at),
                }
            )
        elif action == "supplement" and out and out[-1]["TrangThaiBoSung"] == SUPPLEMENT_WAITING:
            out[-1].update(
                {
                    "NguoiTiepNhanBoSung": actor,
                    "NgayTiepNhanBoSung": portal_time(at),
                    "TrangThaiBoSung": SUPPLEMENT_DONE,
                    "NgayHenTraMoi": portal_time(due_at),
                }
            )
    return out


def _waits(lines: list[tuple]) -> list[tuple[datetime, datetime | None]]:
    """The (request, supplement) intervals during which uploads wait to be handed in."""
    waits: list[tuple[datetime, datetime | None]] = []
    for e in lines:
        if e[5] == "request_supplement":
            waits.append((e[2], None))
        elif e[5] == "supplement" and waits and waits[-1][1] is None:
            waits[-1] = (waits[-1][0], e[2])
    return waits


def _papers(d, files: list[tuple], lines: list[tuple], file_url: str) -> list[dict[str, Any]]:
    """TaiLieuNop: the papers of the record at `d.version` (not those still waiting for a supplement)."""
    waits = _waits(lines)
    out = []
    for file_id, seq, uploaded_at, name, part, digitised, reused, replacing in files:
        if seq is not None and seq > d.version:
            continue
        if seq is None and any(
            start <= uploaded_at and (end is None or uploaded_at <= end) for start, end in waits
        ):
            continue  # uploaded for a supplement and not handed in
        paper = {
            "TepDinhKemId": str(file_id),
            "TenTepDinhKem": name,
            # Behind the API's permission check (api:dossier_file): never a public link.
            "DuongDanTaiTepTin": file_url.format(code=d.code, file_id=file_id),
            "DuocSoHoa": 1 if digitised else 0,
            "DuocTaiSuDung": reused,
            "DuocLayTuKhoDMQG": 1 if reused == NATIONAL_REUSE else 0,
            # Removal is allowed only before a paper is part of the record, and deletes it.
            "IsDeleted": 0,
        }
        if part:
            paper["MaThanhPhanHoSo"] = part
        if replacing:
            paper["MaKetQuaThayThe"] = replacing
        out.append(paper)
    return out


NATIONAL_REUSE = 2  # dossiers.models.Reuse.NATIONAL: a paper taken from the DVCQG warehouse


def _results(d, results: list[tuple], result_url: str) -> list[dict[str, Any]]:
    out = []
    for code, name, signed_by, signed_at, issuer in results:
        out.append(
            {
                "MaGiayToKetQua": code,
                "TenGiayTo": name,
                "DuongDanTepTinKetQua": result_url.format(code=d.code, result_code=code),
                "SoKyHieu": code,
                "NguoiKy": signed_by,
                "NgayKy": portal_time(signed_at),
                "CoQuanBanHanh": issuer,
                "NgayBanHanh": portal_time(signed_at),
            }
        )
    return out


def _fees(fees: list[tuple]) -> list[dict[str, Any]]:
    out = []
    for name, kind, amount, method in fees:
        fee = {"TenPhiLePhi": name, "LoaiPhiLePhi": kind, "Gia": amount}
        if method:
            fee["HinhThucThu"] = FEE_METHODS.get(method, method)
        out.append(fee)
    return out


def _applicant(d) -> dict[str, Any]:
    number = d.applicant_id_number or d.applicant_tax_code
    kind = PERSONAL_ID if d.applicant_id_number else OTHER_ID
    item: dict[str, Any] = {
        "LoaiDoiTuong": "1" if d.applicant_kind == "citizen" else "2",
        "ChuHoSo": d.applicant_name,  # stored family name first, as typed or read from VNeID
        "SoGiayToChuHoSo": number,
        "SoDienThoai": d.applicant_phone,
        "Email": d.applicant_email,
    }
    if number:
        item["LoaiGiayToChuHoSo"] = kind
        item["DinhDanhCHS"] = [{"LoaiDinhDanh": kind, "SoDinhDanh": number}]
    if d.applicant_birth_date:
        item["NgaySinhChuHoSo"] = d.applicant_birth_date.strftime("%Y%m%d") + "000000"
    if d.applicant_address:
        item["DiaChi"] = d.applicant_address
    item["UyQuyen"] = 1 if d.authorised else 0
    if d.authorised:
        item["NguoiUyQuyen"] = d.authorised_name
        if d.authorised_id_number:
            item["SoGiayToNguoiUyQuyen"] = d.authorised_id_number
    return item


def _identity(d, record: Mapping[str, Any]) -> dict[str, Any]:
    from motcua.dossiers.deadlines import CHANNEL_NAMES

    field = record.get("field") or {}
    item: dict[str, Any] = {
        "MaHoSo": d.code,
        "MaTTHC": d.procedure_code,
        "TenTTHC": d.procedure_name,
        "MaLinhVuc": field.get("code", ""),
        "TenLinhVuc": field.get("name", ""),
        "MaTruongHop": d.case_code,
        "KenhThucHien": d.channel,
        "MaDinhDanh": d.receiving_identifier,
        "DonViXuLy": d.current_identifier,
        "MaCoQuanThucHien": d.agency_identifier,
        "TrichYeuHoSo": d.summary,
    }
    case = next((c for c in record.get("cases") or [] if c.get("code") == d.case_code), None)
    if case and d.case_code:
        item["TenTruongHop"] = case.get("name", "")
    level = MUC_DO.get(record.get("online_level") or "")
    if level:
        item["MucDo"] = level
    if d.channel == 2:
        item["NoiNopHoSo"] = "2"  # the ministry's or province's own portal (motcua), not DVCQG
    # The processing time the due date was computed from: the channel's own when the record has one.
    time, unit = record.get("processing_time"), record.get("time_unit")
    for c in record.get("channels") or []:
        if c.get("channel") == CHANNEL_NAMES.get(d.channel) and c.get("processing_time") not in (None, ""):
            time, unit = c["processing_time"], c.get("time_unit")
            break
    if time not in (None, ""):
        item["ThoiGianThucHien"] = _number(Decimal(str(time)))
        item["LoaiThoiGianThucHien"] = TIME_UNITS.get(unit or "working_days", unit)
    return item


def _full_item(d, record, lines, titles, files, fees, results, urls) -> dict[str, Any]:
    item = _identity(d, record)
    item.update(_applicant(d))
    item.update(
        {
            "TrangThaiHoSo": d.status,
            "NgayNopHoSo": portal_time(d.submitted_at),
            "NgayTiepNhan": portal_time(d.received_at),
            "NgayHenTra": portal_time(d.due_at),
            "NgayKetThucXuLy": portal_time(d.finished_at),
            "NgayTra": portal_time(d.returned_at),
            "NgayTuChoi": portal_time(d.refused_at),
            "HoSoCoThanhPhanSoHoa": 1 if d.digitised else 0,
            "TaiKhoanDuocXacThucVoiVNeID": 1 if d.vneid_verified else 0,
            "DuocThanhToanTrucTuyen": d.paid_online,
            "DSKetNoiCSDL": [{"MaCSDL": str(c)} for c in d.national_databases or []],
            "BuocHienTai": d.step,
        }
    )
    if d.assignee_id:
        # Family name first (names.full_name), the account name when it has no name.
        name = " ".join(p.strip() for p in (d.assignee_last_name, d.assignee_first_name) if p and p.strip())
        item["NguoiDangXuLy"] = name or d.assignee_username
    requests = [e for e in lines if e[5] == "request_supplement"]
    if requests:
        item["NgayYeuCauBoSung"] = portal_time(requests[-1][2])
    answers = [e for e in lines if e[5] == "supplement"]
    if answers:
        item["NgayCongDanBoSung"] = portal_time(answers[-1][2])
    item["TaiLieuNop"] = _papers(d, files, lines, urls[0])
    item["DanhSachLePhi"] = _fees(fees)
    item["DanhSachHoSoBoSung"] = _supplements(lines)
    item["DanhSachGiayToKetQua"] = _results(d, results, urls[1])
    item["QuaTrinhXuLy"] = [_line(d.code, e, titles) for e in lines]
    return item


def _urls() -> tuple[str, str]:
    """Templates of the papers' and the results' download addresses (each behind the API's permissions)."""
    from django.conf import settings
    from django.urls import reverse

    files = reverse("api:dossier_file", kwargs={"code": "CODE", "file_id": 987654321})
    results = reverse("api:result_file", kwargs={"code": "CODE", "result_code": "RESULT"})
    site = settings.SITE_URL
    return (
        site + files.replace("CODE", "{code}").replace("987654321", "{file_id}"),
        site + results.replace("CODE", "{code}").replace("RESULT", "{result_code}"),
    )


def _group(rows, key: int = 0) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = {}
    for r in rows:
        out.setdefault(r[key], []).append(r)
    return out


def full(dossier_ids: Iterable[int]) -> dict[int, PortalState]:
    """The DongBoHoSoMC item of each dossier's current state; QuaTrinhXuLy holds every event.

    Seven statements for a whole batch (eight on PostgreSQL, which opens the snapshot first)."""
    from motcua.catalog.models import ProcedureVersion
    from motcua.documents.models import Result
    from motcua.dossiers.models import Dossier, DossierEvent, DossierFee, DossierFile

    ids = list(dossier_ids)
    if not ids:
        return {}
    with _snapshot():
        # Plain rows, not model instances: six models a dossier would cost more than building its item.
        dossiers = [
            SimpleNamespace(pk=row["id"], **row)
            for row in Dossier.objects.filter(pk__in=ids)
            .order_by()
            .values(*_DOSSIER_COLUMNS, **_DOSSIER_JOINS)
        ]
        versions = {d.procedure_version_id for d in dossiers}
        records = dict(ProcedureVersion.objects.filter(pk__in=versions).values_list("id", "record"))
        events = _group(
            DossierEvent.objects.filter(dossier_id__in=ids)
            .order_by("dossier_id", "seq")
            .values_list(*_EVENT_COLUMNS)
        )
        files = _group(
            DossierFile.objects.filter(dossier_id__in=ids)
            .order_by("dossier_id", "id")
            .values_list(
                "dossier_id",
                "id",
                "event_seq",
                "uploaded_at",
                "name",
                "component__code",
                "digitised",
                "reused",
                "replacing_result",
            )
        )
        fees = _group(
            DossierFee.objects.filter(dossier_id__in=ids)
            .order_by("dossier_id", "id")
            .values_list("dossier_id", "name", "kind", "amount", "method")
        )
        # A revoked result is no longer valid: it leaves the list the owner's warehouse shows.
        results = _group(
            Result.objects.filter(dossier_id__in=ids, revoked_at__isnull=True)
            .order_by("dossier_id", "n")
            .values_list("dossier_id", "code", "name", "signed_by", "signed_at", "issuing_agency__name")
        )
        titles = _titles({e[3] for rows in events.values() for e in rows if e[3] is not None})
    urls = _urls()
    found = {}
    for d in dossiers:
        lines = [e for e in events.get(d.pk, ()) if e[1] <= d.version]
        if not lines:
            continue
        item = _full_item(
            d,
            records.get(d.procedure_version_id) or {},
            lines,
            titles,
            [f[1:] for f in files.get(d.pk, ())],
            [f[1:] for f in fees.get(d.pk, ())],
            [r[1:] for r in results.get(d.pk, ())],
            urls,
        )
        found[d.pk] = PortalState(d.pk, d.code, d.version, d.status, tuple(e[5] for e in lines), item)
    return found


def progress(since: Mapping[int, int]) -> dict[int, PortalState]:
    """The CapNhatTienDoHoSoMC item of each dossier: status, due date and the QuaTrinhXuLy lines of the
    events after version `since[id]` (what the portal acknowledged). Three statements for a whole batch
    (four on PostgreSQL)."""
    from motcua.dossiers.models import Dossier, DossierEvent

    if not since:
        return {}
    with _snapshot():
        dossiers = list(
            Dossier.objects.filter(pk__in=list(since))
            .order_by()
            .values_list("id", "code", "version", "status", "due_at")
        )
        after = Q()
        for pk, seq in since.items():
            after |= Q(dossier_id=pk, seq__gt=seq)
        events = _group(
            DossierEvent.objects.filter(after).order_by("dossier_id", "seq").values_list(*_EVENT_COLUMNS)
        )
        titles = _titles({e[3] for rows in events.values() for e in rows if e[3] is not None})
    found = {}
    for pk, code, version, status, due_at in dossiers:
        lines = [e for e in events.get(pk, ()) if e[1] <= version]
        item = {
            "MaHoSo": code,
            "TrangThaiHoSo": status,
            "NgayHenTra": portal_time(due_at),
            "QuaTrinhXuLy": [_line(code, e, titles) for e in lines],
        }
        found[pk] = PortalState(pk, code, version, status, tuple(e[5] for e in lines), item)
    return found
