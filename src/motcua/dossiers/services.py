"""The only door for dossier state changes: `submit_dossier` and `perform` (ADR 0004).

Each call validates its input (422), checks role and scope (403) and state (409) through the machine
table, then in ONE transaction updates the row, appends one `DossierEvent` and enqueues one outbox
message for the national portal. A refused call changes nothing. Every function takes `at` (the clock)
so that tests and the demo history can drive time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.core import statements
from motcua.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from motcua.core.formatting import LOCAL_TZ
from motcua.core.identity import check_personal_id, check_tax_code
from motcua.core.text import fold, nfc
from motcua.directory import selectors as directory
from motcua.directory.models import Agency, Applicant, Role, StaffAssignment
from motcua.integrations import outbox

from . import machine, permissions, workflows
from .codes import next_code
from .machine import APPLICANT, CLOCK_STATUSES, RECEPTION, Status
from .models import (
    ApplicantKind,
    Channel,
    Dossier,
    DossierComponent,
    DossierEvent,
    DossierFee,
    DossierFile,
    OnlinePayment,
)

OUTBOX_TOPIC = "dossier.status"
CHANNEL_NAMES = {Channel.COUNTER: "counter", Channel.ONLINE: "online", Channel.POSTAL: "postal"}
PUBLISHED = (Procedure.PublicationState.PUBLISHED, Procedure.PublicationState.PUBLISHED_AMENDED)
MAX_TEXT = 5000
MAX_AMOUNT = 10**12


# ------------------------------------------------------------------------------------------ input helpers
def _text(value: Any, field: str, *, required: bool = False, max_len: int = 500) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed(f"Thiếu '{field}'.", code="missing_field", details={"field": field})
        return ""
    if not isinstance(value, str):
        raise ValidationFailed(
            f"'{field}' phải là chuỗi ký tự.", code="invalid_field", details={"field": field}
        )
    if "\x00" in value:  # no database text column takes NUL (PostgreSQL refuses it)
        raise ValidationFailed(
            f"'{field}' chứa ký tự không hợp lệ.", code="invalid_field", details={"field": field}
        )
    value = nfc(value) if "\n" not in value else value.strip()
    if len(value) > max_len:
        raise ValidationFailed(
            f"'{field}' dài quá {max_len} ký tự.", code="invalid_field", details={"field": field}
        )
    return value


def _int(value: Any, field: str, *, minimum: int, maximum: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValidationFailed(
            f"'{field}' phải là số nguyên từ {minimum} đến {maximum}.",
            code="invalid_field",
            details={"field": field},
        )
    return value


def _moment(value: Any, field: str) -> datetime:
    parsed = value if isinstance(value, datetime) else None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValidationFailed(
            f"'{field}' phải là thời điểm ISO 8601, ví dụ 2025-08-15T16:00:00+07:00.",
            code="invalid_field",
            details={"field": field},
        )
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=LOCAL_TZ)


def _day(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    parsed = None
    if isinstance(value, str):
        try:
            parsed = parse_date(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValidationFailed(
            f"'{field}' phải là ngày dạng YYYY-MM-DD.", code="invalid_field", details={"field": field}
        )
    return parsed


def _now(at: datetime | None) -> datetime:
    if at is None:
        return timezone.now()
    return at if timezone.is_aware(at) else at.replace(tzinfo=LOCAL_TZ)


def actor_name(user) -> str:
    if user is None:
        return "Hệ thống"
    name = user.get_full_name()
    if not name:  # only then the applicant record (a staff account has no such row: no lookup)
        applicant = directory.applicant_of(user)
        name = (applicant.full_name if applicant else "") or user.get_username()
    return name[:200]


def processing_time(version: ProcedureVersion, channel: int) -> tuple[Decimal, str] | None:
    """(amount, unit) of the procedure version for this channel: the channel's own time when it has one."""
    record = version.record
    for c in record.get("channels") or []:
        if c.get("channel") == CHANNEL_NAMES.get(channel) and c.get("processing_time") not in (None, ""):
            return Decimal(str(c["processing_time"])), c.get("time_unit") or "working_days"
    if record.get("processing_time") in (None, ""):
        return None
    return Decimal(str(record["processing_time"])), record.get("time_unit") or "working_days"


def compute_due(dossier: Dossier, received_at: datetime) -> datetime | None:
    limit = processing_time(dossier.procedure_version, dossier.channel)
    if limit is None or limit[0] <= 0:
        return None
    return permissions.calendar_of(dossier).add(received_at, limit[0], limit[1])


# ------------------------------------------------------------------------------------- version cache
# Published versions are immutable snapshots (catalog.records.snapshot only ever adds one): their record
# (a large JSON document) is decoded once per process, not on every action. Keys: version id, and
# (procedure id, Procedure.version) for "the latest version". Any version written or deleted in this
# process drops the cache (test databases roll back and reuse ids on SQLite); other processes only add
# versions with new ids and a new Procedure.version, so an entry never goes stale.
_VERSIONS: dict[int, ProcedureVersion] = {}
_LATEST: dict[tuple[int, int], ProcedureVersion] = {}
_CACHE_MAX = 2048


