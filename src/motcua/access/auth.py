"""API authentication: bearer tokens (`motcua issue_token`) or the browser session."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

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


class SessionAuth(NinjaSessionAuth):
    """The signed-in browser session. Without one the caller is unauthenticated (401): ninja would first
    check the CSRF token of a write and answer 403 to a caller who has no session at all. (The class
    keeps ninja's name: it names the security scheme in the OpenAPI document.)"""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


bearer = BearerAuth()
session = SessionAuth()
REQUIRED = [bearer, session]
