"""Dossier API (contract §4): submit or receive, list, detail, history, lifecycle actions, files (the
printed forms are `motcua.documents.api`).

Thin: parse, call one service or selector, shape the JSON. Errors are DomainErrors mapped by the API
object to {code, message}.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import create_model

from motcua.access import edge, vneid
from motcua.access.auth import REQUIRED
from motcua.access.errors import ErrorOut
from motcua.access.paging import KeysetPage
from motcua.core import inputs, storage
from motcua.core.errors import DomainError, ValidationFailed
from motcua.core.formatting import LOCAL_TZ

from . import files, machine, selectors, services
from .models import Dossier, DossierEvent, DossierFile
from .schemas import PaperMetadata, Submission

router = Router(tags=["dossiers"], auth=REQUIRED)


# ------------------------------------------------------------------------------------------------ input
def _action_document():
    """The body of `/actions/{action}` for the OpenAPI document: every action's input fields (each action
    validates its own, `machine.<Action>.Input`, after the state and role checks)."""
    fields: dict[str, Any] = {}
    for spec in machine.ACTIONS:
        for name, f in spec.Input.model_fields.items():
            described = f"{spec.name}: {f.description}" if f.description else spec.name
            if name in fields:
                described = f"{fields[name][1].description}; {described}"
            fields[name] = (f.annotation | None, Field(None, description=described))
    fields["version"] = (int | None, Field(None, description="phiên bản hồ sơ đã đọc (chống ghi đè)"))
    return create_model("ActionIn", **fields)


def inline_definitions(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its local `$defs` written in place (OpenAPI resolves no `#/$defs/`)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(defs[ref.rsplit("/", 1)[-1]])
            return {k: walk(v) for k, v in node.items()}
        return [walk(v) for v in node] if isinstance(node, list) else node

    return walk(schema)


ActionIn = _action_document()
INPUT_FIELDS = frozenset(ActionIn.model_fields) - {"version"}


class DossierFilters(KeysetPage):
    status: str | None = Field(None, max_length=40, description="1-10, có thể nhiều: 2,4")
    agency: str | None = Field(
        None, max_length=40, description="Mã định danh cơ quan (có thẩm quyền hoặc đang xử lý)"
    )
    procedure: str | None = Field(None, max_length=20, description="Mã thủ tục")
    field: str | None = Field(None, max_length=40, description="Mã lĩnh vực của thủ tục")
    channel: int | None = Field(None, ge=1, le=3, description="1 trực tiếp | 2 trực tuyến | 3 bưu chính")
    due: str | None = Field(
        None,
        max_length=20,
        description="overdue (quá hạn) | due_today (đến hạn hôm nay) | due_soon (sắp đến hạn: trong 2 ngày "
        "làm việc sau hôm nay) | in_time (còn hạn, xa hơn) | on_time (không trễ hạn, kể cả đã xong)",
    )
    received_from: str | None = Field(None, max_length=10, description="YYYY-MM-DD")
    received_to: str | None = Field(None, max_length=10, description="YYYY-MM-DD")
    q: str | None = Field(
        None, max_length=100, description="Mã hồ sơ hoặc tên chủ hồ sơ (không dấu cũng được)"
    )
    assignee: str | None = Field(
        None,
        max_length=150,
        description="me (giao cho tôi) | none (chưa giao ai) | tên đăng nhập cán bộ: hồ sơ đang giải quyết "
        "(trạng thái 2, 4, 5, 6) trừ khi có 'status'",
    )
    view: str | None = Field(
        None,
        max_length=10,
        description="mine (hồ sơ của tôi đang giải quyết) | unit (việc còn lại của đơn vị tôi)",
    )


# ----------------------------------------------------------------------------------------------- output
class ApplicantOut(Schema):
    kind: str
    name: str
    id_number: str
    tax_code: str
    birth_date: str | None
    phone: str
    email: str
    address: str


class AuthorisedOut(Schema):
    name: str
    id_number: str


class DossierComponentOut(Schema):
    code: str
    name: str
    copies: int
    required: bool
    digitised: bool


class PaperMetadataOut(Schema):
    doc_type: str
    doc_name: str
    holder_id_number: str
    holder_name: str
    holder_birth_year: int | None
    issued_on: date | None
    issuer: str
    content_summary: str
    valid_from: date | None
    valid_to: date | None
    valid_indefinitely: bool
    validity_scope: str


class FileOut(Schema):
    id: int
    component: str | None
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str | None
    event_seq: int | None = Field(
        ..., description="sự kiện 'supplement' đã nộp tệp; trống: nộp cùng hồ sơ hoặc đang chờ nộp bổ sung"
    )
    url: str
    digitised: bool = Field(..., description="bản số hóa của bộ phận một cửa, đủ siêu dữ liệu tối thiểu")
    metadata: PaperMetadataOut = Field(..., description="siêu dữ liệu của giấy tờ (domain.md §1.3)")


class FileList(Schema):
    items: list[FileOut]
    count: int


class DossierFeeOut(Schema):
    name: str
    kind: str
    amount: int = Field(..., description="what is owed after the reduction (đồng)")
    base_amount: int = Field(..., description="the catalogue's amount before any reduction (đồng)")
    reduction: str = Field(..., description="the reduction claimed (miễn, giảm), empty if none")
    reduction_percent: int
    paid_at: datetime | None
    method: str = Field(..., description="cash | transfer | online; empty while unpaid")


class DossierOut(Schema):
    code: str
    procedure: str
    procedure_name: str
    procedure_version: int
    case: str
    agency: str
    agency_name: str
    receiving_agency: str
    current_agency: str
    current_agency_name: str
    assignee: str | None
    step: int = Field(..., description="bước của quy trình nội bộ: 0 tại một cửa")
    step_due_at: datetime | None = Field(..., description="hạn của bước đang xử lý, nếu quy trình có")
    channel: int
    status: int
    status_name: str
    status_token: str
    submitted_at: datetime
    received_at: datetime | None
    due_at: datetime | None
    original_due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    refused_at: datetime | None
    paused_at: datetime | None
    timeliness: str | None
    applicant: ApplicantOut
    authorised: AuthorisedOut | None
    summary: str
    components: list[DossierComponentOut]
    files: list[FileOut]
    fees: list[DossierFeeOut]
    fee_total: int
    fee_paid: int
    supplement_count: int
    apology_count: int
    result_name: str
    digitised: bool
    vneid_verified: bool
    paid_online: int
    version: int
    actions: list[str]


class DossierList(Schema):
    items: list[DossierOut]
    count: int = Field(..., description=f"số hồ sơ khớp, đếm chính xác đến {selectors.COUNT_CAP}")
    count_capped: bool = Field(False, description=f"true: có hơn {selectors.COUNT_CAP} hồ sơ khớp")
    next: str | None = Field(None, description="'cursor' của trang sau; null ở trang cuối")


class QueueCounts(Schema):
    overdue: int = Field(..., description="quá hạn")
    due_today: int = Field(..., description="đến hạn trong giờ làm việc hôm nay")
    due_soon: int = Field(..., description="đến hạn trong 2 ngày làm việc sau hôm nay")
    in_time: int = Field(..., description="còn hạn (kể cả đang tạm dừng chờ bổ sung, hoặc không có hạn)")
    to_receive: int = Field(..., description="chờ tiếp nhận (trạng thái 1)")
    to_return: int = Field(..., description="chờ trả kết quả (trạng thái 9)")
    total: int


class QueueOut(Schema):
    at: datetime
    mine: QueueCounts = Field(..., description="hồ sơ giao cho tôi đang giải quyết")
    unit: QueueCounts = Field(..., description="việc còn lại của đơn vị tôi")


class EventOut(Schema):
    seq: int
    at: datetime
    actor: str
    actor_username: str | None
    action: str
    action_label: str
    from_status: int | None
    to_status: int
    note: str
    reason: str
    due_at: datetime | None
    agency: str | None
    data: dict[str, Any]


class EventList(Schema):
    items: list[EventOut]
    count: int


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(LOCAL_TZ) if value else None


def dossier_json(d: Dossier, user, now: datetime) -> dict[str, Any]:
    """Contract §4 dossier JSON; expects `selectors.with_parts`."""
    return {
        "code": d.code,
        "procedure": d.procedure.code,
        "procedure_name": d.procedure.name,
        "procedure_version": d.procedure_version_id,
        "case": d.case_code,
        "agency": d.agency.identifier,
        "agency_name": d.agency.name,
        "receiving_agency": d.receiving_agency.identifier,
        "current_agency": d.current_agency.identifier,
        "current_agency_name": d.current_agency.name,
        "assignee": d.assignee.get_username() if d.assignee_id else None,
        "step": d.step,
        "step_due_at": _local(d.step_due_at),
        "channel": d.channel,
        "status": d.status,
        "status_name": machine.Status(d.status).label,
        "status_token": d.status_token,
        "submitted_at": _local(d.submitted_at),
        "received_at": _local(d.received_at),
        "due_at": _local(d.due_at),
        "original_due_at": _local(d.original_due_at),
        "finished_at": _local(d.finished_at),
        "returned_at": _local(d.returned_at),
        "refused_at": _local(d.refused_at),
        "paused_at": _local(d.paused_at),
        "timeliness": machine.timeliness(d, now),
        "applicant": {
            "kind": d.applicant_kind,
            "name": d.applicant_name,
            "id_number": d.applicant_id_number,
            "tax_code": d.applicant_tax_code,
            "birth_date": d.applicant_birth_date.isoformat() if d.applicant_birth_date else None,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
            "address": d.applicant_address,
        },
        "authorised": (
            {"name": d.authorised_name, "id_number": d.authorised_id_number} if d.authorised else None
        ),
        "summary": d.summary,
        "components": [
            {
                "code": c.code,
                "name": c.name,
                "copies": c.copies,
                "required": c.required,
                "digitised": c.digitised,
            }
            for c in d.components.all()
        ],
        "files": [file_json(d, f) for f in d.files.all()],
        "fees": [
            {
                "name": f.name,
                "kind": f.kind,
                "amount": f.amount,
                "base_amount": f.base_amount if f.base_amount is not None else f.amount,
                "reduction": f.reduction,
                "reduction_percent": f.reduction_percent or 0,
                "paid_at": _local(f.paid_at),
                "method": f.method,
            }
            for f in d.fees.all()
        ],
        "fee_total": d.fee_total,
        "fee_paid": d.fee_paid,
        "supplement_count": d.supplement_count,
        "apology_count": d.apology_count,
        "result_name": d.result_name,
        "digitised": d.digitised,
        "vneid_verified": d.vneid_verified,
        "paid_online": d.paid_online,
        "version": d.version,
        "actions": selectors.available_actions(user, d, now),
    }


def file_json(d: Dossier, f: DossierFile) -> dict[str, Any]:
    """Expects the file's component and uploader loaded (selectors.with_parts)."""
    return {
        "id": f.pk,
        "component": f.component.code if f.component_id else None,
        "name": f.name,
        "content_type": f.content_type,
        "size": f.size,
        "sha256": f.sha256,
        "uploaded_at": _local(f.uploaded_at),
        "uploaded_by": f.uploaded_by.get_username() if f.uploaded_by_id else None,
        "event_seq": f.event_seq,
        "url": reverse("api:dossier_file", kwargs={"code": d.code, "file_id": f.pk}),
        "digitised": f.digitised,
        "metadata": {name: getattr(f, name) for name in PaperMetadata.model_fields},
    }


