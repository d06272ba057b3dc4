"""Intake: a citizen's online or postal submission (status 1) and a counter reception (status 2).

Who the applicant is comes from one place only. A citizen filing online files as the account holder
(the account's identity; the form may only update the contact details), or, to file for someone else,
says so with `authorised`: then the typed applicant is taken as typed, and the account holder is the
authorised submitter. Typed data and account data are never mixed into one person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.catalog import reductions
from motcua.catalog.models import Procedure
from motcua.catalog.versions import ONLINE, PUBLISHED, latest_version
from motcua.core import inputs, statements
from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.core.formatting import LOCAL_TZ
from motcua.core.identity import check_personal_id, check_tax_code
from motcua.core.text import fold
from motcua.directory import selectors as directory
from motcua.directory.models import Agency, Applicant, Role
from motcua.payments import ledger

from .. import permissions
from ..codes import next_code
from ..deadlines import CHANNEL_NAMES, compute_due
from ..machine import RECEPTION, Status
from ..models import ApplicantKind, Channel, Dossier, DossierComponent, DossierFee
from ..schemas import ApplicantIn, AuthorisedIn, Submission
from . import events
from .lock import PROCEDURE_COLUMNS


def now(at: datetime | None) -> datetime:
    if at is None:
        return timezone.now()
    return at if timezone.is_aware(at) else at.replace(tzinfo=LOCAL_TZ)


# ----------------------------------------------------------------------------------- precompiled reads
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


# --------------------------------------------------------------------------------------------- parties
def _identity_error(field: str, exc: ValidationFailed) -> ValidationFailed:
    return ValidationFailed(exc.message, code=exc.code, details={"field": field})


def _personal_id(value: str, field: str, birth_date=None) -> str:
    try:
        return check_personal_id(value, birth_date=birth_date)
    except ValidationFailed as exc:
        raise _identity_error(field, exc) from None


def _typed_applicant(a: ApplicantIn | None) -> dict[str, Any]:
    """The applicant exactly as typed (counter reception, or filing for someone else)."""
    if a is None or not a.name:
        raise ValidationFailed(
            "Thiếu 'applicant.name' (họ và tên chủ hồ sơ).",
            code="missing_field",
            details={"field": "applicant.name"},
        )
    kind = a.kind or ApplicantKind.CITIZEN
    out = {
        "applicant_kind": kind,
        "applicant_name": a.name,
        "applicant_birth_date": a.birth_date,
        "applicant_phone": a.phone,
        "applicant_email": a.email,
        "applicant_address": a.address,
        "applicant_id_number": "",
        "applicant_tax_code": "",
    }
    if kind == ApplicantKind.CITIZEN:
        if not a.id_number:
            raise ValidationFailed(
                "Thiếu 'applicant.id_number' (số định danh cá nhân).",
                code="missing_field",
                details={"field": "applicant.id_number"},
            )
        out["applicant_id_number"] = _personal_id(a.id_number, "applicant.id_number", a.birth_date)
    else:
        if not a.tax_code:
            raise ValidationFailed(
                "Thiếu 'applicant.tax_code' (mã số thuế).",
                code="missing_field",
                details={"field": "applicant.tax_code"},
            )
        try:
            out["applicant_tax_code"] = check_tax_code(a.tax_code)
        except ValidationFailed as exc:
            raise _identity_error("applicant.tax_code", exc) from None
        if a.id_number:  # the organisation's representative, optional
            out["applicant_id_number"] = _personal_id(a.id_number, "applicant.id_number")
    return out


def _is_holder(own: Applicant, a: ApplicantIn) -> bool:
    """Whether what the form says of the applicant is the account holder (blank parts say nothing)."""
    return (
        (not a.kind or a.kind == own.kind)
        and (not a.name or fold(a.name) == fold(own.full_name))
        and (not a.id_number or a.id_number.strip() == own.id_number)
        and (not a.tax_code or a.tax_code.strip() == own.tax_code)
        and (not a.birth_date or own.birth_date is None or a.birth_date == own.birth_date)
    )


def _account_holder(own: Applicant, a: ApplicantIn | None) -> dict[str, Any]:
    """The account holder as applicant: identity from the account, contact details as typed if given."""
    if a is not None and not _is_holder(own, a):
        raise ValidationFailed(
            "Thông tin chủ hồ sơ khác với chủ tài khoản. Để nộp thay người khác, hãy khai mục người được "
            "ủy quyền ('authorised'): chủ tài khoản là người nộp thay, chủ hồ sơ khai đầy đủ như giấy tờ.",
            code="applicant_not_account_holder",
            details={"field": "applicant"},
        )
    typed = a or ApplicantIn()
    return {
        "applicant_kind": own.kind,
        "applicant_name": own.full_name,
        "applicant_id_number": own.id_number,
        "applicant_tax_code": own.tax_code,
        "applicant_birth_date": own.birth_date,
        "applicant_phone": typed.phone or own.phone,
        "applicant_email": typed.email or own.email,
        "applicant_address": typed.address or own.address,
    }


def _typed_authorised(raw: AuthorisedIn | None) -> dict[str, Any]:
    if raw is None:
        return {"authorised": False, "authorised_name": "", "authorised_id_number": ""}
    if not raw.name:
        raise ValidationFailed(
            "Thiếu 'authorised.name'.", code="missing_field", details={"field": "authorised.name"}
        )
    if not raw.id_number:
        raise ValidationFailed(
            "Thiếu 'authorised.id_number'.", code="missing_field", details={"field": "authorised.id_number"}
        )
    return {
        "authorised": True,
        "authorised_name": raw.name,
        "authorised_id_number": _personal_id(raw.id_number, "authorised.id_number"),
    }


def _holder_as_authorised(own: Applicant, raw: AuthorisedIn) -> dict[str, Any]:
    """Online, the one who files for someone else is the signed-in account holder."""
    if (raw.id_number and raw.id_number.strip() != own.id_number) or (
        raw.name and fold(raw.name) != fold(own.full_name)
    ):
        raise ValidationFailed(
            "Người nộp thay trực tuyến là chủ tài khoản đang đăng nhập; không khai người khác.",
            code="authorised_not_account_holder",
            details={"field": "authorised"},
        )
    return {"authorised": True, "authorised_name": own.full_name, "authorised_id_number": own.id_number}


def _parties(actor, sub: Submission, counter: bool) -> dict[str, Any]:
    """The applicant and authorised-submitter fields of the new dossier."""
    own = None if counter else directory.applicant_of(actor)
    if own is None:  # at the counter the officer types what the papers say
        return {**_typed_applicant(sub.applicant), **_typed_authorised(sub.authorised)}
    if sub.authorised is None:
        return {**_account_holder(own, sub.applicant), **_typed_authorised(None)}
    return {**_typed_applicant(sub.applicant), **_holder_as_authorised(own, sub.authorised)}


# ------------------------------------------------------------------------------------------- the parts
def case_components(version, case_code: str) -> dict[str, dict]:
    """The catalogue's components of this case (and those common to every case), by code, in order."""
    return {
        c["code"]: c for c in version.record.get("components") or [] if c.get("case") in (None, "", case_code)
    }


