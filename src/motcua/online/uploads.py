"""What an online upload must be before it is kept in a draft: the dossier rules
(`motcua.dossiers.files.check_upload`: type by content, size, not empty, opens), told with the file's name
on the page. ADR 0020.
"""

from __future__ import annotations

from django.conf import settings

from motcua.core.errors import ValidationFailed
from motcua.dossiers import files


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
    return kind, sha256