def forget_versions(*args: Any, **kwargs: Any) -> None:
    _VERSIONS.clear()
    _LATEST.clear()


post_save.connect(forget_versions, sender=ProcedureVersion, dispatch_uid="motcua.dossiers.versions.save")
post_delete.connect(forget_versions, sender=ProcedureVersion, dispatch_uid="motcua.dossiers.versions.delete")


def _remember(version: ProcedureVersion) -> ProcedureVersion:
    if len(_VERSIONS) >= _CACHE_MAX:
        forget_versions()
    _VERSIONS[version.pk] = version
    return version


def version_by_id(version_id: int) -> ProcedureVersion:
    """The version row (shared, read-only: never change or save it)."""
    version = _VERSIONS.get(version_id)
    return version if version is not None else _remember(ProcedureVersion.objects.get(pk=version_id))


def latest_version(procedure: Procedure) -> ProcedureVersion | None:
    """The procedure's newest version: cached while `Procedure.version` still names it."""
    key = (procedure.pk, procedure.version)
    version = _LATEST.get(key)
    if version is not None:
        return version
    version = procedure.versions.order_by("-number").first()
    if version is not None and version.number == procedure.version:
        _LATEST[key] = _remember(version)
    return version


# ------------------------------------------------------------------------------------- national portal
def portal_time(value: datetime | None) -> str:
    """yyyyMMddHHmmss in local time: the national portal's format, used only at this edge."""
    return value.astimezone(LOCAL_TZ).strftime("%Y%m%d%H%M%S") if value else ""


def _fee_rows(d: Dossier) -> list[tuple[str, str, int]]:
    # Every fee row has a positive amount (catalogue amounts are >= 0 and only non-zero ones are copied;
    # request_payment takes >= 1), so a dossier with nothing to pay has no fee rows to read.
    if not d.fee_total:
        return []

    def build(conn):
        qn = conn.ops.quote_name
        return (
            f"SELECT {qn('name')}, {qn('kind')}, {qn('amount')} FROM {qn(DossierFee._meta.db_table)} "
            f"WHERE {qn('dossier_id')} = %s ORDER BY {qn('id')} ASC"
        )

    conn, sql = statements.plan("dossier:fees", build)
    # d.fees.values_list("name", "kind", "amount"), precompiled
    return [tuple(row) for row in statements.execute(conn, sql, [d.pk])]


def sync_payload(
    d: Dossier, event: DossierEvent, fees: list[tuple[str, str, int]] | None = None
) -> dict[str, Any]:
    """The DVCQG-style fields of one status change (domain.md §1.3, §7.1).

    `fees`: the dossier's (name, kind, amount) rows in id order when the caller already has them.
    """
    record = d.procedure_version.record
    field = record.get("field") or {}
    if fees is None:
        fees = _fee_rows(d)
    return {
        "MaHoSo": d.code,
        "MaTTHC": d.procedure.code,
        "TenTTHC": d.procedure.name,
        "MaLinhVuc": field.get("code", ""),
        "TenLinhVuc": field.get("name", ""),
        "MaTruongHop": d.case_code,
        "KenhThucHien": d.channel,
        "MaDinhDanh": d.receiving_agency.identifier,
        "DonViXuLy": d.current_agency.identifier,
        "MaCoQuanThucHien": d.agency.identifier,
        "LoaiDoiTuong": "1" if d.applicant_kind == ApplicantKind.CITIZEN else "2",
        "ChuHoSo": d.applicant_name,
        "SoGiayToChuHoSo": d.applicant_id_number or d.applicant_tax_code,
        "SoDienThoai": d.applicant_phone,
        "Email": d.applicant_email,
        "UyQuyen": 1 if d.authorised else 0,
        "NguoiUyQuyen": d.authorised_name,
        "TrichYeuHoSo": d.summary,
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
        "DanhSachLePhi": [
            {"TenPhiLePhi": name, "LoaiPhiLePhi": kind, "Gia": amount} for name, kind, amount in fees
        ],
        "QuaTrinhXuLy": [
            {
                "MaHoSo": d.code,
                "NguoiXuLy": event.actor_name,
                "ThoiDiemXuLy": portal_time(event.at),
                "NoiDungXuLy": event.note
                or event.reason
                or machine.label_of(event.action, event.from_status),
                "PhongBanXuLy": d.current_agency.name,
                "TrangThai": event.to_status,
                "NgayBatDau": portal_time(event.at),
                # The step's deadline where the internal workflow gives one, else the dossier's.
                "NgayKetThucTheoQuyDinh": portal_time(d.step_due_at or event.due_at),
            }
        ],
    }


def _append(
    d: Dossier,
    seq: int,
    actor,
    action: str,
    from_status: int | None,
    *,
    at: datetime,
    note: str = "",
    reason: str = "",
    data: dict | None = None,
    fees: list[tuple[str, str, int]] | None = None,
) -> DossierEvent:
    event = statements.new(
        DossierEvent,
        dossier=d,
        seq=seq,
        at=at,
        actor=actor,
        actor_name=actor_name(actor),
        action=action,
        from_status=from_status,
        to_status=d.status,
        note=note,
        reason=reason,
        data=data or {},
        due_at=d.due_at,
        agency=d.current_agency,
    )
    statements.insert(event)
    outbox.enqueue(
        OUTBOX_TOPIC, d.code, sync_payload(d, event, fees), idempotency_key=f"{d.code}:{seq}", at=at
    )
    return event


