"""The caller's own API tokens: list them (never the secret) and revoke one. Issuing stays with the
administrator (`motcua issue_token`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Path, Query, Router, Schema, Status

from . import tokens
from .auth import REQUIRED
from .errors import ErrorOut
from .paging import Page

router = Router(tags=["tokens"], auth=REQUIRED)

MAX_ID = 2**63 - 1  # a bigint primary key: larger path values are 422, not a database overflow


class TokenOut(Schema):
    id: int
    prefix: str = Field(description="Các ký tự đầu của mã, để nhận ra mã; mã đầy đủ chỉ hiện một lần khi cấp")
    created_at: datetime
    last_used_at: datetime | None = Field(description="Lần dùng gần nhất (độ chính xác 5 phút)")
    expires_at: datetime
    state: Literal["active", "expired", "revoked"]
    current: bool = Field(description="Mã đang dùng cho chính yêu cầu này")


class TokenList(Schema):
    items: list[TokenOut]
    count: int


@router.get(
    "/tokens",
    response={200: TokenList, 401: ErrorOut, 422: ErrorOut},
    summary="Các mã truy cập API của tôi",
)
def list_tokens(request, page: Query[Page]):
    qs = tokens.tokens_of(request.auth)
    start = (page.page - 1) * page.page_size
    current = getattr(getattr(request, "api_token", None), "pk", None)
    items = [
        {
            "id": t.pk,
            "prefix": t.prefix,
            "created_at": t.created_at,
            "last_used_at": t.last_used_at,
            "expires_at": t.expires_at,
            "state": t.state,
            "current": t.pk == current,
        }
        for t in qs[start : start + page.page_size]
    ]
    return {"items": items, "count": qs.count()}


@router.delete(
    "/tokens/{token_id}",
    response={204: None, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Thu hồi một mã truy cập của tôi",
)
def revoke_token(request, token_id: int = Path(..., ge=1, le=MAX_ID)):
    tokens.revoke_own_token(request.auth, token_id)
    return Status(204, None)
