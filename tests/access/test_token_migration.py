"""Tokens issued before expiry existed get the default lifetime from the upgrade (directory 0003)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("directory", "0002_name_folded")]
AFTER = [("directory", "0003_apitoken_expiry")]


@pytest.mark.django_db(transaction=True)
def test_existing_tokens_get_the_default_lifetime_from_the_upgrade(settings, django_user_model):
    settings.API_TOKEN_DAYS = 30
    user = django_user_model.objects.create_user(username="tichhop")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old_model = executor.loader.project_state(BEFORE).apps.get_model("directory", "ApiToken")
        created = timezone.now() - timedelta(days=400)
        old = old_model.objects.create(user_id=user.pk, key_hash="a" * 64, prefix="mc_old")
        old_model.objects.filter(pk=old.pk).update(created_at=created)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
        # Going back unapplied every later migration that depends on directory 0003 (access 0002 and on):
        # leave the schema complete for the tests that run after this one in the same process.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    from motcua.access.models import ApiToken

    token = ApiToken.objects.get(prefix="mc_old")
    # Counted from the upgrade, not from creation: a 400-day-old token keeps working for 30 more days.
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert token.state == "active"