# ------------------------------------------------------------------------------------------ hot statements
# The fixed statements of intake and actions, built once per database by motcua.core.statements.

# What a dossier needs of its procedure (its checks, the portal payload, the API): the wide text and JSON
# columns (search text, requirements, subjects) stay deferred, as with `.only(...)`.
PROCEDURE_COLUMNS = ("id", "code", "name", "publication_state", "version", "field_id")


# The competent agency is loaded whole (its working windows make the calendar); the receiving and current
# agencies, when they are other agencies, with what an action and its payload read (the rest deferred).
AGENCY_COLUMNS = ("id", "identifier", "name", "parent_id", "level", "kind", "province_id", "is_active")
_LOCK_JOINS = (
    ("agency", "a1", None),
    ("receiving_agency", "a2", AGENCY_COLUMNS),
    ("current_agency", "a3", AGENCY_COLUMNS),
    ("procedure", "p", PROCEDURE_COLUMNS),
)


def _build_lock(conn):
    qn = conn.ops.quote_name
    select, loaders = [], []
    cols, load = statements.columns(Dossier, "d", conn)
    select.append(cols)
    loaders.append((None, load, load.width))
    joins = []
    for name, alias, only in _LOCK_JOINS:
        field = Dossier._meta.get_field(name)
        target = field.related_model
        cols, load = statements.columns(target, alias, conn, only)
        select.append(cols)
        loaders.append((field, load, load.width))
        joins.append(
            f"INNER JOIN {qn(target._meta.db_table)} {alias} "
            f"ON {alias}.{qn(target._meta.pk.column)} = d.{qn(field.column)}"
        )
    sql = (
        f"SELECT {', '.join(select)} FROM {qn(Dossier._meta.db_table)} d {' '.join(joins)} "
        f"WHERE d.{qn(Dossier._meta.get_field('code').column)} = %s"
    )
    if conn.features.has_select_for_update:
        sql += " FOR UPDATE OF d" if conn.features.has_select_for_update_of else " FOR UPDATE"
    return sql, loaders


def _select_locked(code: str) -> Dossier | None:
    """`select_related(agencies, procedure).select_for_update(of=self).get(code=code)`, precompiled."""
    conn, (sql, loaders) = statements.plan("lock:dossier", _build_lock)
    rows = statements.execute(conn, sql, [code])
    if not rows:
        return None
    row = rows[0]
    offset, d, loaded = 0, None, {}
    for field, load, width in loaders:
        if field is None:
            d = load(row, offset)
        else:  # the three agencies are mostly one: one (read-only) instance per row, as the ORM's cache would
            key = (field.related_model, getattr(d, field.attname))
            obj = loaded.get(key)
            if obj is None:
                obj = loaded[key] = load(row, offset)
            field.set_cached_value(d, obj)
        offset += width
    return d


def _procedure_with_agencies(code: str) -> tuple[Procedure | None, list[Agency]]:
    """The procedure with this code (PROCEDURE_COLUMNS only) and its implementing agencies (by identifier),
    in one statement: `Procedure.objects.only(...).get(code=...)` and `list(procedure.agencies.all())`."""

    def build(conn):
        qn = conn.ops.quote_name
        m2m = Procedure._meta.get_field("agencies")
        pcols, pload = statements.columns(Procedure, "p", conn, PROCEDURE_COLUMNS)
        acols, aload = statements.columns(Agency, "a", conn)
        return (
            (
                f"SELECT {pcols}, {acols} FROM {qn(Procedure._meta.db_table)} p "
                f"LEFT JOIN {qn(m2m.m2m_db_table())} m ON m.{qn(m2m.m2m_column_name())} = p.{qn('id')} "
                f"LEFT JOIN {qn(Agency._meta.db_table)} a ON a.{qn('id')} = m.{qn(m2m.m2m_reverse_name())} "
                f"WHERE p.{qn('code')} = %s ORDER BY a.{qn('identifier')} ASC"
            ),
            pload,
            aload,
        )

    conn, (sql, pload, aload) = statements.plan("procedure:with-agencies", build)
    rows = statements.execute(conn, sql, [code])
    if not rows:
        return None, []
    return pload(rows[0]), [aload(row, pload.width) for row in rows if row[pload.width] is not None]


def _account_of(id_number: str) -> int | None:
    """The user id of the citizen account with this personal ID, if any (the first registered)."""

    def build(conn):
        qn = conn.ops.quote_name
        return (
            f"SELECT {qn('user_id')} FROM {qn(Applicant._meta.db_table)} WHERE {qn('id_number')} = %s "
            f"ORDER BY {qn('id')} ASC LIMIT 1"
        )

    conn, sql = statements.plan("applicant:account", build)
    rows = statements.execute(conn, sql, [id_number])
    return rows[0][0] if rows else None


