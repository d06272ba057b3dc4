"""Catalogue reads: ranked procedure search and the full procedure record.

Search with words is answered by the in-process index of `search_engine` (word keys, spelling
correction, result names, synonyms, explainable rank: docs/adr/0025-search-at-national-scale.md), so
SQLite and PostgreSQL return the same hits in the same order. The database then reads only the rows of
the page asked for. Without words, procedures are listed by code in SQL.
"""

from __future__ import annotations

from django.db.models import BooleanField, IntegerField, QuerySet
from django.db.models.expressions import Expression, F
from django.db.models.functions import Length

from motcua.core.errors import NotFound, ValidationFailed

from . import search_engine
from .models import Field, Procedure
from .records import LEVELS, PREFETCH

# A pasted name is up to 500 characters (records.py caps names there); beyond is not a search.
MAX_QUERY_LENGTH = 500
MAX_QUERY_WORDS = 80
PUBLISHED_STATES = (Procedure.PublicationState.PUBLISHED, Procedure.PublicationState.PUBLISHED_AMENDED)
ONLINE_LEVELS = tuple(Procedure.OnlineLevel.values)
KINDS = tuple(Procedure.Kind.values)
match_of = search_engine.match_of


def query_words(q: str) -> list[str]:
    """The folded words of a query; trailing/leading dots go (they are punctuation, not part of a code)."""
    # Keep order, drop duplicates: 'sinh sinh' asks for nothing more than 'sinh'.
    return list(dict.fromkeys(search_engine.words_of(q)))


def _identifier(value: str, what: str) -> str:
    value = value.strip()
    if not value or len(value) > 40 or not value.isprintable():
        raise ValidationFailed(
            f"Mã {what} không hợp lệ: {value[:40]!r} (invalid {what} code).", code=f"invalid_{what}"
        )
    return value


def _choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise ValidationFailed(
            f"Giá trị {name} không hợp lệ: {value[:40]!r}; chỉ nhận {', '.join(allowed)} (unknown {name}).",
            code=f"invalid_{name}",
        )
    return value


class _RankOf(Expression):
    """The rank the index gave each id, as SQL: `CASE WHEN id IN (..) THEN r .. END` (one IN per rank).

    Used only when the search is read in SQL (iterated, filtered further); `SearchQuerySet` pages
    without it.
    """

    output_field = IntegerField()

    def __init__(self, groups: dict[int, list[int]]) -> None:
        super().__init__()
        self.groups, self.pk = groups, F("pk")

    def get_source_expressions(self) -> list:
        return [self.pk]

    def set_source_expressions(self, exprs: list) -> None:
        (self.pk,) = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        c = self.copy()
        c.pk = self.pk.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return c

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        col, _ = compiler.compile(self.pk)
        if not self.groups:
            return "0", []
        whens, params = [], []
        for rank, ids in sorted(self.groups.items()):
            whens.append(f"WHEN {col} IN ({', '.join(['%s'] * len(ids))}) THEN {int(rank)}")
            params.extend(ids)
        return f"CASE {' '.join(whens)} ELSE 99 END", params