def demanded(component: dict) -> bool:
    """Whether the applicant must hand in this paper: required by the catalogue, and not one the catalogue
    says is replaced by data the agency reads itself (national databases: domain.md §1.1, 766 4.3/4.4)."""
    return bool(component.get("required", True)) and not component.get("replaceable_by_data")


def missing_components(version, case_code: str, given: set[str] | list[str]) -> list[dict]:
    """The demanded components of the case that are not among the `given` codes, in catalogue order."""
    return [c for code, c in case_components(version, case_code).items() if demanded(c) and code not in given]


def _components(version, case_code: str, given_parts, *, complete: bool = True) -> list[DossierComponent]:
    """The dossier's component rows; `complete`: every demanded paper must be among them (422 otherwise)."""
    known = case_components(version, case_code)
    given: dict[str, int] = {}
    for i, item in enumerate(given_parts):
        code = item.code
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
        given[code] = item.copies
    missing = [c["name"] for c in missing_components(version, case_code, set(given))] if complete else []
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


def fee_reductions(version, channel: int, case_code: str) -> list[dict]:
    """The reductions an applicant of this case filing by this channel may claim: those listed by the fee
    rows that apply, each name once, in catalogue order (the forms' select)."""
    name = CHANNEL_NAMES[channel]
    out: dict[str, dict] = {}
    for f in version.record.get("fees") or []:
        if _applies(f, name, case_code):
            for r in f.get("reductions") or ():
                out.setdefault(r["name"].casefold(), r)
    return list(out.values())


def _applies(fee: dict, channel_name: str, case_code: str) -> bool:
    # Versions recorded before fees had a case (ADR 0032) have no "case" key: every case.
    return (
        fee.get("channel") in (None, "", channel_name)
        and fee.get("case") in (None, "", case_code)
        and bool(fee.get("amount"))
    )


