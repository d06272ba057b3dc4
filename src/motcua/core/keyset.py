"""Keyset (cursor) pages and capped counts: lists that cost the same on page 1 and on page 1,000.

OFFSET paging reads and throws away every row before the page, and an exact count reads every matching
row, on every page. Here a page starts after the last row of the previous one (its order values, carried
in an opaque cursor), through the index that serves the order, and a count stops at a cap.

An `Order` is a tuple of fields ending with a unique one (`id`), so that ties never repeat or skip a row.
A nullable field sorts its NULLs last in both directions, on every database (the order, the keyset
condition and the cursor agree on that).
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Model, Q, QuerySet, Value

from .errors import ValidationFailed

CURSOR_VERSION = 1


@dataclass(frozen=True)
class Order:
    """A named, total order: `fields` as for `order_by` ("-submitted_at", "-id"), ending with the primary
    key so that no two rows tie."""

    name: str
    fields: tuple[str, ...]
    nullable: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.fields[-1].lstrip("-") != "id":
            raise ValueError(f"order {self.name!r} must end with the primary key 'id' (ties would repeat)")

    def columns(self) -> list[tuple[str, bool]]:
        return [(f.lstrip("-"), f.startswith("-")) for f in self.fields]

    def order_by(self) -> list[Any]:
        out: list[Any] = []
        for name, desc in self.columns():
            if name in self.nullable:
                out.append(F(name).desc(nulls_last=True) if desc else F(name).asc(nulls_last=True))
            else:
                out.append(f"-{name}" if desc else name)
        return out

    def values_of(self, row: Model) -> list[Any]:
        return [getattr(row, name) for name, _ in self.columns()]

    def merged(self, runs: list[list[tuple]]) -> list[tuple]:
        """Key tuples of several runs, each already in this order, merged into this order."""
        if len(runs) == 1:
            return runs[0]
        directions = {desc for _, desc in self.columns()}
        if len(directions) != 1:
            raise ValueError(f"order {self.name!r} mixes directions: its parts cannot be merged")
        desc = directions.pop()
        # NULLs last either way: with reverse=True the smallest key comes last.
        return list(
            heapq.merge(
                *runs, key=lambda k: tuple(x for v in k for x in ((v is None) != desc, v)), reverse=desc
            )
        )

    def after(self, values: list[Any]) -> Q:
        """Rows strictly after `values` in this order (NULLs last).

        Written as OR-ed prefixes, plus a redundant bound on the first column so that the index serving
        the order can start at the cursor instead of filtering from the top."""
        cols = self.columns()
        branches = []
        equal = Q()
        for (name, desc), value in zip(cols, values, strict=True):
            if value is None:  # only NULLs come after NULL, and they tie here
                equal &= Q(**{f"{name}__isnull": True})
                continue
            beyond = Q(**{f"{name}__{'lt' if desc else 'gt'}": value})
            if name in self.nullable:
                beyond |= Q(**{f"{name}__isnull": True})
            branches.append(equal & beyond)
            equal &= Q(**{name: value})
        cond = Q()
        for b in branches:
            cond |= b
        if not branches:
            return Q(pk__in=[])
        first, desc = cols[0]
        if values[0] is not None and first not in self.nullable:
            cond &= Q(**{f"{first}__{'lte' if desc else 'gte'}": values[0]})
        return cond


def encode(order: Order, values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps([CURSOR_VERSION, order.name, plain], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_field", details={"field": "cursor"})


def decode(order: Order, cursor: str, model: type[Model]) -> list[Any]:
    """The order values a cursor carries; 422 when it is not one of ours or belongs to another order."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, name, values = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise _bad("'cursor' không hợp lệ: hãy dùng giá trị 'next' của trang trước.") from None
    if version != CURSOR_VERSION or not isinstance(values, list) or len(values) != len(order.fields):
        raise _bad("'cursor' không hợp lệ: hãy dùng giá trị 'next' của trang trước.")
    if name != order.name:
        raise _bad("'cursor' thuộc một cách sắp xếp khác (bộ lọc đã đổi): hãy bắt đầu lại từ trang đầu.")
    out = []
    for (column, _), value in zip(order.columns(), values, strict=True):
        out.append(_value(model, column, value, column in order.nullable))
    return out


