"""Where citizens' papers and results live: Django's storage API, never a public URL.

`STORAGES["private"]` names the backend: by default the local disk under PRIVATE_MEDIA_ROOT (outside
MEDIA_ROOT, so no URL serves it); `MOTCUA_PRIVATE_STORAGE=s3` switches to an S3-compatible object store
(django-storages; MinIO, Ceph, Viettel/VNPT/FPT object storage). Model fields hold `private_storage`, a
proxy that asks for the configured backend on each use, so settings overrides (tests, per-deployment) take
effect without touching the models or their migrations.

Every stored file has its SHA-256 in its row; `serve` re-checks it on the way out, so a file changed or
damaged at rest is refused (409 `file_corrupted`) instead of handed to a citizen as if it were the original.
Callers check permissions first: this module only moves bytes.
"""

from __future__ import annotations

import hashlib
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse
from django.utils.deconstruct import deconstructible

from .errors import Conflict, NotFound

CHUNK = 256 * 1024


class LocalPrivateStorage(FileSystemStorage):
    """The local disk under PRIVATE_MEDIA_ROOT, read from settings on each use; no URL."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no URL: serve them through a permission-checked view.")


@deconstructible(path="motcua.core.storage.PrivateFiles")
class PrivateFiles:
    """The configured private backend, looked up on every call (a FileField's `storage`)."""

    def __getattr__(self, name):
        return getattr(storages["private"], name)

    def __eq__(self, other):
        return isinstance(other, PrivateFiles)

    def __hash__(self):
        return hash(PrivateFiles)


private_storage = PrivateFiles()


def missing() -> NotFound:
    return NotFound("Tệp không còn trong kho lưu trữ; hãy báo quản trị hệ thống.", code="file_missing")


def corrupted() -> Conflict:
    return Conflict(
        "Tệp lưu trữ không khớp mã kiểm tra (SHA-256) ghi nhận lúc lưu (có thể đã bị sửa hoặc hỏng) nên "
        "không được tải về; hãy báo quản trị hệ thống.",
        code="file_corrupted",
    )


def open_checked(name: str, sha256: str):
    """The stored file, opened at its start, once its SHA-256 matched the one recorded when it was stored
    (read twice, hashed then sent: a few MB at most)."""
    try:
        handle = private_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, ValueError, OSError):
        raise missing() from None
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
    if not name or digest.hexdigest() != (sha256 or "").lower():
        handle.close()
        raise corrupted()
    handle.seek(0)
    return handle


def serve(name: str, sha256: str, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """A private, non-cached download of a checked file. Call only after the permission check."""
    response = FileResponse(
        open_checked(name, sha256), as_attachment=not inline, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
