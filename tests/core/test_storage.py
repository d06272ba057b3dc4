"""Private files go through Django's storage API, leave only after their checksum matched, and can live in
an S3-compatible store by configuration."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from motcua.core import storage
from motcua.core.errors import Conflict, NotFound
from motcua.settings import private_storage_setting


def _store(data: bytes) -> tuple[str, str]:
    name = storage.private_storage.save("tests/paper.pdf", ContentFile(data))
    return name, hashlib.sha256(data).hexdigest()


def test_local_files_live_under_the_private_root_and_have_no_url(private_files):
    name, _ = _store(b"%PDF-1.7 test")
    assert (private_files / name).read_bytes() == b"%PDF-1.7 test"
    with pytest.raises(ValueError):
        storage.private_storage.url(name)


def test_a_file_leaves_only_when_its_checksum_matches(private_files):
    name, sha = _store(b"%PDF-1.7 original")
    response = storage.serve(name, sha, filename="giấy tờ.pdf", content_type="application/pdf")
    assert b"".join(response.streaming_content) == b"%PDF-1.7 original"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"

    (private_files / name).write_bytes(b"%PDF-1.7 0riginal")  # one byte changed at rest
    with pytest.raises(Conflict) as err:
        storage.serve(name, sha, filename="x.pdf", content_type="application/pdf")
    assert err.value.code == "file_corrupted"

    (private_files / name).unlink()
    with pytest.raises(NotFound) as err:
        storage.open_checked(name, sha)
    assert err.value.code == "file_missing"


def test_s3_is_configured_from_the_environment_and_private_by_default(settings):
    entry = private_storage_setting(
        {
            "MOTCUA_PRIVATE_STORAGE": "s3",
            "MOTCUA_S3_BUCKET": "motcua-ho-so",
            "MOTCUA_S3_ENDPOINT_URL": "https://s3.example.vn",
            "MOTCUA_S3_ACCESS_KEY": "AK",
            "MOTCUA_S3_SECRET_KEY": "SK",
        }
    )
    assert entry["BACKEND"] == "storages.backends.s3.S3Storage"
    assert entry["OPTIONS"]["default_acl"] is None
    assert entry["OPTIONS"]["querystring_auth"] is True
    settings.STORAGES = {**settings.STORAGES, "private": entry}
    backend = storages["private"]
    assert type(backend).__name__ == "S3Storage"
    assert backend.bucket_name == "motcua-ho-so"
    assert backend.endpoint_url == "https://s3.example.vn"
    # The models' storage follows the setting without a migration.
    assert storage.private_storage.bucket_name == "motcua-ho-so"


def test_bad_storage_settings_are_refused_with_a_clear_message():
    with pytest.raises(ImproperlyConfigured, match="MOTCUA_S3_BUCKET"):
        private_storage_setting({"MOTCUA_PRIVATE_STORAGE": "s3"})
    with pytest.raises(ImproperlyConfigured, match="'local' hoặc 's3'"):
        private_storage_setting({"MOTCUA_PRIVATE_STORAGE": "ftp"})
