"""Idempotency-Key on API writes (contract §4): same key + same body = the first result, nothing changed.

The middleware is tested first on a throw-away write endpoint mounted by this module's own urlconf, so
that its rules do not depend on any one resource.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.http import JsonResponse
from django.test import RequestFactory
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from motcua.access.idempotency import IdempotencyMiddleware, request_hash
from motcua.access.models import IdempotencyRecord
from motcua.catalog.services import apply_record
from motcua.directory.models import Role, StaffAssignment
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.integrations.models import OutboxMessage
from tests.api.catalog_data import record
from tests.dossiers.conftest import PROCEDURE, submission

THIS = "tests.api.test_idempotency"
CALLS: list[dict] = []
GATE = {"entered": threading.Event(), "release": threading.Event(), "block": False}


@csrf_exempt
def things(request, outcome: str = "ok"):
    """Counts its calls; answers 201, 422, 500 or 400 as asked by the path."""
    if GATE["block"]:
        GATE["entered"].set()
        GATE["release"].wait(5)
    body = json.loads(request.body or b"{}") if request.content_type == "application/json" else {}
    CALLS.append(body)
    status = {"ok": 201, "invalid": 422, "boom": 500, "bad": 400}[outcome]
    user = request.user.username if request.user.is_authenticated else None
    return JsonResponse({"n": len(CALLS), "echo": body, "user": user}, status=status)


urlpatterns = [
    path("api/v1/things", things),
    path("api/v1/things/<str:outcome>", things),
    path("other/things", things),
]


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    GATE["block"] = False
    GATE["entered"].clear()
    GATE["release"].clear()


def post(client, url, body, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers, **extra)


throwaway = pytest.mark.urls(THIS)  # the tests of the middleware alone run on this module's endpoint


@throwaway
def test_same_key_and_body_replays_the_first_response(client, db):
    first = post(client, "/api/v1/things", {"a": 1}, key="k-1")
    second = post(client, "/api/v1/things", {"a": 1}, key="k-1")

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert len(CALLS) == 1


@throwaway
def test_same_key_different_body_is_409(client, db):
    post(client, "/api/v1/things", {"a": 1}, key="k-1")
    response = post(client, "/api/v1/things", {"a": 2}, key="k-1")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert len(CALLS) == 1


@throwaway
def test_same_key_on_another_path_is_409(client, db):
    post(client, "/api/v1/things", {"a": 1}, key="k-1")
    response = post(client, "/api/v1/things/bad", {"a": 1}, key="k-1")
    assert response.json()["code"] == "idempotency_key_reused"


@throwaway
def test_without_key_every_request_runs(client, db):
    post(client, "/api/v1/things", {"a": 1})
    post(client, "/api/v1/things", {"a": 1})
    assert len(CALLS) == 2
    assert not IdempotencyRecord.objects.exists()


@throwaway
def test_outside_the_api_the_header_is_ignored(client, db):
    post(client, "/other/things", {"a": 1}, key="k-1")
    post(client, "/other/things", {"a": 1}, key="k-1")
    assert len(CALLS) == 2


@throwaway
def test_client_errors_are_stored_and_replayed(client, db):
    first = post(client, "/api/v1/things/invalid", {"a": 1}, key="k-1")
    second = post(client, "/api/v1/things/invalid", {"a": 1}, key="k-1")
    assert first.status_code == second.status_code == 422
    assert second["Idempotent-Replayed"] == "true" and len(CALLS) == 1


@throwaway
def test_server_errors_are_not_stored(client, db):
    assert post(client, "/api/v1/things/boom", {"a": 1}, key="k-1").status_code == 500
    assert post(client, "/api/v1/things/boom", {"a": 1}, key="k-1").status_code == 500
    assert len(CALLS) == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", " k", "k" * 201, "khóa", "a\tb"])
@throwaway
def test_invalid_key_is_400(client, db, key):
    response = post(client, "/api/v1/things", {"a": 1}, key=key)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert CALLS == []


@throwaway
def test_longest_valid_key_is_accepted(client, db):
    assert post(client, "/api/v1/things", {"a": 1}, key="k" * 200).status_code == 201


@pytest.fixture
def users(db):
    # No passwords: hashing them would cost seconds per test.
    make = get_user_model().objects.create_user
    return {"congdan": make("congdan", password=None), "tiepnhan": make("tiepnhan", password=None)}


@throwaway
def test_keys_are_scoped_to_the_caller(client, users, api_as):
    congdan, tiepnhan = api_as(users["congdan"]), api_as(users["tiepnhan"])
    a = congdan.client.post(
        "/api/v1/things",
        data="{}",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="same",
        **congdan.headers,
    )
    b = tiepnhan.client.post(
        "/api/v1/things",
        data="{}",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="same",
        **tiepnhan.headers,
    )
    assert (a.status_code, b.status_code) == (201, 201)
    assert len(CALLS) == 2
    assert set(IdempotencyRecord.objects.values_list("user__username", flat=True)) == {"congdan", "tiepnhan"}


@throwaway
def test_session_user_is_the_scope(client, users):
    client.force_login(users["congdan"])
    post(client, "/api/v1/things", {"a": 1}, key="k-1")
    assert IdempotencyRecord.objects.get().user == users["congdan"]


@throwaway
def test_anonymous_requests_share_the_null_scope(client, db):
    post(client, "/api/v1/things", {"a": 1}, key="k-1")
    replay = post(client, "/api/v1/things", {"a": 1}, key="k-1")
    assert replay["Idempotent-Replayed"] == "true" and len(CALLS) == 1
    assert IdempotencyRecord.objects.get().user is None


@throwaway
def test_request_in_flight_is_409(client, db):
    digest = request_hash(
        RequestFactory().post("/api/v1/things", data='{"a": 1}', content_type="application/json")
    )
    IdempotencyRecord.objects.create(
        key="k-1", method="POST", path="/api/v1/things", request_hash=digest, status_code=0, response_body=b""
    )

    response = post(client, "/api/v1/things", {"a": 1}, key="k-1")

    assert response.status_code == 409 and response.json()["code"] == "idempotency_request_in_progress"
    assert CALLS == []
    # For another body the key is simply reused.
    assert post(client, "/api/v1/things", {"a": 2}, key="k-1").json()["code"] == "idempotency_key_reused"


@throwaway
def test_concurrent_duplicate_gets_in_progress(client, db):
    """The first request is held inside the view; the duplicate arrives meanwhile (same thread, re-entrant)."""
    answers = []

    def view(request):
        answers.append(IdempotencyMiddleware(lambda r: JsonResponse({}, status=201))(request))
        return JsonResponse({"ok": True}, status=201)

    request = RequestFactory().post(
        "/api/v1/things", data="{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    request.user = AnonymousUser()
    response = IdempotencyMiddleware(view)(request)
    assert response.status_code == 201
    assert answers[0].status_code == 409
    assert json.loads(answers[0].content)["code"] == "idempotency_request_in_progress"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need real connections (PostgreSQL)")
@throwaway
def test_concurrent_duplicates_in_threads_run_once(users, api_as):
    api = api_as(users["congdan"])
    GATE["block"] = True
    results: list = []

    def send():
        try:
            results.append(
                api.client.post(
                    "/api/v1/things",
                    data="{}",
                    content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY="k-1",
                    **api.headers,
                )
            )
        finally:
            connection.close()

    first = threading.Thread(target=send)
    first.start()
    assert GATE["entered"].wait(5)
    send()  # the duplicate, while the first is inside the view
    GATE["release"].set()
    first.join(5)

    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409]
    assert len(CALLS) == 1


@throwaway
def test_purge_removes_records_older_than_a_day(db):
    old = IdempotencyRecord.objects.create(
        key="old", method="POST", path="/", request_hash="h", status_code=201, response_body=b"{}"
    )
    IdempotencyRecord.objects.create(
        key="new", method="POST", path="/", request_hash="h", status_code=201, response_body=b"{}"
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))

    call_command("purge_idempotency")

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@throwaway
def test_an_expired_record_does_not_block_its_key(client, db):
    post(client, "/api/v1/things", {"a": 1}, key="k-1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    response = post(client, "/api/v1/things", {"a": 2}, key="k-1")
    assert response.status_code == 201 and len(CALLS) == 2


# ------------------------------------------------------------------------------ the real POST /api/v1/dossiers
@pytest.fixture
def procedure(agencies):
    p, _ = apply_record(
        record(
            PROCEDURE,
            "Đăng ký khai sinh có yếu tố nước ngoài",
            levels=["province"],
            agencies=[agencies["justice"].identifier],
        )
    )
    return p


@pytest.fixture
def reception(agencies, procedure, api_as):
    # A reception officer without a password: hashing one costs about a second per test.
    user = get_user_model().objects.create_user("tiepnhan", password=None)
    StaffAssignment.objects.create(user=user, agency=agencies["centre"], role=Role.RECEPTION)
    return api_as(user)


def test_dossier_submitted_twice_with_one_key_is_created_once(reception):
    body = submission(channel=1)

    first = reception.post("/dossiers", body, HTTP_IDEMPOTENCY_KEY="quay-1-0001")
    second = reception.post("/dossiers", body, HTTP_IDEMPOTENCY_KEY="quay-1-0001")

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert Dossier.objects.count() == 1
    assert DossierEvent.objects.count() == OutboxMessage.objects.filter(topic="dossier.status").count() == 1
    assert OutboxMessage.objects.filter(topic__startswith="notify.").count() == 2, "one receipt, not two"
    assert first.json()["code"] == Dossier.objects.get().code


def test_dossier_key_reused_with_another_body_is_409(reception):
    reception.post("/dossiers", submission(channel=1), HTTP_IDEMPOTENCY_KEY="quay-1-0001")

    response = reception.post(
        "/dossiers", submission(channel=1, summary="Hồ sơ khác"), HTTP_IDEMPOTENCY_KEY="quay-1-0001"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Dossier.objects.count() == 1


def test_dossier_without_key_is_created_each_time(reception):
    codes = [reception.post("/dossiers", submission(channel=1)).json()["code"] for _ in range(2)]
    assert len(set(codes)) == 2 and Dossier.objects.count() == 2


def test_refused_submission_is_replayed_and_still_changes_nothing(reception):
    body = submission(channel=1, components=[])
    first = reception.post("/dossiers", body, HTTP_IDEMPOTENCY_KEY="k")
    second = reception.post("/dossiers", body, HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == second.status_code == 422
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert not Dossier.objects.exists()


def test_action_with_key_is_taken_once(reception):
    code = reception.post("/dossiers", submission(channel=1)).json()["code"]

    first = reception.post(f"/dossiers/{code}/actions/forward", {}, HTTP_IDEMPOTENCY_KEY="fwd-1")
    second = reception.post(f"/dossiers/{code}/actions/forward", {}, HTTP_IDEMPOTENCY_KEY="fwd-1")

    assert first.status_code == second.status_code == 200, first.content
    assert second.content == first.content
    assert DossierEvent.objects.filter(dossier__code=code).count() == 2