# -------------------------------------------------------------------------------------------- submission
def _applicant_data(actor, raw: Any, channel: int) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationFailed(
            "'applicant' phải là một đối tượng.", code="invalid_field", details={"field": "applicant"}
        )
    own = directory.applicant_of(actor) if channel != Channel.COUNTER else None
    if own is not None:  # a citizen's own account fills what the form leaves out
        defaults = {
            "kind": own.kind,
            "name": own.full_name,
            "id_number": own.id_number,
            "tax_code": own.tax_code,
            "birth_date": own.birth_date,
            "phone": own.phone,
            "email": own.email,
            "address": own.address,
        }
        raw = {**defaults, **{k: v for k, v in raw.items() if v not in (None, "")}}
    kind = raw.get("kind") or ApplicantKind.CITIZEN
    if kind not in ApplicantKind.values:
        raise ValidationFailed(
            "'applicant.kind' phải là citizen hoặc organisation.",
            code="invalid_field",
            details={"field": "applicant.kind"},
        )
    out = {
        "applicant_kind": kind,
        "applicant_name": _text(raw.get("name"), "applicant.name", required=True, max_len=200),
        "applicant_birth_date": _day(raw.get("birth_date"), "applicant.birth_date"),
        "applicant_phone": _text(raw.get("phone"), "applicant.phone", max_len=20),
        "applicant_email": _text(raw.get("email"), "applicant.email", max_len=254),
        "applicant_address": _text(raw.get("address"), "applicant.address", max_len=300),
        "applicant_id_number": "",
        "applicant_tax_code": "",
    }
    if out["applicant_email"] and "@" not in out["applicant_email"]:
        raise ValidationFailed(
            "Địa chỉ email không hợp lệ.", code="invalid_field", details={"field": "applicant.email"}
        )
    if kind == ApplicantKind.CITIZEN:
        out["applicant_id_number"] = check_personal_id(
            _text(raw.get("id_number"), "applicant.id_number", required=True, max_len=20),
            birth_date=out["applicant_birth_date"],
        )
    else:
        out["applicant_tax_code"] = check_tax_code(
            _text(raw.get("tax_code"), "applicant.tax_code", required=True, max_len=20)
        )
        if raw.get("id_number"):  # the organisation's representative, optional
            out["applicant_id_number"] = check_personal_id(_text(raw.get("id_number"), "applicant.id_number"))
    return out


def _authorised_data(raw: Any) -> dict[str, Any]:
    if raw in (None, False, {}):
        return {"authorised": False, "authorised_name": "", "authorised_id_number": ""}
    if not isinstance(raw, dict):
        raise ValidationFailed(
            "'authorised' phải là đối tượng {name, id_number}.",
            code="invalid_field",
            details={"field": "authorised"},
        )
    return {
        "authorised": True,
        "authorised_name": _text(raw.get("name"), "authorised.name", required=True, max_len=200),
        "authorised_id_number": check_personal_id(
            _text(raw.get("id_number"), "authorised.id_number", required=True, max_len=20)
        ),
    }


def _components(version: ProcedureVersion, case_code: str, raw: Any) -> list[DossierComponent]:
    if raw is None:
        raw = []
    if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
        raise ValidationFailed(
            "'components' phải là danh sách {code, copies}.",
            code="invalid_field",
            details={"field": "components"},
        )
    known = {
        c["code"]: c for c in version.record.get("components") or [] if c.get("case") in (None, "", case_code)
    }
    given: dict[str, int] = {}
    for i, item in enumerate(raw):
        code = _text(item.get("code"), f"components[{i}].code", required=True, max_len=40)
        if code not in known:
            other = next((c for c in version.record.get("components") or [] if c["code"] == code), None)
            message = (
                f"Thành phần hồ sơ '{code}' thuộc trường hợp '{other.get('case')}', không thuộc trường hợp "
                f"'{case_code}' của hồ sơ này."
                if other is not None
                else f"Thành phần hồ sơ '{code}' không thuộc thủ tục này."
            )
            raise ValidationFailed(
                message, code="unknown_component", details={"field": f"components[{i}].code"}
            )
        if code in given:
            raise ValidationFailed(
                f"Thành phần hồ sơ '{code}' khai hai lần.",
                code="duplicate_component",
                details={"field": f"components[{i}].code"},
            )
        given[code] = _int(item.get("copies", 1), f"components[{i}].copies", minimum=1, maximum=100)
    missing = [c["name"] for code, c in known.items() if c.get("required", True) and code not in given]
    if missing:
        raise ValidationFailed(
            "Thiếu thành phần hồ sơ bắt buộc: " + "; ".join(missing) + ".",
            code="missing_component",
            details={"missing": missing},
        )
    order = {code: i for i, code in enumerate(known)}
    return [
        statements.new(
            DossierComponent,
            code=code,
            name=known[code]["name"],
            copies=copies,
            required=bool(known[code].get("required", True)),
            order=order[code],
        )
        for code, copies in given.items()
    ]


