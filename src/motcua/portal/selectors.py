"""Reads for the public pages that are not catalogue search: the site's centre, home-page counts, filter options.

Counts start from `catalog.selectors.search_procedures()` so "published" means exactly what the catalogue
search means by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from motcua.catalog.models import Field, Procedure
from motcua.catalog.selectors import search_procedures
from motcua.directory.models import Agency
from motcua.directory.selectors import service_centre

LIST_PARTS = ("channels", "fees")


def request_centre(request: HttpRequest | None) -> Agency | None:
    """`service_centre()` once per request (header, footer and page may all ask)."""
    if request is None:
        return service_centre()
    if not hasattr(request, "_motcua_centre"):
        request._motcua_centre = service_centre()
    return request._motcua_centre


def place_name(centre: Agency | None) -> str:
    """'Tỉnh Nghệ An' -> 'tỉnh Nghệ An', to follow 'Cổng dịch vụ công'. Empty when there is no centre."""
    unit = centre.province or centre.admin_unit if centre else None
    if unit is None:
        return ""
    name = unit.name
    for prefix in ("Tỉnh ", "Thành phố ", "Xã ", "Phường ", "Đặc khu "):
        if name.startswith(prefix):
            return name[0].lower() + name[1:]
    return name


@dataclass(frozen=True)
class FieldCount:
    code: str
    name: str
    count: int


@dataclass(frozen=True)
class HomeStats:
    total: int
    province: int
    commune: int
    ministry: int
    full_online: int
    partial_online: int


def field_counts() -> list[FieldCount]:
    rows = (
        search_procedures()
        .order_by()
        .values("field__code", "field__name")
        .annotate(n=Count("id", distinct=True))
        .order_by("field__name")
    )
    return [FieldCount(r["field__code"], r["field__name"], r["n"]) for r in rows]


def home_stats() -> HomeStats:
    online = Procedure.OnlineLevel
    agg = (
        search_procedures()
        .order_by()
        .aggregate(
            total=Count("id", distinct=True),
            province=Count("id", filter=Q(at_province=True), distinct=True),
            commune=Count("id", filter=Q(at_commune=True), distinct=True),
            ministry=Count("id", filter=Q(at_ministry=True), distinct=True),
            full_online=Count("id", filter=Q(online_level=online.FULL), distinct=True),
            partial_online=Count("id", filter=Q(online_level=online.PARTIAL), distinct=True),
        )
    )
    return HomeStats(**{k: v or 0 for k, v in agg.items()})


def online_highlights(limit: int = 6) -> list[Procedure]:
    """A few full-online procedures to show on the home page."""
    qs = search_procedures(online_level=Procedure.OnlineLevel.FULL).select_related("field")
    return list(qs.order_by("name")[:limit])


def with_list_parts(qs: QuerySet[Procedure]) -> QuerySet[Procedure]:
    """What one result line shows: field, and channels and fees for the time and fee summary."""
    return qs.select_related("field").prefetch_related(*LIST_PARTS)


def filter_options() -> tuple[list[Field], list[Agency]]:
    fields = list(Field.objects.only("code", "name").order_by("name"))
    agencies = list(
        Agency.objects.filter(is_active=True, procedures__isnull=False)
        .distinct()
        .only("identifier", "name", "level")
        .order_by("level", "name")
    )
    return fields, agencies