def event_json(e: DossierEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": _local(e.at),
        "actor": e.actor_name,
        "actor_username": e.actor.get_username() if e.actor_id else None,
        "action": e.action,
        "action_label": machine.label_of(e.action, e.from_status),
        "from_status": e.from_status,
        "to_status": e.to_status,
        "note": e.note,
        "reason": e.reason,
        "due_at": _local(e.due_at),
        "agency": e.agency.identifier if e.agency_id else None,
        "data": e.data,
    }


def _detail(request, code: str) -> dict[str, Any]:
    return dossier_json(selectors.dossier_detail(request.auth, code), request.auth, timezone.now())


@router.post("/dossiers", response={201: DossierOut, **ERRORS}, summary="Nộp hoặc tiếp nhận hồ sơ")
def submit(request, body: Submission):
    """A citizen's `channel: 2` (or 3) submission starts at status 1; a reception officer's `channel: 1`
    is a counter reception: status 2 with its due date (or status 1 with `receive: false`)."""
    d = services.submit_dossier(request.auth, body, vneid_verified=vneid.verified(request))
    return Status(201, _detail(request, d.code))


@router.get("/dossiers", response={200: DossierList, **ERRORS}, summary="Danh sách hồ sơ")
def list_dossiers(request, filters: Query[DossierFilters]):
    """Ordered newest first; by due date for the urgent `due` buckets and the work queues (`view`,
    `assignee`); by reception date for a `received_from`/`received_to` range. Follow `next` with
    `cursor` for the next page (`page` reaches the first 2,000 rows only)."""
    now = timezone.now()
    f = filters.dict(exclude={"page", "page_size", "cursor"})
    page = selectors.dossier_page(
        request.auth, size=filters.page_size, cursor=filters.cursor, offset=filters.offset(), now=now, **f
    )
    return {
        "items": [dossier_json(d, request.auth, now) for d in page.items],
        "count": page.count,
        "count_capped": page.count_capped,
        "next": page.next,
    }