class _InIds(Expression):
    """`id IN (...)` compiled only if the queryset is read in SQL: `pk__in=` would prepare every id of a
    broad search (2,000+) on each call even when the page is read from the index's ranking."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, ids: list[int]) -> None:
        super().__init__()
        self.ids, self.pk = ids, F("pk")

    def get_source_expressions(self) -> list:
        return [self.pk]

    def set_source_expressions(self, exprs: list) -> None:
        (self.pk,) = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        c = self.copy()
        c.pk = self.pk.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return c

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        if not self.ids:
            return "1 = 0", []
        col, _ = compiler.compile(self.pk)
        return f"{col} IN ({', '.join(['%s'] * len(self.ids))})", [int(i) for i in self.ids]


class SearchQuerySet(QuerySet):
    """A search's queryset that remembers the index's ranking, so a page costs one narrow query.

    Counting and slicing use the ranking while the queryset is the search itself, possibly with
    select_related/prefetch_related added; a further filter() returns a plain SQL-ordered queryset
    (the CASE rank annotation), which gives the same order.
    """

    outcome: search_engine.Outcome | None = None

    def _keep(self, qs: SearchQuerySet) -> SearchQuerySet:
        qs.outcome = self.outcome
        return qs

    def select_related(self, *fields):
        return self._keep(super().select_related(*fields))

    def prefetch_related(self, *lookups):
        return self._keep(super().prefetch_related(*lookups))

    def count(self) -> int:
        if self.outcome is not None and self._result_cache is None:
            return len(self.outcome.ranked)
        return super().count()

    def __getitem__(self, k):
        if self.outcome is not None and self._result_cache is None and isinstance(k, slice) and not k.step:
            return self.rows(k.start or 0, len(self.outcome.ranked) if k.stop is None else k.stop)
        return super().__getitem__(k)

    def rows(self, start: int, stop: int) -> list[Procedure]:
        """Rows ranked start..stop-1, each with `rank`; one query (plus the prefetches)."""
        assert self.outcome is not None
        ranked = self.outcome.ranked[max(0, start) : max(0, stop)]
        if not ranked:
            return []
        page = Procedure.objects.filter(pk__in=[i for i, _ in ranked]).order_by()  # ordered below
        page.query.select_related = self.query.select_related
        page._prefetch_related_lookups = self._prefetch_related_lookups
        by_id = {p.pk: p for p in page}
        out = []
        for i, rank in ranked:
            if i in by_id:  # deleted since the index was read: skipped rather than failing
                p = by_id[i]
                p.rank = rank
                out.append(p)
        return out


def _filtered_ids(
    index: search_engine.Index,
    *,
    published_only: bool,
    level: str | None,
    online_level: str | None,
    kind: str | None,
    field_id: int | None,
    agency_ids: set[int] | None,
) -> frozenset[int]:
    """The procedure ids the filters allow, from the index (the same conditions as the SQL filters)."""
    memo = (published_only, level, online_level, kind, field_id)
    if agency_ids is None and memo in index.filtered:
        return index.filtered[memo]
    allowed = frozenset(
        d.id
        for d in index.docs.values()
        if (d.published or not published_only)
        and (not level or level in d.levels)
        and (not online_level or d.online_level == online_level)
        and (not kind or d.kind == kind)
        and (field_id is None or d.field_id == field_id)
        and (agency_ids is None or d.id in agency_ids)
    )
    if agency_ids is None and len(index.filtered) < 1000:
        index.filtered[memo] = allowed
    return allowed


def check_query(q: str) -> list[str]:
    """The folded words of a search text, or ValidationFailed when it is too long to be one."""
    if q and len(q) > MAX_QUERY_LENGTH:
        raise ValidationFailed(
            f"Từ khóa dài quá {MAX_QUERY_LENGTH} ký tự (query too long).", code="query_too_long"
        )
    words = query_words(q or "")
    if len(words) > MAX_QUERY_WORDS:
        raise ValidationFailed(
            f"Từ khóa có quá {MAX_QUERY_WORDS} từ (too many words).", code="query_too_long"
        )
    return words


def search_procedures(
    q: str = "",
    *,
    field: str | None = None,
    level: str | None = None,
    agency: str | None = None,
    online_level: str | None = None,
    kind: str | None = None,
    published_only: bool = True,
) -> QuerySet[Procedure]:
    """Procedures found by `q`, best first (see `search_engine` for how a query is read and ranked).

    Accent-, case-, punctuation- and spacing-insensitive; i/y spellings alike; a word matches the start
    of a catalogue word ('kha sin' finds 'khai sinh'); misspelt words are corrected; result names and
    synonyms find the procedure that issues them. Each row carries `rank` (`match_of(rank)` names it);
    the returned queryset's `outcome` tells how the query was read (corrected words, suggestion).
    Without `q`: by code. Filters: `field` = Field.code, `level` in ministry/province/district/commune,
    `agency` = Agency.identifier, `online_level` in full/partial/none, `kind` in public/internal.
    Empty-string filters count as absent. Raises ValidationFailed for values that cannot match.
    """
    qs = SearchQuerySet(Procedure).select_related("field")
    if published_only:
        qs = qs.filter(publication_state__in=PUBLISHED_STATES)
    if level:
        qs = qs.filter(**{f"at_{_choice(level, LEVELS, 'level')}": True})
    if online_level:
        qs = qs.filter(online_level=_choice(online_level, ONLINE_LEVELS, "online_level"))
    if kind:
        qs = qs.filter(kind=_choice(kind, KINDS, "kind"))
    field_id = agency_ids = None
    if field:
        code = _identifier(field, "field")
        field_id = Field.objects.filter(code=code).values_list("pk", flat=True).first()
        if field_id is None:
            raise ValidationFailed(f"Không có lĩnh vực mã {code!r} (unknown field).", code="unknown_field")
        qs = qs.filter(field_id=field_id)
    if agency:
        from motcua.directory.models import Agency

        ident = _identifier(agency, "agency")
        agency_id = Agency.objects.filter(identifier=ident).values_list("pk", flat=True).first()
        if agency_id is None:
            raise ValidationFailed(f"Không có cơ quan mã {ident!r} (unknown agency).", code="unknown_agency")
        # A filter on the through table cannot duplicate rows: (procedure, agency) is unique.
        qs = qs.filter(agencies=agency_id)
        if q:
            through = Procedure.agencies.through
            agency_ids = set(
                through.objects.filter(agency_id=agency_id).values_list("procedure_id", flat=True)
            )

    words = check_query(q)
    if not words:
        return qs.order_by("code")

    index = search_engine.current()
    allowed = _filtered_ids(
        index,
        published_only=published_only,
        level=level or None,
        online_level=online_level or None,
        kind=kind or None,
        field_id=field_id,
        agency_ids=agency_ids,
    )
    outcome = index.search(q, allowed)
    groups: dict[int, list[int]] = {}
    for i, rank in outcome.ranked:
        groups.setdefault(rank, []).append(i)
    qs = qs.filter(_InIds([i for i, _ in outcome.ranked])).annotate(
        rank=_RankOf(groups), name_length=Length("name_folded")
    )
    qs = qs.order_by("rank", "name_length", "code")
    qs.outcome = outcome
    return qs


def page_of(qs: QuerySet[Procedure], page: int, page_size: int) -> tuple[list[Procedure], int]:
    """One page (1-based) of a search and the total count.

    A search straight from `search_procedures` is paged from the index's ranking (one narrow query);
    any other queryset is cut in SQL, where a short first page is its own count.
    """
    start = (page - 1) * page_size
    if isinstance(qs, SearchQuerySet) and qs.outcome is not None:
        return qs.rows(start, start + page_size), qs.count()
    items = list(qs[start : start + page_size])
    count = len(items) if start == 0 and len(items) < page_size else qs.count()
    return items, count


def procedure_detail(code: str, *, published_only: bool = False) -> Procedure:
    """One procedure with every part prefetched (records.PREFETCH), ready for `procedure_to_record`.

    `published_only` hides drafts (the public API); abolished procedures stay readable because old
    dossiers still point at them.
    """
    qs = Procedure.objects.select_related("field").prefetch_related(*PREFETCH)
    if published_only:
        qs = qs.exclude(publication_state=Procedure.PublicationState.DRAFT)
    code = (code or "").strip()
    p = qs.filter(code=code).first() if code and len(code) <= 20 and code.isprintable() else None
    if p is None:
        raise NotFound(
            f"Không tìm thấy thủ tục hành chính mã {code[:40]!r} (procedure not found).",
            code="procedure_not_found",
        )
    return p
