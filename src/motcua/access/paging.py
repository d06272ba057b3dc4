"""The paging parameters every list of the API takes (contract §4: bounded page size)."""

from __future__ import annotations

from django.conf import settings
from ninja import Field, Schema

MAX_PAGE = 100_000


class Page(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Trang, bắt đầu từ 1")
    page_size: int = Field(
        20,
        ge=1,
        le=settings.API_MAX_PAGE_SIZE,
        description=f"Số dòng mỗi trang (tối đa {settings.API_MAX_PAGE_SIZE})",
    )