@router.get("/dossiers/queue", response={200: QueueOut, **ERRORS}, summary="Số hồ sơ cần xử lý, theo hạn")
def work_queue(request):
    """The caller's work queues counted by urgency: `mine` (assigned to me, still running) and `unit`
    (what my agencies still have to do). The buckets match the list's `due` filter."""
    now = timezone.now()
    return {"at": _local(now), **selectors.work_queue_counts(request.auth, now)}


@router.get("/dossiers/{code}", response={200: DossierOut, **ERRORS}, summary="Chi tiết hồ sơ")
def detail(request, code: str):
    return _detail(request, code)


@router.get("/dossiers/{code}/events", response={200: EventList, **ERRORS}, summary="Quá trình xử lý")
def events(request, code: str):
    items = [event_json(e) for e in selectors.dossier_events(request.auth, code)]
    return {"items": items, "count": len(items)}


def _action_body(request) -> dict[str, Any]:
    """The optional JSON body of an action: an empty body is `{}` (most actions need no input)."""
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        # A plain HTML form (or a POST without a body) is accepted too: lists come as repeated fields.
        form = request.POST
        parsed: Any = {k: form.getlist(k) if k in ("items", "files") else form.get(k) for k in form}
        if isinstance(parsed.get("result"), str):
            parsed["result"] = {"name": parsed["result"]}
    elif not request.body.strip():
        return {}
    else:
        try:
            parsed = edge.json_body(request)  # parsed once, by the edge, with its depth limit
        except edge.BodyRefused as refused:
            raise DomainError("Nội dung yêu cầu không phải JSON hợp lệ.", code="invalid_json") from refused
    if not isinstance(parsed, dict):
        raise ValidationFailed("Nội dung thao tác phải là một đối tượng JSON.", code="invalid_body")
    return {k: v for k, v in parsed.items() if v is not None}


