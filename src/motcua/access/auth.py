"""API authentication: bearer tokens (`motcua issue_token`) or the browser session."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from motcua.directory.models import ApiToken


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user) -> str:
    raw = "mc_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[:8])
    return raw


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(token), revoked=False, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        if row.last_used_at is None or (timezone.now() - row.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        request.user = row.user
        return row.user


class OptionalAuth(BearerAuth):
    """Public endpoints: identify the caller when a valid token or session is present, never refuse."""

    def __call__(self, request):
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            user = super().__call__(request)
            if user is not None:
                return user
        return request.user if request.user.is_authenticated else True


bearer = BearerAuth()
session = SessionAuth()
REQUIRED = [bearer, session]