def _fees(version: ProcedureVersion, channel: int) -> list[DossierFee]:
    name = CHANNEL_NAMES[channel]
    fees = [
        statements.new(
            DossierFee,
            name=f.get("description") or dict(DossierFee.Kind.choices).get(f.get("kind"), "Lệ phí"),
            kind=f.get("kind") or DossierFee.Kind.CHARGE,
            amount=int(f.get("amount") or 0),
        )
        for f in version.record.get("fees") or []
        if f.get("channel") in (None, "", name) and f.get("amount")
    ]
    if not fees:
        for c in version.record.get("channels") or []:
            if c.get("channel") == name and c.get("fee"):
                fees.append(
                    statements.new(
                        DossierFee, name="Lệ phí", kind=DossierFee.Kind.CHARGE, amount=int(c["fee"])
                    )
                )
    return fees


def _receiving_point(actor, agency: Agency) -> Agency:
    """The reception officer's own unit that receives for `agency` (it starts the dossier code)."""
    if directory.has_role(actor, Role.RECEPTION, agency):
        return agency
    candidates = directory.reception_points(actor)
    for a in candidates:
        if a.province_id is not None and a.province_id == agency.province_id:
            return a
    return candidates[0]


def submit_dossier(
    actor, data: dict[str, Any], *, at: datetime | None = None, idempotency_key: str | None = None
) -> Dossier:
    """Create a dossier: a citizen's online/postal submission (status 1) or a counter reception (status 2).

    `data` is the contract §4 body. With `idempotency_key`, a second call with the same key returns the
    dossier the first one created and changes nothing.
    """
    at = _now(at)
    if not isinstance(data, dict):
        raise ValidationFailed("Nội dung hồ sơ phải là một đối tượng JSON.", code="invalid_body")
    if idempotency_key:
        existing = statements.select_one(
            "dossier:idempotency", Dossier, "t.idempotency_key = %s", [idempotency_key]
        )
        if existing is not None:
            return existing
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Cần đăng nhập để nộp hồ sơ.", code="forbidden_action")

    code = _text(data.get("procedure"), "procedure", required=True, max_len=20)
    procedure, implementing = _procedure_with_agencies(code)
    if procedure is None:
        raise ValidationFailed(
            f"Không có thủ tục mã '{code}'.", code="unknown_procedure", details={"field": "procedure"}
        )
    if procedure.publication_state not in PUBLISHED:
        raise ValidationFailed(
            f"Thủ tục '{code}' không đang công khai, không nhận hồ sơ.",
            code="procedure_not_published",
            details={"field": "procedure"},
        )
    version = latest_version(procedure)
    if version is None:
        raise ValidationFailed(f"Thủ tục '{code}' chưa có phiên bản công bố.", code="procedure_not_published")

    agency_id = _text(data.get("agency"), "agency", max_len=40)
    if agency_id:
        agency = next((a for a in implementing if a.identifier == agency_id), None)
        if agency is None:
            raise ValidationFailed(
                f"Cơ quan '{agency_id}' không thực hiện thủ tục '{code}'.",
                code="agency_not_implementing",
                details={"field": "agency"},
            )
    elif len(implementing) == 1:
        agency = implementing[0]
    else:
        raise ValidationFailed(
            "Cần chọn cơ quan giải quyết ('agency').", code="missing_field", details={"field": "agency"}
        )

    kinds = permissions.global_kinds(actor)
    is_reception = RECEPTION in kinds
    is_staff = directory.is_staff_member(actor)
    raw_channel = data.get("channel", Channel.COUNTER if is_reception else Channel.ONLINE)
    channel = _int(raw_channel, "channel", minimum=1, maximum=3)
    if channel == Channel.COUNTER or (channel == Channel.POSTAL and is_staff):
        if not is_reception:
            raise PermissionDenied(
                "Chỉ cán bộ tiếp nhận một cửa được tiếp nhận hồ sơ trực tiếp.", code="forbidden_action"
            )
        if not directory.can_receive_for(actor, agency):
            raise PermissionDenied(
                "Bạn không được tiếp nhận hồ sơ của cơ quan ngoài tỉnh mình.", code="not_your_dossier"
            )
        receiving = _receiving_point(actor, agency)
        owner = None
    else:
        if is_staff:
            raise PermissionDenied(
                "Cán bộ tiếp nhận hồ sơ tại quầy (kênh 1), không nộp trực tuyến.", code="forbidden_action"
            )
        receiving, owner = agency, actor

    case_code = _text(data.get("case"), "case", max_len=40)
    cases = [c["code"] for c in version.record.get("cases") or []]
    if case_code and case_code not in cases:
        raise ValidationFailed(
            f"Thủ tục không có trường hợp '{case_code}'.", code="unknown_case", details={"field": "case"}
        )
    if not case_code and cases:
        case_code = cases[0]
    fields = {
        **_applicant_data(actor, data.get("applicant"), channel),
        **_authorised_data(data.get("authorised")),
    }
    components = _components(version, case_code, data.get("components"))
    fees = _fees(version, channel)
    summary = _text(data.get("summary"), "summary", max_len=MAX_TEXT)
    owner_id = getattr(owner, "pk", None)
    if owner is None and fields["applicant_kind"] == ApplicantKind.CITIZEN:
        # A counter reception for someone with an account shows up in their portal too.
        owner_id = _account_of(fields["applicant_id_number"])

    counter = channel == Channel.COUNTER
    try:
        with transaction.atomic(), statements.one_cursor():
            d = statements.new(
                Dossier,
                code=next_code(receiving, at),
                procedure=procedure,
                procedure_version=version,
                case_code=case_code,
                agency=agency,
                receiving_agency=receiving,
                current_agency=receiving,
                channel=channel,
                status=Status.NEW if counter else Status.RECEIVING,
                applicant_user_id=owner_id,
                summary=summary,
                applicant_name_folded=fold(fields["applicant_name"])[:200],
                submitted_at=at,
                fee_total=sum(f.amount for f in fees),
                idempotency_key=idempotency_key or None,
                created_at=at,
                updated_at=at,
                **fields,
            )
            if counter:
                d.received_at = at
                d.due_at = d.original_due_at = compute_due(d, at)
            statements.insert(d)
            for c in components:
                c.dossier = d
            statements.insert(*components)
            for f in fees:
                f.dossier = d
            statements.insert(*fees)
            _append(
                d,
                1,
                actor,
                "receive" if counter else "submit",
                None,
                at=at,
                data={"components": [c.code for c in components], "fee_total": d.fee_total},
                fees=[(str(f.name), str(f.kind), f.amount) for f in fees],
            )  # as read back
    except IntegrityError:
        if idempotency_key:  # a concurrent request with the same key won the race
            existing = Dossier.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise
    return d


