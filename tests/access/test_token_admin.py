"""The administrator lists, filters and revokes anyone's API tokens in the Django admin (Vietnamese labels)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.access.auth import issue_token
from motcua.access.models import ApiToken

pytestmark = pytest.mark.django_db
URL = "/admin/access/apitoken/"


@pytest.fixture
def tokens(people):
    issue_token(people["chuyenvien"])
    issue_token(people["lanhdao"], expires_at=timezone.now() - timedelta(days=1))
    issue_token(people["congdan"])
    ApiToken.objects.filter(user=people["congdan"]).update(revoked=True)
    return {t.user.username: t for t in ApiToken.objects.select_related("user")}


@pytest.fixture
def admin_client_(client, people):
    client.force_login(people["admin"])
    return client


def test_list_shows_expiry_and_state_in_vietnamese(admin_client_, tokens):
    page = admin_client_.get(URL).content.decode()
    for label in (
        "Mã truy cập API",
        "Hết hạn lúc",
        "Lần dùng gần nhất",
        "Còn hiệu lực",
        "Đã hết hạn",
        "Đã thu hồi",
    ):
        assert label.lower() in page.lower(), label
    for token in tokens.values():
        assert token.prefix in page and token.key_hash not in page


@pytest.mark.parametrize(
    ("state", "listed"),
    [("active", {"chuyenvien"}), ("expired", {"lanhdao"}), ("revoked", {"congdan"})],
)
def test_filter_by_state(admin_client_, tokens, state, listed):
    response = admin_client_.get(URL, {"state": state})
    shown = {t.user.username for t in response.context["cl"].result_list}
    assert shown == listed


def test_revoke_action_stops_the_token(admin_client_, tokens):
    target = tokens["chuyenvien"]
    r = admin_client_.post(URL, {"action": "revoke", "_selected_action": [target.pk]}, follow=True)
    assert "Đã thu hồi 1 mã truy cập." in r.content.decode()
    target.refresh_from_db()
    assert target.revoked and target.state == "revoked"


def test_tokens_cannot_be_added_or_edited_in_the_admin(admin_client_, tokens):
    assert admin_client_.get(URL + "add/").status_code == 403
    token = tokens["chuyenvien"]
    r = admin_client_.post(f"{URL}{token.pk}/change/", {"expires_at": "2099-01-01 00:00:00", "revoked": ""})
    assert r.status_code == 403
    token.refresh_from_db()
    assert token.expires_at.year != 2099
