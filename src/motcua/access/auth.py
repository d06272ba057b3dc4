"""API authentication: bearer tokens (`motcua issue_token`) or the browser session.

A token is valid while it is not revoked, not past its `expires_at` and its user is active. An expired token is
refused with its own code (401 `token_expired`) so that an integration knows to ask for a new one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from motcua.access.models import ApiToken
from motcua.core.errors import DomainError

# Recording every use would write on every API call; a coarse "last used" is enough to spot dead tokens.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenExpired(DomainError):
    status = 401
    code = "token_expired"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def default_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)


def issue_token(user, expires_at: datetime | None = None) -> str:
    """A new token for ``user``, valid until ``expires_at`` (default: MOTCUA_API_TOKEN_DAYS from now)."""
    raw = "mc_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, key_hash=hash_token(raw), prefix=raw[:8], expires_at=expires_at or default_expiry()
    )
    return raw


def valid_tokens():
    return ApiToken.objects.filter(revoked=False, user__is_active=True, expires_at__gt=timezone.now())


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(token), revoked=False, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        if row.expires_at <= now:
            raise TokenExpired(
                "Mã truy cập đã hết hạn; hãy đề nghị quản trị viên cấp mã mới (motcua issue_token).",
            )
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        request.api_token = row
        return row.user


class OptionalAuth(BearerAuth):
    """Public endpoints: identify the caller when a valid token or session is present, never refuse."""

    def __call__(self, request):
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            try:
                user = super().__call__(request)
            except TokenExpired:
                user = None
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