@router.post(
    "/dossiers/{code}/actions/{action}",
    response={200: DossierOut, **ERRORS},
    summary="Một thao tác xử lý hồ sơ",
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": inline_definitions(ActionIn.model_json_schema())}},
        }
    },
)
def act(request, code: str, action: str):
    """Actions: accept, refuse, request_supplement, supplement, forward, request_payment, pay, apologize,
    stop, complete, return_result, withdraw. The JSON body is optional. 409 when the state does not
    allow the action, 403 when the role does not; nothing changes then."""
    payload = _action_body(request)
    version = payload.get("version")
    expected = None if version is None else inputs.integer(version, "version", minimum=1, maximum=2**31 - 1)
    # Only the actions' own input fields reach the service (a body cannot set its clock, say).
    given = {k: v for k, v in payload.items() if k in INPUT_FIELDS}
    d = services.perform(request.auth, code, action, expected_version=expected, **given)
    return _detail(request, d.code)


class PaperMetadataForm(Schema):
    """The metadata fields of an upload as posted (text): `PaperMetadata` parses them in the service."""

    doc_type: str | None = Field(None, description="Mã loại giấy tờ")
    doc_name: str | None = Field(None, description="Tên giấy tờ")
    holder_id_number: str | None = Field(
        None, description="Số định danh cá nhân (12 chữ số), số CMND (9) hoặc mã số thuế của tổ chức"
    )
    holder_name: str | None = Field(None, description="Chủ giấy tờ không có số định danh: họ và tên")
    holder_birth_year: str | None = Field(None, description="... năm sinh")
    issued_on: str | None = Field(None, description="... ngày cấp (YYYY-MM-DD)")
    issuer: str | None = Field(None, description="... cơ quan cấp")
    content_summary: str | None = Field(None, description="Trích yếu nội dung chính")
    valid_from: str | None = Field(None, description="Hiệu lực từ ngày (YYYY-MM-DD)")
    valid_to: str | None = Field(None, description="Hiệu lực đến ngày (YYYY-MM-DD)")
    valid_indefinitely: str | None = Field(None, description="'true': không thời hạn")
    validity_scope: str | None = Field(None, description="Phạm vi hiệu lực")