# ---------------------------------------------------------------------------------------------- actions
def _clean_payload(action: str, payload: Any) -> dict[str, Any]:
    """Static checks of the inputs, before any permission or state check."""
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise ValidationFailed("Nội dung thao tác phải là một đối tượng JSON.", code="invalid_body")
    requires = {f for row in machine.BY_NAME[action] for f in row.requires}
    clean: dict[str, Any] = {"note": _text(payload.get("note"), "note", max_len=MAX_TEXT)}
    clean["reason"] = _text(payload.get("reason"), "reason", required="reason" in requires, max_len=MAX_TEXT)
    if "items" in requires or payload.get("items") is not None:
        items = payload.get("items")
        if not isinstance(items, list) or not items or len(items) > 100:
            raise ValidationFailed(
                "'items' phải là danh sách (1-100) giấy tờ cần bổ sung.",
                code="invalid_field",
                details={"field": "items"},
            )
        clean["items"] = [_text(x, f"items[{i}]", required=True) for i, x in enumerate(items)]
    if payload.get("to") not in (None, ""):
        clean["to"] = _text(payload.get("to"), "to", max_len=150)
    if "amount" in requires:
        if payload.get("amount") is None:
            raise ValidationFailed(
                "Thiếu 'amount' (số tiền, đồng).", code="missing_field", details={"field": "amount"}
            )
        clean["amount"] = _int(payload.get("amount"), "amount", minimum=1, maximum=MAX_AMOUNT)
    if "new_due_at" in requires:
        if payload.get("new_due_at") in (None, ""):
            raise ValidationFailed(
                "Thiếu 'new_due_at' (ngày hẹn trả mới).",
                code="missing_field",
                details={"field": "new_due_at"},
            )
        clean["new_due_at"] = _moment(payload.get("new_due_at"), "new_due_at")
    if "result" in requires:
        result = payload.get("result")
        if not isinstance(result, dict):
            raise ValidationFailed(
                "'result' phải là đối tượng {name}.", code="missing_field", details={"field": "result"}
            )
        clean["result"] = {"name": _text(result.get("name"), "result.name", required=True)}
    files = payload.get("files")
    if files is not None:
        if not isinstance(files, list) or len(files) > 100:
            raise ValidationFailed(
                "'files' phải là danh sách số hiệu tệp đã tải lên.",
                code="invalid_field",
                details={"field": "files"},
            )
        clean["files"] = [_int(x, f"files[{i}]", minimum=1, maximum=2**31 - 1) for i, x in enumerate(files)]
    return clean


def _lock(code: str) -> Dossier:
    # The version comes from the per-process cache, not from a join that decodes its record every time.
    d = _select_locked(code) if code and "\x00" not in code else None
    if d is None:
        raise NotFound(f"Không có hồ sơ mã '{code}'.", code="dossier_not_found")
    d.procedure_version = version_by_id(d.procedure_version_id)
    return d


