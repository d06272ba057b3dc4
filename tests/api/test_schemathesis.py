"""Fuzz every GET operation of /api/v1/openapi.json in-process (WSGI): whatever the input, never a 5xx.

The operations are read from the live OpenAPI document at collection time, so endpoints added later
by any app are fuzzed without touching this file. Calls carry the bearer token of a staff user, so
authenticated endpoints get past the auth check and are exercised too.
"""

from __future__ import annotations

import functools

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from motcua.access.auth import issue_token
from motcua.api.router import api
from motcua.directory.models import Role, StaffAssignment
from motcua.wsgi import application
from tests.api.catalog_data import make_procedure

MAX_EXAMPLES = 25


@functools.cache
def openapi_document() -> dict:
    return api.get_openapi_schema()


@functools.cache
def loaded_schema():
    return schemathesis.openapi.from_dict(openapi_document())


def get_operations() -> list[str]:
    return sorted(path for path, methods in openapi_document()["paths"].items() if "get" in methods)


@pytest.fixture
def seeded(agencies):
    """A few procedures and a staff user's token: enough for lists to return rows and auth to pass."""
    make_procedure("1.004222", "Đăng ký khai sinh", agencies=["000.01.15.H40"])
    make_procedure("1.000656", "Đăng ký kết hôn", agencies=["000.00.15.H40"], online_level="partial")
    make_procedure(
        "1.009994",
        "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        levels=["province"],
        field={"code": "G12-XD05", "name": "Xây dựng"},
        publication_state="draft",
    )
    # No password: hashing one costs seconds, and a bearer token is all the fuzzer needs.
    user = get_user_model().objects.create_user(username="tiepnhan", password=None, is_staff=True)
    StaffAssignment.objects.create(user=user, agency=agencies["centre"], role=Role.RECEPTION)
    # Calling the real WSGI handler would close the test's DB connection at the end of each request
    # (PostgreSQL then fails); Django's test Client detaches this signal handler the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"Authorization": f"Bearer {issue_token(user)}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_operations_were_found():
    # Guards against fuzzing nothing at all if the document's shape changes.
    assert "/api/v1/procedures" in get_operations()


@pytest.mark.django_db
@pytest.mark.parametrize("path", get_operations())
def test_get_never_fails_with_a_server_error(seeded, path):
    operation = loaded_schema()[path]["GET"]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def fuzz(case):
        response = case.call(app=application, headers=seeded)
        case.validate_response(response, checks=[not_a_server_error])

    fuzz()
