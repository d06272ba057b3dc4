"""Dossier files: the papers a citizen uploads or a reception officer scans (write side).

Who may add a file, and when (the rest of the time the dossier's papers are closed):

* the applicant who owns the dossier: while it waits for the one-stop check (1) or for a supplement (5);
* a reception officer who may receive for its agency: also at counter reception (2), to scan the papers.

A file uploaded while the dossier waits for a supplement stays pending until the `supplement` action
hands it in (services.perform records it in the event); until then, and for submission files until the
dossier is received, its uploader may remove it. Type is decided by the file's first bytes, not by its
name: PDF, JPEG or PNG only.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from motcua.core import inputs, statements, storage
from motcua.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from . import permissions, services
from .machine import APPLICANT, RECEPTION, Status
from .models import Dossier, DossierFile, Reuse, private_storage
from .schemas import PaperMetadata
from .services import events

log = logging.getLogger(__name__)

# Magic bytes -> (content type, extension).
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
OPEN_TO = {
    APPLICANT: frozenset({Status.RECEIVING, Status.WAITING}),
    RECEPTION: frozenset({Status.RECEIVING, Status.NEW, Status.WAITING}),
}


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def clean_name(name: str | None) -> str:
    """The uploader's file name as shown back: no path, no control characters, NFC, at most 255 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    return base.strip()[:255] or "tep-dinh-kem"


def _may_touch(actor, d: Dossier) -> set[str]:
    """The actor kinds under which `actor` may add or remove files of `d` now (404/403/409 otherwise, in
    the order of `permissions.check`: a dossier the caller cannot see is 404, as if it did not exist)."""
    if not permissions.can_see(actor, d):
        raise permissions.not_found(d.code)
    kinds = {k for k in permissions.actor_kinds(actor, d) if k in OPEN_TO}
    if not kinds:
        raise PermissionDenied(
            "Vai trò của bạn không được đính kèm tệp vào hồ sơ này.", code="forbidden_action"
        )
    if not any(d.status in OPEN_TO[k] for k in kinds):
        raise Conflict(
            f"Hồ sơ ở trạng thái '{Status(d.status).label}' không nhận thêm hoặc bớt tệp.",
            code="files_closed",
        )
    return kinds


def check_upload(upload, field: str = "file") -> tuple[tuple[str, str], str]:
    """((content type, extension), sha256 hex) of an acceptable upload, or 422 naming `field`."""
    if upload is None:
        raise ValidationFailed("Thiếu tệp ('file').", code="missing_field", details={"field": field})
    limit = settings.DOSSIER_FILE_MAX_BYTES
    if not upload.size:
        raise ValidationFailed("Tệp rỗng.", code="empty_file", details={"field": field})
    if upload.size > limit:
        raise ValidationFailed(
            f"Tệp lớn quá {limit // (1024 * 1024)} MB.",
            code="file_too_large",
            details={"field": field, "max_bytes": limit},
        )
    upload.seek(0)
    kind = sniff(upload.read(16))
    if kind is None:
        raise ValidationFailed(
            "Chỉ nhận tệp PDF, JPG hoặc PNG.", code="unsupported_file_type", details={"field": field}
        )
    upload.seek(0)
    if kind[0] == "application/pdf":
        _opens_as_pdf(upload, field)
    else:
        _opens_as_image(upload, field)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return kind, digest.hexdigest()


# A file that starts with `%PDF-` but is not a PDF (a truncated download, a renamed document) passes the
# magic-byte check and would reach the officer as a file nobody can open: a PDF is opened with pypdf (its
# cross-reference table and page tree read, nothing rendered; ~1 ms a page, 56 ms for 20 MB), an image
# with Pillow's `verify` (ADR 0020).
def _broken(upload, field: str, what: str) -> ValidationFailed:
    return ValidationFailed(
        f"Tệp '{clean_name(upload.name)}' bị hỏng, không mở được như {what}. Hãy lưu hoặc quét lại "
        "rồi tải lên.",
        code="broken_file",
        details={"field": field},
    )


def _opens_as_pdf(upload, field: str) -> None:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("password")
        pages = len(reader.pages)
    except FileNotDecryptedError:
        raise ValidationFailed(
            f"Tệp '{clean_name(upload.name)}' được đặt mật khẩu; cán bộ sẽ không mở được. Hãy tải lên "
            "bản không có mật khẩu.",
            code="pdf_encrypted",
            details={"field": field},
        ) from None
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds for malformed input: "does not open"
        log.info("refused a broken PDF upload: %s", type(exc).__name__)
        raise _broken(upload, field, "tệp PDF") from None
    if pages < 1:
        raise _broken(upload, field, "tệp PDF")


def _opens_as_image(upload, field: str) -> None:
    from PIL import Image

    try:
        with Image.open(upload) as image:
            image.verify()
    except Exception:  # noqa: BLE001 - Pillow too: truncated or corrupt data raises several kinds
        raise _broken(upload, field, "ảnh") from None


def attach(
    actor,
    code: str,
    upload,
    *,
    component: str | None = None,
    metadata: PaperMetadata | dict | None = None,
    at: datetime | None = None,
) -> DossierFile:
    """Store one uploaded file with the dossier (and its component, when given).

    `metadata`: the paper's minimum metadata (`PaperMetadata`). A reception officer's scan with all of it
    is a digitised paper: the file, its component and the dossier say so, and the first one makes the
    dossier's change reach the outbox through a `digitise` event. The applicant's own upload stays a copy
    for the one-stop to check, whatever its metadata (digitisation is the one-stop's work).
    """
    at = services.now(at)
    kind, sha256 = check_upload(upload)
    component_code = inputs.text(component, "component", max_length=40)
    meta = inputs.validate(PaperMetadata, metadata or {})

    upload.seek(0)
    return _store(
        actor,
        code,
        upload,
        kind,
        sha256,
        component_code,
        at,
        digitised_if=meta.complete,
        **meta.model_dump(),
    )