def _resolve_to(d: Dossier, target: str | None, actor) -> tuple[Agency, Any, workflows.Step | None]:
    """(agency, user or None, workflow step or None) a forward goes to: the named agency or person, or the
    next step of the dossier's workflow when `to` is omitted (contract §4)."""
    if target is None:
        steps = workflows.steps_for(d)
        number = 1 if d.status == Status.NEW else d.step + 1  # the one-stop hands over to the first step
        current = steps[d.step - 1] if d.status != Status.NEW and 0 < d.step <= len(steps) else None
        if current is not None and not directory.has_role(actor, current.role, d.current_agency_id):
            # Only the role the current step is addressed to moves the workflow on: a specialist cannot
            # push a dossier past the leader's approval step. Naming a recipient stays open to them, so
            # this is a missing input (422), like the end of the workflow, not a forbidden action.
            raise ValidationFailed(
                f"Bước '{current.title}' của quy trình không phải của bạn: hãy chọn nơi chuyển ('to'), "
                "ví dụ trả lại người được giao bước này.",
                code="not_your_step",
                details={"field": "to"},
            )
        if number > len(steps):
            raise ValidationFailed(
                "Hồ sơ đã ở bước cuối của quy trình xử lý: hãy phê duyệt (complete) hoặc chọn nơi chuyển ('to').",
                code="no_next_step",
                details={"field": "to"},
            )
        step = steps[number - 1]
        return step.agency, workflows.recipient(step), step
    agency = Agency.objects.filter(identifier=target, is_active=True).first()
    if agency is not None:
        return agency, None, None
    user = get_user_model().objects.filter(username=target, is_active=True).first()
    if user is not None:
        rows = list(
            StaffAssignment.objects.filter(user=user, role__in=[Role.SPECIALIST, Role.LEADER])
            .select_related("agency")
            .order_by("id")
        )
        if rows:
            here = next((r for r in rows if r.agency_id == d.current_agency_id), rows[0])
            return here.agency, user, None
    raise ValidationFailed(
        f"Không có cơ quan hoặc cán bộ xử lý '{target}'.", code="unknown_recipient", details={"field": "to"}
    )


def _hand_in_files(d: Dossier, since: datetime | None, chosen: list[int] | None) -> list[dict[str, Any]]:
    """Mark the files uploaded while the dossier waited (all, or the `chosen` ids) as handed in by the
    supplement event about to be written; the event records which."""
    pending = (
        []
        if since is None
        else list(
            d.files.filter(event_seq__isnull=True, uploaded_at__gte=since)
            .select_related("component")
            .order_by("id")
        )
    )
    if chosen is not None:
        unknown = sorted(set(chosen) - {f.pk for f in pending})
        if unknown:
            raise ValidationFailed(
                f"Tệp số {', '.join(map(str, unknown))} không phải tệp bổ sung đang chờ nộp.",
                code="unknown_file",
                details={"field": "files", "ids": unknown},
            )
        pending = [f for f in pending if f.pk in set(chosen)]
    if pending:
        DossierFile.objects.filter(pk__in=[f.pk for f in pending]).update(event_seq=d.version + 1)
    return [
        {"id": f.pk, "name": f.name, "component": f.component.code if f.component_id else None}
        for f in pending
    ]


def _in_working_time(cal, t: datetime) -> bool:
    second = timedelta(seconds=1)
    return cal.is_working_day(t) and (
        cal.working_hours_between(t - second, t) > 0 or cal.working_hours_between(t, t + second) > 0
    )


def _apply(d: Dossier, row, clean: dict, actor, kinds: set[str], at: datetime) -> dict[str, Any]:
    """Change the row for one action; returns the event's data."""
    action = row.name
    data: dict[str, Any] = {}
    if action == "accept":
        d.received_at = at
        d.due_at = d.original_due_at = compute_due(d, at)
    elif action == "refuse":
        d.refused_at = at
    elif action == "request_supplement":
        if d.status in CLOCK_STATUSES:
            d.supplement_count += 1
        else:
            d.guidance_count += 1
        d.paused_at, d.paused_from_status = at, d.status
        data = {"items": clean["items"]}
    elif action == "supplement":
        paused_from, paused_at = d.paused_from_status, d.paused_at
        if paused_from in CLOCK_STATUSES and d.due_at is not None:
            cal = permissions.calendar_of(d)
            hours = cal.working_hours_between(paused_at, at)
            if hours > 0:
                d.due_at = cal.add(d.due_at, hours, "hours")
                if d.step_due_at is not None:  # the step's own deadline pauses with the dossier's
                    d.step_due_at = cal.add(d.step_due_at, hours, "hours")
                    data["step_due_at"] = d.step_due_at.isoformat()
            data["paused_hours"] = str(hours)
        handed_in = _hand_in_files(d, paused_at, clean.get("files"))
        if handed_in:
            data["files"] = handed_in
    elif action == "forward":
        agency, user, step = _resolve_to(d, clean.get("to"), actor)
        data = {
            "from_agency": d.current_agency.identifier,
            "to_agency": agency.identifier,
            "to_user": user.get_username() if user else None,
            "to_user_id": user.pk if user else None,
        }
        # An explicit recipient leaves the workflow position as it was, without a step deadline.
        d.step_due_at = None
        if step is not None:
            d.step = step.number
            if step.time:
                d.step_due_at = permissions.calendar_of(d).add(at, step.time, "working_days")
            data.update(step=step.number, step_title=step.title)
        data["step_due_at"] = d.step_due_at.isoformat() if d.step_due_at else None
        d.current_agency, d.assignee = agency, user
    elif action == "request_payment":
        DossierFee.objects.create(dossier=d, name=clean["note"] or "Phí, lệ phí", amount=clean["amount"])
        d.fee_total += clean["amount"]
        data = {"amount": clean["amount"]}
    elif action == "pay":
        data = {"amount": d.fee_total - d.fee_paid}
        d.fees.filter(paid_at__isnull=True).update(paid_at=at)
        d.fee_paid = d.fee_total
        # Paid by the applicant through the provincial portal's gateway; cash at the counter otherwise.
        online = APPLICANT in kinds and d.applicant_user_id == getattr(actor, "pk", None)
        d.paid_online = OnlinePayment.LOCAL if online else d.paid_online
    elif action == "apologize":
        new_due = clean["new_due_at"]
        cal = permissions.calendar_of(d)
        if new_due <= d.due_at:
            raise ValidationFailed(
                "Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại.",
                code="invalid_new_due_at",
                details={"field": "new_due_at"},
            )
        if not _in_working_time(cal, new_due):
            raise ValidationFailed(
                "Ngày hẹn trả mới phải trong giờ làm việc của ngày làm việc.",
                code="invalid_new_due_at",
                details={"field": "new_due_at"},
            )
        data = {"old_due_at": d.due_at.isoformat(), "new_due_at": new_due.isoformat()}
        d.due_at = new_due
        d.apology_count += 1
    elif action == "complete":
        d.result_name = clean["result"]["name"]
        d.finished_at = at
        data = {"result": d.result_name}
    elif action in ("stop", "withdraw"):
        d.finished_at = at
    elif action == "return_result":
        d.returned_at = at
    return data


