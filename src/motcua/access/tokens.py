"""An account's own API tokens: the list it may see and the revocation it may do (the admin revokes any)."""

from __future__ import annotations

from django.db.models import QuerySet

from motcua.core.errors import NotFound, ValidationFailed

from .auth import issue_token
from .models import ApiToken


def issue_api_token(user, expires_at=None) -> str:
    """A new bearer token for ``user`` (only its hash is stored); the raw value is shown once."""
    if not user.is_active:
        raise ValidationFailed(f"Tài khoản '{user}' đã bị khóa.", code="inactive_user")
    return issue_token(user, expires_at=expires_at)


def revoke_api_tokens(tokens) -> int:
    """Revoke tokens (a queryset of ``ApiToken``); returns how many were active."""
    return ApiToken.objects.filter(pk__in=tokens.values("pk"), revoked=False).update(revoked=True)


def tokens_of(user) -> QuerySet[ApiToken]:
    """Newest first; revoked and expired ones too, so that the owner sees what happened to each."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def revoke_own_token(user, token_id: int) -> None:
    """Revoke one of ``user``'s tokens; another account's token is 404, as if it did not exist.

    Revoking an already revoked token changes nothing and is not an error (a retried DELETE).
    """
    mine = ApiToken.objects.filter(user=user, pk=token_id)
    if not mine.exists():
        raise NotFound(f"Không có mã truy cập số {token_id} của tài khoản này.", code="token_not_found")
    revoke_api_tokens(mine)
