"""API tokens expire, and their owner lists and revokes them (issue 8); the secret is never shown again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from motcua.access.auth import issue_token
from motcua.access.models import ApiToken
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def past(**delta):
    return timezone.now() - timedelta(**delta)


def test_expired_token_is_refused_with_401_and_its_own_code(people):
    raw = issue_token(people["chuyenvien"], expires_at=past(seconds=1))
    r = ApiClient(raw).get("/dossiers")
    assert r.status_code == 401
    body = r.json()
    assert body["code"] == "token_expired" and "hết hạn" in body["message"]


def test_expired_token_cannot_write(people):
    raw = issue_token(people["chuyenvien"], expires_at=past(days=1))
    r = ApiClient(raw).delete("/tokens/1")
    assert r.status_code == 401 and r.json()["code"] == "token_expired"
    assert not ApiToken.objects.filter(revoked=True).exists()


def test_token_valid_until_its_expiry(people):
    raw = issue_token(people["chuyenvien"], expires_at=timezone.now() + timedelta(minutes=1))
    assert ApiClient(raw).get("/dossiers").status_code == 200


def test_expired_token_on_a_public_endpoint_reads_as_anonymous(people):
    raw = issue_token(people["chuyenvien"], expires_at=past(days=1))
    assert ApiClient(raw).get("/agencies").status_code == 200


def test_new_token_expires_after_the_configured_days(people, settings):
    settings.API_TOKEN_DAYS = 7
    issue_token(people["chuyenvien"])
    token = ApiToken.objects.get(user=people["chuyenvien"])
    assert timedelta(days=7) - timedelta(minutes=1) < token.expires_at - token.created_at <= timedelta(days=7)


def test_owner_lists_own_tokens_without_the_secret(people):
    old = issue_token(people["chuyenvien"], expires_at=past(days=1))
    issue_token(people["lanhdao"])  # someone else's: not listed
    raw = issue_token(people["chuyenvien"])
    r = ApiClient(raw).get("/tokens")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2
    newest, oldest = body["items"]
    assert newest["prefix"] == raw[:8] and newest["state"] == "active" and newest["current"] is True
    assert oldest["prefix"] == old[:8] and oldest["state"] == "expired" and oldest["current"] is False
    assert set(newest) == {"id", "prefix", "created_at", "last_used_at", "expires_at", "state", "current"}
    assert newest["last_used_at"] is not None  # this very request used it
    text = r.content.decode()
    for secret in (raw, old, *ApiToken.objects.values_list("key_hash", flat=True)):
        assert secret not in text


def test_owner_revokes_a_token_and_it_stops_working(people):
    keep = issue_token(people["chuyenvien"])
    lost = issue_token(people["chuyenvien"])
    lost_id = ApiToken.objects.get(prefix=lost[:8]).pk
    r = ApiClient(keep).delete(f"/tokens/{lost_id}")
    assert r.status_code == 204
    assert ApiClient(lost).get("/dossiers").status_code == 401
    assert ApiClient(keep).get("/dossiers").status_code == 200
    listed = {t["id"]: t["state"] for t in ApiClient(keep).get("/tokens").json()["items"]}
    assert listed[lost_id] == "revoked"


def test_revoking_twice_is_not_an_error(people):
    keep = issue_token(people["chuyenvien"])
    other = ApiToken.objects.create(
        user=people["chuyenvien"], key_hash="0" * 64, prefix="mc_x", expires_at=timezone.now(), revoked=True
    )
    assert ApiClient(keep).delete(f"/tokens/{other.pk}").status_code == 204


def test_another_users_token_is_404_and_stays_valid(people):
    mine = issue_token(people["chuyenvien"])
    theirs = issue_token(people["lanhdao"])
    their_id = ApiToken.objects.get(prefix=theirs[:8]).pk
    r = ApiClient(mine).delete(f"/tokens/{their_id}")
    assert r.status_code == 404 and r.json()["code"] == "token_not_found"
    # Same answer as for an id that does not exist: nothing tells the caller the token is someone else's.
    missing = ApiClient(mine).delete("/tokens/987654321")
    assert missing.status_code == 404 and missing.json()["code"] == "token_not_found"
    assert ApiClient(theirs).get("/dossiers").status_code == 200


@pytest.mark.parametrize("token_id", ["0", "-1", str(2**63), "99999999999999999999999", "abc"])
def test_token_id_out_of_range_is_422(people, token_id):
    r = ApiClient(issue_token(people["chuyenvien"])).delete(f"/tokens/{token_id}")
    assert r.status_code == 422 and r.json()["code"] == "invalid_field"


def test_tokens_need_a_signed_in_caller(db):
    for r in (
        ApiClient().get("/tokens"),
        ApiClient().delete("/tokens/1"),
        ApiClient("mc_nonsense").get("/tokens"),
    ):
        assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


def test_browser_session_lists_and_revokes_with_csrf(people):
    issue_token(people["congdan"])
    token_id = ApiToken.objects.get(user=people["congdan"]).pk
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["congdan"])
    listed = client.get("/api/v1/tokens").json()
    assert [t["id"] for t in listed["items"]] == [token_id] and listed["items"][0]["current"] is False
    # A cross-site DELETE without the CSRF token is refused and revokes nothing.
    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 403
    assert not ApiToken.objects.get(pk=token_id).revoked
    client.get("/tra-cuu-ho-so/")  # any page with a form sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    assert client.delete(f"/api/v1/tokens/{token_id}", HTTP_X_CSRFTOKEN=csrf).status_code == 204
    assert ApiToken.objects.get(pk=token_id).revoked


def test_token_list_is_paged(people):
    raw = issue_token(people["chuyenvien"])
    for _ in range(3):
        issue_token(people["chuyenvien"])
    page = ApiClient(raw).get("/tokens", page=2, page_size=3).json()
    assert page["count"] == 4 and len(page["items"]) == 1
    assert ApiClient(raw).get("/tokens", page_size=101).status_code == 422


def test_openapi_documents_the_token_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/tokens"]) == {"get"} and set(paths["/api/v1/tokens/{token_id}"]) == {"delete"}
    assert {"200", "401", "422"} <= set(paths["/api/v1/tokens"]["get"]["responses"])
    assert {"204", "401", "404", "422"} <= set(paths["/api/v1/tokens/{token_id}"]["delete"]["responses"])
