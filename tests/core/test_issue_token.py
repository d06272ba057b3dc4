"""`motcua issue_token USERNAME [--days N]`: one line (contract §2), a token that expires, bad input is status 2."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from motcua.access.models import ApiToken
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def issue(*args) -> str:
    out = StringIO()
    call_command("issue_token", *args, stdout=out)
    return out.getvalue()


def test_prints_one_line_that_works_as_a_bearer_token(people):
    printed = issue("chuyenvien")
    assert printed.count("\n") == 1 and printed.startswith("mc_")
    assert ApiClient(printed.strip()).get("/dossiers").status_code == 200


def test_default_lifetime_is_the_setting(people, settings):
    settings.API_TOKEN_DAYS = 30
    issue("chuyenvien")
    left = ApiToken.objects.get(user=people["chuyenvien"]).expires_at - timezone.now()
    assert timedelta(days=29) < left <= timedelta(days=30)


def test_days_sets_the_expiry(people):
    issue("chuyenvien", "--days", "7")
    left = ApiToken.objects.get(user=people["chuyenvien"]).expires_at - timezone.now()
    assert timedelta(days=6) < left <= timedelta(days=7)


@pytest.mark.parametrize(("args", "says"), [(["--days", "0"], "--days"), (["--days", "366"], "--days")])
def test_days_out_of_range_is_status_2_and_issues_nothing(people, args, says):
    with pytest.raises(CommandError) as refused:
        issue("chuyenvien", *args)
    assert refused.value.returncode == 2 and says in str(refused.value)
    assert not ApiToken.objects.exists()


def test_unknown_or_inactive_user_is_status_2(people):
    people["lanhdao"].is_active = False
    people["lanhdao"].save()
    for username in ("khongco", "lanhdao"):
        with pytest.raises(CommandError) as refused:
            issue(username)
        assert refused.value.returncode == 2
    assert not ApiToken.objects.exists()