def fee_lines(version, channel: int, case_code: str = "", reduction: str = "") -> list[DossierFee]:
    """The fee rows (unsaved) a dossier of this procedure version, case and channel owes, after the
    reduction the applicant claims (`reduction`: its name, as the catalogue lists it; ADR 0032).

    Each line keeps the catalogue's amount (`base_amount`), the reduction applied to it and what is owed
    after it (`amount`, 0 when exempted: the line stays, so the portal sees the fee as waived). A claim
    that no applicable row lists is refused (422 `unknown_fee_reduction`); a row that does not list it is
    owed in full. Without fee rows for the channel, the channel's own fee (which lists no reductions)."""
    name = CHANNEL_NAMES[channel]
    rows = [f for f in version.record.get("fees") or [] if _applies(f, name, case_code)]
    if reduction and not any(reductions.find(f.get("reductions"), reduction) for f in rows):
        listed = [r["name"] for r in fee_reductions(version, channel, case_code)]
        raise ValidationFailed(
            f"Thủ tục không miễn, giảm phí, lệ phí cho đối tượng “{reduction}”"
            + (f" (các đối tượng được miễn, giảm: {'; '.join(listed)})." if listed else "."),
            code="unknown_fee_reduction",
            details={"field": "fee_reduction", "listed": listed},
        )
    fees = []
    for f in rows:
        base = int(f["amount"])
        claimed = reductions.find(f.get("reductions"), reduction) if reduction else None
        percent = int(claimed["percent"]) if claimed else 0
        fees.append(
            statements.new(
                DossierFee,
                name=f.get("description") or dict(DossierFee.Kind.choices).get(f.get("kind"), "Lệ phí"),
                kind=f.get("kind") or DossierFee.Kind.CHARGE,
                amount=reductions.owed(base, percent),
                base_amount=base,
                reduction=claimed["name"] if claimed else "",
                reduction_percent=percent,
            )
        )
    if not fees:
        for c in version.record.get("channels") or []:
            if c.get("channel") == name and c.get("fee"):
                fees.append(
                    statements.new(
                        DossierFee,
                        name="Lệ phí",
                        kind=DossierFee.Kind.CHARGE,
                        amount=int(c["fee"]),
                        base_amount=int(c["fee"]),
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


def _procedure(sub: Submission):
    """(procedure, its latest version, the competent agency) the submission names, or 422."""
    code = sub.procedure
    procedure, implementing = _procedure_with_agencies(code)
    if procedure is None:
        raise ValidationFailed(
            f"Không có thủ tục mã '{code}'.", code="unknown_procedure", details={"field": "procedure"}
        )
    version = latest_version(procedure) if procedure.publication_state in PUBLISHED else None
    if version is None:
        raise ValidationFailed(
            f"Thủ tục '{code}' không đang công khai, không nhận hồ sơ.",
            code="procedure_not_published",
            details={"field": "procedure"},
        )
    if sub.agency:
        agency = next((a for a in implementing if a.identifier == sub.agency), None)
        if agency is None:
            raise ValidationFailed(
                f"Cơ quan '{sub.agency}' không thực hiện thủ tục '{code}'.",
                code="agency_not_implementing",
                details={"field": "agency"},
            )
    elif len(implementing) == 1:
        agency = implementing[0]
    else:
        raise ValidationFailed(
            "Cần chọn cơ quan giải quyết ('agency').", code="missing_field", details={"field": "agency"}
        )
    return procedure, version, agency


def _route(actor, sub: Submission, procedure, agency: Agency) -> tuple[int, Agency, Any]:
    """(channel, receiving agency, owning account or None): who may file it by which channel."""
    kinds = permissions.global_kinds(actor)
    is_reception = RECEPTION in kinds
    is_staff = directory.is_staff_member(actor)
    channel = sub.channel or (Channel.COUNTER if is_reception else Channel.ONLINE)
    if channel == Channel.COUNTER or (channel == Channel.POSTAL and is_staff):
        if not is_reception:
            raise PermissionDenied(
                "Chỉ cán bộ tiếp nhận một cửa được tiếp nhận hồ sơ trực tiếp.", code="forbidden_action"
            )
        if not directory.can_receive_for(actor, agency):
            raise PermissionDenied(
                "Bạn không được tiếp nhận hồ sơ của cơ quan ngoài tỉnh mình.", code="not_your_dossier"
            )
        return channel, _receiving_point(actor, agency), None
    if is_staff:
        raise PermissionDenied(
            "Cán bộ tiếp nhận hồ sơ tại quầy (kênh 1), không nộp trực tuyến.", code="forbidden_action"
        )
    if channel == Channel.ONLINE and procedure.online_level not in ONLINE:
        raise ValidationFailed(
            f"Thủ tục '{procedure.code}' chưa được cung cấp dịch vụ công trực tuyến: hãy nộp hồ sơ trực tiếp "
            f"tại bộ phận một cửa của {agency.name} hoặc qua dịch vụ bưu chính công ích.",
            code="not_offered_online",
            details={"field": "channel"},
        )
    return channel, agency, actor


def submit_dossier(
    actor,
    sub: Submission,
    *,
    at: datetime | None = None,
    idempotency_key: str | None = None,
    vneid_verified: bool = False,
    national_databases: list[str] = (),
) -> Dossier:
    """Create a dossier from a validated submission (contract §4; `sub` may be its dict, validated here).

    `vneid_verified`: the caller signed in with VNeID in this session (`motcua.access.vneid.verified`);
    an online dossier the account files for itself then carries TaiKhoanDuocXacThucVoiVNeID = 1.
    `national_databases`: the MaCSDL codes of the national databases the caller queried for this dossier
    (DSKetNoiCSDL), e.g. the population database after a verified lookup of the applicant.

    With `idempotency_key`, a second call with the same key returns the dossier the first one created
    and changes nothing.
    """
    at = now(at)
    sub = inputs.validate(Submission, sub)
    if idempotency_key:
        existing = statements.select_one(
            "dossier:idempotency", Dossier, "t.idempotency_key = %s", [idempotency_key]
        )
        if existing is not None:
            return existing
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Cần đăng nhập để nộp hồ sơ.", code="forbidden_action")

    procedure, version, agency = _procedure(sub)
    channel, receiving, owner = _route(actor, sub, procedure, agency)
    cases = [c["code"] for c in version.record.get("cases") or []]
    if sub.case and sub.case not in cases:
        raise ValidationFailed(
            f"Thủ tục không có trường hợp '{sub.case}'.", code="unknown_case", details={"field": "case"}
        )
    case_code = sub.case or (cases[0] if cases else "")
    counter = channel == Channel.COUNTER
    received = counter and sub.receive
    fields = _parties(actor, sub, counter or owner is None)
    # Registered at the counter without receiving it: the papers may be incomplete, that is why it is
    # registered (to guide once, Form 02, naming what is missing; or to refuse, Form 03).
    components = _components(version, case_code, sub.components, complete=received or not counter)
    fees = fee_lines(version, channel, case_code, sub.fee_reduction)
    owner_id = getattr(owner, "pk", None)
    if owner is None and fields["applicant_kind"] == ApplicantKind.CITIZEN:
        # A counter reception for someone with an account shows up in their portal too.
        owner_id = _account_of(fields["applicant_id_number"])
    try:
        return _create(
            actor,
            at=at,
            idempotency_key=idempotency_key,
            received=received,
            components=components,
            fees=fees,
            procedure=procedure,
            procedure_version=version,
            case_code=case_code,
            agency=agency,
            receiving_agency=receiving,
            current_agency=receiving,
            channel=channel,
            applicant_user_id=owner_id,
            summary=sub.summary,
            vneid_verified=bool(vneid_verified and owner is not None),
            national_databases=sorted({str(c)[:20] for c in national_databases if c}),
            **fields,
        )
    except IntegrityError:
        if idempotency_key:  # a concurrent request with the same key won the race
            existing = Dossier.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise


def _create(actor, *, at, idempotency_key, received, components, fees, **values) -> Dossier:
    """Insert the dossier, its parts, its first event and outbox message in one transaction."""
    with transaction.atomic(), statements.one_cursor():
        d = statements.new(
            Dossier,
            code=next_code(values["receiving_agency"], at),
            status=Status.NEW if received else Status.RECEIVING,
            applicant_name_folded=fold(values["applicant_name"])[:200],
            submitted_at=at,
            fee_total=sum(f.amount for f in fees),
            idempotency_key=idempotency_key or None,
            created_at=at,
            updated_at=at,
            **values,
        )
        if received:
            d.received_at = at
            d.due_at = d.original_due_at = compute_due(d, at)
        statements.insert(d)
        for c in components:
            c.dossier = d
        statements.insert(*components)
        # An exempted line (amount 0) is not part of the request: there is nothing to pay for it.
        ledger.open_filing(d, [f for f in fees if f.amount], at=at, by=actor)
        for f in fees:
            f.dossier = d
        statements.insert(*fees)
        events.record(
            d,
            actor,
            "receive" if received else "submit",
            None,
            at=at,
            data={"components": [c.code for c in components], "fee_total": d.fee_total},
            fees=[(str(f.name), str(f.kind), f.amount) for f in fees],  # as read back
        )
    return d