@router.post("/dossiers/{code}/files", response={201: FileOut, **ERRORS}, summary="Tải lên tệp của hồ sơ")
def upload_file(
    request,
    code: str,
    file: File[UploadedFile],
    component: Form[str] = None,
    metadata: Form[PaperMetadataForm] = None,
):
    """multipart/form-data: `file` (PDF, JPG or PNG), optionally `component` (its component code) and the
    paper's minimum metadata (domain.md §1.3). The applicant uploads while the dossier waits for the
    one-stop check (1) or a supplement (5); a reception officer also at counter reception (2). A reception
    officer's scan with all the metadata is a digitised paper (`digitised`). Files uploaded while waiting
    for a supplement are handed in by the `supplement` action."""
    given = {k: v for k, v in (metadata.dict() if metadata else {}).items() if v not in (None, "")}
    f = files.attach(request.auth, code, file, component=component, metadata=given)
    f = selectors.dossier_file(request.auth, code, f.pk)
    return Status(201, file_json(f.dossier, f))


@router.get("/dossiers/{code}/files", response={200: FileList, **ERRORS}, summary="Các tệp của hồ sơ")
def list_files(request, code: str):
    d = selectors.dossier_detail(request.auth, code)
    items = [file_json(d, f) for f in d.files.all()]
    return {"items": items, "count": len(items)}


@router.get(
    "/dossiers/{code}/files/{file_id}",
    response={200: None, **ERRORS},
    url_name="dossier_file",
    summary="Tải về một tệp của hồ sơ",
)
def download_file(request, code: str, file_id: int):
    f = selectors.dossier_file(request.auth, code, file_id)
    return storage.serve(f.file.name, f.sha256, filename=f.name, content_type=f.content_type)


@router.delete(
    "/dossiers/{code}/files/{file_id}", response={204: None, **ERRORS}, summary="Xóa tệp vừa tải lên"
)
def delete_file(request, code: str, file_id: int):
    """Only its uploader, and only while the file is not yet part of the dossier's record."""
    files.remove(request.auth, code, file_id)
    return Status(204, None)
