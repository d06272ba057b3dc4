"""The paging parameters every list of the API takes (contract §4: bounded page size), and keyset paging.

Small lists page with `page` and `page_size`. Lists that grow without bound (dossiers) also take `cursor`,
the `next` of the previous page: a page then starts after the last row shown, through an index, and costs
the same on page 1,000 as on page 1. OFFSET paging there is bounded (`MAX_OFFSET` rows skipped), because
every skipped row is read.
"""

from __future__ import annotations

from django.conf import settings
from ninja import Field, Schema

from motcua.core.errors import ValidationFailed

MAX_PAGE = 100_000
MAX_OFFSET = 2_000


class Page(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Trang, bắt đầu từ 1")
    page_size: int = Field(
        20,
        ge=1,
        le=settings.API_MAX_PAGE_SIZE,
        description=f"Số dòng mỗi trang (tối đa {settings.API_MAX_PAGE_SIZE})",
    )


class KeysetPage(Page):
    cursor: str | None = Field(
        None,
        max_length=500,
        description="Giá trị 'next' của trang trước: trang tiếp theo bắt đầu sau dòng cuối của trang đó "
        "(khi có cursor, 'page' không dùng)",
    )

    def offset(self) -> int:
        """Rows to skip for `page` (0 with a cursor); `page_too_deep` past MAX_OFFSET rows."""
        if self.cursor:
            return 0
        skip = (self.page - 1) * self.page_size
        if skip > MAX_OFFSET:
            raise ValidationFailed(
                f"Chỉ lật trang bằng 'page' trong {MAX_OFFSET} dòng đầu; "
                "trang sau hãy dùng 'cursor' = giá trị 'next' của trang trước.",
                code="page_too_deep",
                details={"field": "page"},
            )
        return skip