def attach_reused(actor, code: str, key: str, *, component: str | None = None, at: datetime | None = None):
    """Hand in a paper of `actor`'s own data warehouse instead of an upload (DuocTaiSuDung = 1).

    `key` is the warehouse key (`motcua.documents.warehouse`): ownership is checked again here, a revoked
    result is refused, and the bytes are copied into the dossier only if their SHA-256 still matches the
    warehouse's record (a paper changed on disk since it was issued is not a copy of it). A reused result
    also records its code (MaKetQuaThayThe); a reused digitised paper points at its original file.
    """
    from motcua.documents import warehouse  # documents builds on dossiers: imported when used

    at = services.now(at)
    component_code = inputs.text(component, "component", max_length=40)
    paper = warehouse.paper(actor, inputs.text(key, "paper", max_length=24, required=True))
    if not paper.reusable:
        raise Conflict(
            f"Giấy tờ '{paper.name}' đã bị thu hồi, không dùng lại được.",
            code="paper_revoked",
            details={"field": "paper"},
        )
    try:
        with storage.open_checked(paper.storage_name, paper.sha256) as fh:
            content = fh.read()
    except (Conflict, NotFound):  # gone or changed at rest: not a copy of what was issued
        content = None
    if content is None or len(content) != paper.size:
        raise Conflict(
            f"Tệp của giấy tờ '{paper.name}' trong kho dữ liệu không còn nguyên vẹn (sai mã băm); "
            "hãy tải bản khác lên hoặc liên hệ bộ phận một cửa.",
            code="paper_damaged",
            details={"field": "paper"},
        )
    kind = sniff(content[:16]) or (paper.content_type, ".pdf")
    upload = ContentFile(content, name=paper.name)
    return _store(
        actor,
        code,
        upload,
        kind,
        paper.sha256,
        component_code,
        at,
        reused=Reuse.WAREHOUSE,
        reused_from_id=int(paper.key[1:]) if paper.kind == "paper" else None,
        replacing_result=paper.result_code if paper.kind == "result" else "",
    )


def _store(actor, code, upload, kind, sha256, component_code, at, *, digitised_if=False, **fields):
    """Insert one DossierFile under the dossier's lock; its bytes never outlive a refused or failed row."""
    stored = None
    try:
        with transaction.atomic(), statements.one_cursor():
            d = services.lock(code)
            kinds = _may_touch(actor, d)
            part = None
            if component_code:
                part = d.components.filter(code=component_code).first()
                if part is None:
                    raise ValidationFailed(
                        f"Hồ sơ không có thành phần '{component_code}'.",
                        code="unknown_component",
                        details={"field": "component"},
                    )
            if d.files.count() >= settings.DOSSIER_MAX_FILES:
                raise Conflict(
                    f"Hồ sơ đã có {settings.DOSSIER_MAX_FILES} tệp, không nhận thêm.", code="too_many_files"
                )
            f = DossierFile(
                dossier=d,
                component=part,
                name=clean_name(upload.name),
                content_type=kind[0],
                size=upload.size,
                sha256=sha256,
                uploaded_at=at,
                uploaded_by=actor,
                digitised=digitised_if and RECEPTION in kinds,
                **fields,
            )
            upload.seek(0)
            f.file.save(f"upload{kind[1]}", upload, save=False)
            stored = f.file.name
            f.save()
            if f.digitised:
                _digitised(d, part, f, actor, at)
    except BaseException:
        # The bytes went to disk before the row; whatever stopped the row (a refusal, a failed commit)
        # must not leave them behind.
        if stored:
            private_delete(stored)
        raise
    return f


def _digitised(d: Dossier, part, f: DossierFile, actor, at: datetime) -> None:
    """Flag the component and the dossier; the dossier's first digitised paper is an event (and so an
    outbox message: HoSoCoThanhPhanSoHoa changes for the national portal)."""
    if part is not None and not part.digitised:
        part.digitised = True
        statements.update(part, ["digitised"])
    if d.digitised:
        return
    d.digitised = True
    d.version += 1
    d.updated_at = at
    statements.update(d, ["digitised", "version", "updated_at"])
    events.record(
        d,
        actor,
        "digitise",
        d.status,
        at=at,
        data={"file": f.pk, "component": part.code if part is not None else None},
    )


def remove(actor, code: str, file_id: int) -> None:
    """Remove a file its uploader added, while it is not yet part of the dossier's record."""
    with transaction.atomic():
        d = services.lock(code)
        _may_touch(actor, d)  # before looking for the file: a stranger learns nothing about its files
        f = d.files.filter(pk=file_id).first()
        if f is None:
            raise NotFound(f"Hồ sơ không có tệp số {file_id}.", code="file_not_found")
        if f.uploaded_by_id != getattr(actor, "pk", None):
            raise PermissionDenied("Chỉ người tải tệp lên mới xóa được tệp đó.", code="not_your_file")
        if f.event_seq is not None:
            raise Conflict("Tệp đã được nộp cùng hồ sơ bổ sung, không xóa được.", code="file_submitted")
        name = f.file.name
        f.delete()
        transaction.on_commit(lambda: private_delete(name))


def private_delete(name: str) -> None:
    private_storage.delete(name)


def may_attach(actor, d: Dossier) -> bool:
    """Whether `attach` would take a file from `actor` for `d` now (a page shows its upload form then)."""
    try:
        _may_touch(actor, d)
    except (NotFound, PermissionDenied, Conflict):
        return False
    return True
