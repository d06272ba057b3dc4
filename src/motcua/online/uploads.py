"""What an online upload must be before it is kept in a draft: the dossier rules (type by content, size,
not empty: `motcua.dossiers.files.check_upload`), and a file that opens.

A file that starts with `%PDF-` but is not a PDF (a truncated download, a renamed document) passes a magic
byte check and reaches the officer as a file nobody can open; so a PDF is opened with pypdf (its
cross-reference table and page tree read, nothing rendered), an image with Pillow's `verify`. ADR 0020.
"""

from __future__ import annotations

import logging

from django.conf import settings

from motcua.core.errors import ValidationFailed
from motcua.dossiers import files

log = logging.getLogger(__name__)


def check(upload, field: str) -> tuple[tuple[str, str], str]:
    """((content type, extension), sha256) of an acceptable upload, or 422 naming `field`."""
    try:
        kind, sha256 = files.check_upload(upload, field)
    except ValidationFailed as exc:
        if exc.code == "file_too_large":
            limit = settings.DOSSIER_FILE_MAX_BYTES
            size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
            raise ValidationFailed(
                f"Tệp '{files.clean_name(upload.name)}' lớn quá {size}. Hãy quét lại với độ phân giải "
                "thấp hơn hoặc chia thành nhiều tệp.",
                code=exc.code,
                details={"field": field},
            ) from None
        if exc.code == "unsupported_file_type":
            raise ValidationFailed(
                f"Tệp '{files.clean_name(upload.name)}' không phải PDF, JPG hoặc PNG (loại tệp được xét theo "
                "nội dung, không theo đuôi tên tệp).",
                code=exc.code,
                details={"field": field},
            ) from None
        if exc.code == "empty_file":
            raise ValidationFailed(
                f"Tệp '{files.clean_name(upload.name)}' rỗng (0 byte).",
                code=exc.code,
                details={"field": field},
            ) from None
        raise
    upload.seek(0)
    if kind[0] == "application/pdf":
        _opens_as_pdf(upload, field)
    else:
        _opens_as_image(upload, field)
    upload.seek(0)
    return kind, sha256


def _broken(upload, field: str, what: str) -> ValidationFailed:
    return ValidationFailed(
        f"Tệp '{files.clean_name(upload.name)}' bị hỏng, không mở được như {what}. Hãy lưu hoặc quét lại "
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
            f"Tệp '{files.clean_name(upload.name)}' được đặt mật khẩu; cán bộ sẽ không mở được. Hãy tải lên "
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