_ROW_FIELDS = tuple((f.name, f.attname) for f in Dossier._meta.concrete_fields if not f.primary_key)


def _row_values(d: Dossier) -> dict[str, Any]:
    return {name: getattr(d, attname) for name, attname in _ROW_FIELDS}


def perform(
    actor,
    code: str,
    action: str,
    payload: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """Take one lifecycle action on a dossier (contract §4); returns the changed dossier."""
    at = _now(at)
    if action not in machine.BY_NAME:
        raise NotFound(f"Không có thao tác '{action}'.", code="unknown_action")
    clean = _clean_payload(action, payload)
    with transaction.atomic(), statements.one_cursor():
        d = _lock(code)
        if expected_version is not None and expected_version != d.version:
            raise Conflict("Hồ sơ vừa được người khác cập nhật; hãy tải lại.", code="stale_version")
        kinds = permissions.actor_kinds(actor, d)
        row = permissions.check(actor, d, action, at, kinds)
        from_status = d.status
        before = _row_values(d)
        data = _apply(d, row, clean, actor, kinds, at)
        d.status = row.target_from(from_status, d.paused_from_status)
        if d.status != Status.WAITING:
            d.paused_at = d.paused_from_status = None
        d.version += 1
        d.updated_at = at
        # The row is locked and was read in this transaction: writing only what changed is the same row.
        statements.update(d, [name for name, value in _row_values(d).items() if before[name] != value])
        # One event per version: submission writes version 1 with event 1, every action adds one of each.
        _append(
            d,
            d.version,
            actor,
            action,
            from_status,
            at=at,
            note=clean["note"],
            reason=clean["reason"],
            data=data,
        )
    return d


# ----------------------------------------------------------------------------------------------- replay
REBUILT_FIELDS = (
    "status",
    "received_at",
    "due_at",
    "original_due_at",
    "finished_at",
    "returned_at",
    "refused_at",
    "paused_at",
    "paused_from_status",
    "supplement_count",
    "guidance_count",
    "apology_count",
    "current_agency_id",
    "assignee_id",
    "step",
    "step_due_at",
    "fee_total",
    "fee_paid",
    "result_name",
    "version",
)


def rebuild_from_events(events) -> dict[str, Any]:
    """Replay an event log (in `seq` order) into the state fields of the dossier row."""
    s: dict[str, Any] = dict.fromkeys(REBUILT_FIELDS)
    s.update(
        supplement_count=0, guidance_count=0, apology_count=0, step=0, fee_total=0, fee_paid=0, result_name=""
    )
    for e in sorted(events, key=lambda e: e.seq):
        if e.action in ("submit", "receive"):
            s["fee_total"] = e.data.get("fee_total", 0)
        if e.action in ("receive", "accept"):
            s["received_at"] = e.at
            s["original_due_at"] = e.due_at
        elif e.action == "refuse":
            s["refused_at"] = e.at
        elif e.action == "request_supplement":
            key = "supplement_count" if e.from_status in CLOCK_STATUSES else "guidance_count"
            s[key] += 1
            s["paused_at"], s["paused_from_status"] = e.at, e.from_status
        elif e.action == "forward":
            s["assignee_id"] = e.data.get("to_user_id")
            s["step"] = e.data.get("step", s["step"])
        elif e.action == "request_payment":
            s["fee_total"] += e.data["amount"]
        elif e.action == "pay":
            s["fee_paid"] += e.data["amount"]
        elif e.action == "apologize":
            s["apology_count"] += 1
        elif e.action in ("complete", "stop", "withdraw"):
            s["finished_at"] = e.at
            if e.action == "complete":
                s["result_name"] = e.data["result"]
        elif e.action == "return_result":
            s["returned_at"] = e.at
        s["status"], s["due_at"] = e.to_status, e.due_at
        if "step_due_at" in e.data:
            s["step_due_at"] = parse_datetime(e.data["step_due_at"]) if e.data["step_due_at"] else None
        s["current_agency_id"], s["version"] = e.agency_id, e.seq
        if e.to_status != Status.WAITING:
            s["paused_at"] = s["paused_from_status"] = None
    return s
