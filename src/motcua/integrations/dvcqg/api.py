"""GET /reports/dvcqg-sync and /reports/dvcqg-sync/pending: the portal sync rate (766 indicator 1.4) per
receiving unit and period, and the dossiers the portal lacks at their latest state (staff only; ADR 0027).
The pending list carries codes and states only: no personal data."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Query, Router, Schema

from motcua.access.auth import REQUIRED
from motcua.access.errors import errors
from motcua.core.formatting import LOCAL_TZ

from . import selectors

router = Router(tags=["reports"])
MAX_PAGE = 200


class PeriodQuery(Schema):
    agency: str | None = Field(
        None, max_length=40, description="Mã định danh đơn vị tiếp nhận; trống: mọi đơn vị được xem"
    )
    start: str | None = Field(
        None, alias="from", max_length=10, description="YYYY-MM-DD; mặc định: đầu tháng của 'to'"
    )
    end: str | None = Field(
        None, alias="to", max_length=10, description="YYYY-MM-DD (tính cả ngày này); mặc định: hôm nay"
    )


class PendingQuery(PeriodQuery):
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    cursor: str | None = Field(None, max_length=500, description="giá trị 'next' của trang trước")


class RateOut(Schema):
    agency: str
    name: str
    received: int = Field(..., description="hồ sơ tiếp nhận trong kỳ")
    synced: int = Field(..., description="hồ sơ Cổng DVCQG đã nhận (tử số chỉ số 1.4)")
    current: int = Field(..., description="hồ sơ Cổng đã nhận ở trạng thái mới nhất")
    pending: int = Field(..., description="hồ sơ Cổng chưa nhận trạng thái mới nhất")
    ratio: float = Field(..., description="synced / received")


class TotalOut(Schema):
    received: int
    synced: int
    current: int
    pending: int
    ratio: float


class SyncReportOut(Schema):
    start: date = Field(..., alias="from")
    end: date = Field(..., alias="to")
    items: list[RateOut]
    total: TotalOut


class PendingOut(Schema):
    code: str
    status: int
    version: int
    acked_version: int | None
    acked_at: datetime | None
    received_at: datetime


class PendingListOut(Schema):
    items: list[PendingOut]
    next: str | None


def _rate(r: selectors.Rate) -> dict:
    return {
        "agency": r.agency,
        "name": r.name,
        "received": r.received,
        "synced": r.synced,
        "current": r.current,
        "pending": r.pending,
        "ratio": r.ratio,
    }


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(LOCAL_TZ) if value else None


@router.get(
    "/reports/dvcqg-sync",
    response={200: SyncReportOut, **errors(403, 404, 422)},
    auth=REQUIRED,
    by_alias=True,
    summary="Tỷ lệ hồ sơ đồng bộ lên Cổng DVCQG theo đơn vị tiếp nhận (chỉ số 766: 1.4)",
)
def sync_report(request, params: Query[PeriodQuery]):
    """Per receiving unit: dossiers received from `from` to `to`, those the portal holds (ratio = indicator
    1.4), and those it lacks at their latest state. 403 for non-staff, 404 `agency_not_found` for a unit the
    caller may not see, 422 `invalid_period`."""
    start, end = selectors.period(params.start, params.end)
    rates, total = selectors.sync_rates(request.auth, params.agency, start, end)
    whole = _rate(total)
    del whole["agency"], whole["name"]
    return {"from": start, "to": end, "items": [_rate(r) for r in rates], "total": whole}


@router.get(
    "/reports/dvcqg-sync/pending",
    response={200: PendingListOut, **errors(403, 404, 422)},
    auth=REQUIRED,
    summary="Hồ sơ Cổng DVCQG chưa nhận trạng thái mới nhất",
)
def sync_pending(request, params: Query[PendingQuery]):
    """The period's dossiers the portal has not acknowledged at their latest state, oldest received first
    (keyset pages: pass `next` as `cursor`)."""
    start, end = selectors.period(params.start, params.end)
    page = selectors.pending(request.auth, params.agency, start, end, size=params.limit, cursor=params.cursor)
    items = []
    for d in page.rows:
        sync = getattr(d, "portal_sync", None)
        items.append(
            {
                "code": d.code,
                "status": d.status,
                "version": d.version,
                "acked_version": sync.acked_version if sync else None,
                "acked_at": _local(sync.acked_at) if sync else None,
                "received_at": _local(d.received_at),
            }
        )
    return {"items": items, "next": page.next}
