"""Shared fixtures: a small province directory, staff in each role, API clients with bearer tokens."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from motcua.access.auth import issue_token
from motcua.directory.models import AdminUnit, Agency, Applicant, Role, StaffAssignment


def pytest_configure(config):
    # Password hashing is deliberately slow (~1 s per user on a loaded CI box); tests need no strength.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class ApiClient:
    """JSON client for /api/v1 acting as one user (or anonymous)."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, **self.headers)

    def post(self, path: str, body=None, **headers):
        return self.client.post(
            f"/api/v1{path}",
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            **self.headers,
            **headers,
        )

    def upload(self, path: str, fields: dict, **headers):
        """multipart/form-data POST (files as SimpleUploadedFile values)."""
        return self.client.post(f"/api/v1{path}", data=fields, **self.headers, **headers)

    def delete(self, path: str, **headers):
        return self.client.delete(f"/api/v1{path}", **self.headers, **headers)


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    """Every test stores dossier files in its own directory."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory):
    """One demo CA per test worker (ADR 0019): agencies are enrolled from it on first use and keep their
    key files for the rest of the session (an RSA key costs ~60 ms; a test's agencies reuse them)."""
    from motcua.documents.signing import democa

    directory = tmp_path_factory.mktemp("signing")
    democa.ensure_ca(directory)
    return directory


@pytest.fixture(autouse=True)
def signing_credentials(settings, signing_dir):
    """Every agency can sign its electronic results, as after `motcua demo_ca`."""
    settings.MOTCUA_SIGNING_DIR = signing_dir
    settings.MOTCUA_SIGNING_AUTO_ENROL = True
    return signing_dir


@pytest.fixture
def province(db):
    return AdminUnit.objects.create(
        code="40", name="Tỉnh Nghệ An", level="province", valid_from=date(2025, 7, 1)
    )


@pytest.fixture
def other_province(db):
    return AdminUnit.objects.create(
        code="38", name="Tỉnh Thanh Hóa", level="province", valid_from=date(2025, 7, 1)
    )


@pytest.fixture
def agencies(province, other_province):
    """A provincial centre, two departments, a commune centre, and a department of another province."""
    mk = Agency.objects.create
    centre = mk(
        identifier="000.00.00.H40",
        name="Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
        level="province",
        kind="service_centre",
        province=province,
        admin_unit=province,
    )
    justice = mk(
        identifier="000.00.15.H40",
        name="Sở Tư pháp tỉnh Nghệ An",
        level="province",
        kind="department",
        province=province,
        admin_unit=province,
    )
    health = mk(
        identifier="000.00.18.H40",
        name="Sở Y tế tỉnh Nghệ An",
        level="province",
        kind="department",
        province=province,
        admin_unit=province,
    )
    commune = mk(
        identifier="000.01.15.H40",
        name="Trung tâm PVHCC xã Anh Sơn",
        level="commune",
        kind="commune_committee",
        province=province,
        admin_unit=province,
    )
    foreign = mk(
        identifier="000.00.15.H38",
        name="Sở Tư pháp tỉnh Thanh Hóa",
        level="province",
        kind="department",
        province=other_province,
        admin_unit=other_province,
    )
    return {"centre": centre, "justice": justice, "health": health, "commune": commune, "foreign": foreign}


@pytest.fixture
def make_staff(db):
    def make(username: str, role: str, agency: Agency, **extra):
        user = get_user_model().objects.create_user(username=username, password="demo", **extra)
        StaffAssignment.objects.create(user=user, agency=agency, role=role)
        return user

    return make


@pytest.fixture
def people(agencies, make_staff):
    """One user per demo role, as in contract §3."""
    User = get_user_model()
    citizen = User.objects.create_user(username="congdan", password="demo")
    Applicant.objects.create(
        user=citizen,
        kind="citizen",
        full_name="Nguyễn Thị Hoa",
        id_number="038190001234",
        phone="0912345678",
        email="hoa@example.vn",
    )
    return {
        "admin": User.objects.create_superuser(username="admin", password="demo"),
        "tiepnhan": make_staff("tiepnhan", Role.RECEPTION, agencies["centre"]),
        "chuyenvien": make_staff("chuyenvien", Role.SPECIALIST, agencies["justice"]),
        "lanhdao": make_staff("lanhdao", Role.LEADER, agencies["justice"]),
        "congdan": citizen,
    }


@pytest.fixture
def api_as(db):
    """api_as(user) -> ApiClient with a fresh bearer token; api_as(None) -> anonymous."""

    def make(user=None) -> ApiClient:
        return ApiClient(issue_token(user) if user is not None else None)

    return make