def _value(model: type[Model], column: str, value: Any, nullable: bool) -> Any:
    if value is None and nullable:
        return None
    field = model._meta.get_field(column)
    try:
        if field.get_internal_type() == "DateTimeField":
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError(value)
            return parsed
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
            raise ValueError(value)
        return value
    except (TypeError, ValueError):
        raise _bad("'cursor' không hợp lệ: hãy dùng giá trị 'next' của trang trước.") from None


@dataclass
class Window:
    """A page: its rows, the cursor of the next one, and (first pages) how many rows match, up to a cap."""

    rows: list[Model]
    next: str | None
    count: int | None = None
    capped: bool = False


def page(
    qs: QuerySet | list[QuerySet],
    order: Order,
    *,
    size: int,
    cursor: str | None = None,
    offset: int = 0,
    load: Callable[[list[Any]], QuerySet] | None = None,
    count_cap: int | None = None,
) -> Window:
    """One page of `qs` in `order` (after `cursor`, or skipping `offset` rows) and the next page's cursor.

    The page is found first as primary keys only, with no join: the planner then picks the index that
    serves the filters and the order (on PostgreSQL often an index-only scan), and sorts narrow rows when
    it must sort. `load(pks)` then reads those rows with whatever the caller shows; the next cursor is
    the last one's order values. On a first page with `count_cap`, the same statement reads up to
    `count_cap + 1` keys, so the page and its capped count cost one scan (other pages count with
    `capped_count`).

    `qs` may be a list of disjoint parts (a union whose OR the planner would misjudge): each is read in
    order through its own index, with its order values, and the runs are merged here; on a first page
    the parts are then counted in one statement (`union_count`: parts are meant to be small sets, such as
    a unit's pending dossiers, and a thousand dates per part would cost more to read than the count)."""
    parts = qs if isinstance(qs, list) else [qs]
    model = parts[0].model
    after = decode(order, cursor, model) if cursor else None
    if after is not None:
        offset = 0
    counting = count_cap is not None and not cursor and not offset
    ordered = [p.order_by(*order.order_by()) for p in parts]
    if after is not None:
        ordered = [p.filter(order.after(after)) for p in ordered]
    if len(parts) == 1:
        limit = max(size, count_cap if counting else 0) + 1
        ids = list(ordered[0].values_list("pk", flat=True)[offset : offset + limit])
        total = len(ids)
    else:
        names = [name for name, _ in order.columns()]
        runs = [list(p.values_list(*names)[: offset + size + 1]) for p in ordered]
        ids = [k[-1] for k in order.merged(runs)[offset : offset + size + 1]]  # an order ends with the key
        total = union_count(parts) if counting else 0
    more = len(ids) > size
    ids = ids[:size]
    loaded = {row.pk: row for row in (load(ids) if load else model._default_manager.filter(pk__in=ids))}
    rows = [loaded[i] for i in ids if i in loaded]
    following = encode(order, order.values_of(rows[-1])) if more and rows else None
    if not counting:
        return Window(rows, following)
    return Window(rows, following, min(total, count_cap), total > count_cap)


def union_count(parts: list[QuerySet]) -> int:
    """The exact number of rows of disjoint querysets: one statement, a UNION ALL of one count each."""
    counts = [
        p.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("*")).values_list("n")
        for p in parts
    ]
    rows = counts[0].union(*counts[1:], all=True) if len(counts) > 1 else counts[0]
    return sum(n for (n,) in rows)


def capped_count(qs: QuerySet, cap: int, order: Order | None = None) -> tuple[int, bool]:
    """(count, capped): the exact number of rows up to `cap`; (cap, True) when there are more.

    In `order`, the rows are counted along the index that serves the list: without it, the planner may
    pick a sequential scan that expects matches everywhere, and a date range (matches only at the end of
    a table filled in time order) then reads the whole table."""
    ordered = qs.order_by(*order.order_by()) if order else qs.order_by()
    n = ordered.values("pk")[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)
