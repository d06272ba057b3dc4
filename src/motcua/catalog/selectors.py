"""Catalogue reads: accent-insensitive, ranked procedure search and the full procedure record.

Folding happens in Python (`motcua.core.text.fold`, the same function that fills `name_folded` and
`search_text`), so SQLite and PostgreSQL compare the same ASCII strings and return the same rows in
the same order. Each query word must start a word of `search_text`: on PostgreSQL a prefix tsquery
served by a GIN index on to_tsvector('simple', search_text), on SQLite an FTS5 index of the same column,
elsewhere `LIKE 'w%' OR LIKE '% w%'` (migrations 0003-0004, `search_index`; docs/adr/0002-search.md).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import IntegerField, Q, QuerySet
from django.db.models.expressions import Expression, F, RawSQL
from django.db.models.functions import Length

from motcua.core.errors import NotFound, ValidationFailed
from motcua.core.text import fold

from . import search_index
from .models import Field, Procedure
from .records import LEVELS, PREFETCH

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12
PUBLISHED_STATES = (Procedure.PublicationState.PUBLISHED, Procedure.PublicationState.PUBLISHED_AMENDED)
ONLINE_LEVELS = tuple(Procedure.OnlineLevel.values)
KINDS = tuple(Procedure.Kind.values)


def query_words(q: str) -> list[str]:
    """The folded words of a query; trailing/leading dots go (they are punctuation, not part of a code)."""
    words = [w.strip(".") for w in fold(q).split(" ")]
    # Keep order, drop empties and duplicates: 'sinh sinh' asks for nothing more than 'sinh'.
    return list(dict.fromkeys(w for w in words if w))


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


def _word_prefix(column: str, word: str) -> Q:
    """`word` starts a word of the folded, single-spaced column."""
    # `startswith`/`contains`, not the i- variants: the columns are already lower-case ASCII, and a plain
    # LIKE is what PostgreSQL's gin_trgm_ops index serves (`icontains` would wrap the column in UPPER()).
    return Q(**{f"{column}__startswith": word}) | Q(**{f"{column}__contains": f" {word}"})


def _match_words(qs: QuerySet[Procedure], words: list[str]) -> QuerySet[Procedure]:
    """Rows whose search_text has, for every query word, a word starting with it."""
    if connection.vendor == "sqlite":
        # The FTS5 index answers the same question as the LIKE form below without a table scan.
        search_index.ensure_sqlite(connection)
        match = " ".join(f'"{w}"*' for w in words)  # words are [0-9a-z.]+: nothing to escape
        return qs.filter(
            pk__in=RawSQL(
                f"SELECT rowid FROM {search_index.FTS_TABLE} WHERE {search_index.FTS_TABLE} MATCH %s", [match]
            )
        )
    if connection.vendor == "postgresql":
        query = " & ".join(f"'{w}':*" for w in words)
        # extra(): the indexed expression itself must appear in WHERE for the GIN index to serve it.
        return qs.extra(
            where=[f"{search_index.PG_TSVECTOR} @@ to_tsquery('simple'::regconfig, %s)"], params=[query]
        )
    for w in words:
        qs = qs.filter(_word_prefix("search_text", w))
    return qs


class _Rank(Expression):
    """0 exact name (or code) / 1 name starts with the phrase / 2 every word starts a name word / 3 other.

    The SQL of `Case(When(Q(name_folded=...) | Q(code=...)), When(name_folded__startswith=...), ...)`
    written out once: Django resolves and compiles that Case tree in several times what the database takes
    to run a narrow search, this costs two column compilations. Query words are [0-9a-z.]+ (`fold`), so
    they need no LIKE escaping.
    """

    output_field = IntegerField()

    def __init__(self, phrase: str, words: tuple[str, ...]) -> None:
        super().__init__()
        self.phrase, self.words = phrase, words
        self.name, self.code = F("name_folded"), F("code")

    def get_source_expressions(self) -> list:
        return [self.name, self.code]

    def set_source_expressions(self, exprs: list) -> None:
        self.name, self.code = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        c = self.copy()
        c.name = self.name.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        c.code = self.code.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return c

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        col, _ = compiler.compile(self.name)
        code, _ = compiler.compile(self.code)
        all_in_name = " AND ".join(f"({col} LIKE %s OR {col} LIKE %s)" for _ in self.words)
        sql = (
            f"CASE WHEN {col} = %s OR {code} = %s THEN 0 WHEN {col} LIKE %s THEN 1 "
            f"WHEN {all_in_name} THEN 2 ELSE 3 END"
        )
        params = [
            self.phrase,
            self.phrase,
            f"{self.phrase}%",
            *(p for w in self.words for p in (f"{w}%", f"% {w}%")),
        ]
        return sql, params


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
    """Procedures matching every word of `q` (accent-, case- and spacing-insensitive), best first.

    A query word matches a word of the search text that starts with it: 'kha sin' finds 'khai sinh',
    'nguoi' finds 'người', 'guoi' finds nothing inside 'người'; a code is one word ('1.004222', '1.004').

    Order: exact name (or exact code) > name starts with the query > every word in the name > words
    only in the other search text (code, local code, field, subjects); then shorter names, then code.
    Without `q`: by code. Filters: `field` = Field.code, `level` in ministry/province/district/commune,
    `agency` = Agency.identifier, `online_level` in full/partial/none, `kind` in public/internal.
    Empty-string filters count as absent. Raises ValidationFailed for values that cannot match.
    """
    qs = Procedure.objects.select_related("field")
    if published_only:
        qs = qs.filter(publication_state__in=PUBLISHED_STATES)
    if level:
        qs = qs.filter(**{f"at_{_choice(level, LEVELS, 'level')}": True})
    if online_level:
        qs = qs.filter(online_level=_choice(online_level, ONLINE_LEVELS, "online_level"))
    if kind:
        qs = qs.filter(kind=_choice(kind, KINDS, "kind"))
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

    if q and len(q) > MAX_QUERY_LENGTH:
        raise ValidationFailed(
            f"Từ khóa dài quá {MAX_QUERY_LENGTH} ký tự (query too long).", code="query_too_long"
        )
    words = query_words(q or "")
    if len(words) > MAX_QUERY_WORDS:
        raise ValidationFailed(
            f"Từ khóa có quá {MAX_QUERY_WORDS} từ (too many words).", code="query_too_long"
        )
    if not words:
        return qs.order_by("code")

    phrase = " ".join(words)
    qs = _match_words(qs, words)
    return qs.annotate(rank=_Rank(phrase, tuple(words)), name_length=Length("name_folded")).order_by(
        "rank", "name_length", "code"
    )


def page_of(qs: QuerySet[Procedure], page: int, page_size: int) -> tuple[list[Procedure], int]:
    """One page (1-based) of a search and the total count; a short first page is its own count.

    The page is cut by a narrow inner query (ids only, ranked, LIMIT) and the outer query reads whole
    rows for those ids alone: sorting thousands of full rows to keep 20 cost more than the match itself
    on broad queries. Still one query for the page.
    """
    start = (page - 1) * page_size
    items = list(_late_rows(qs, start, start + page_size))
    # Skipping COUNT here saves a second scan for the common narrow query.
    count = len(items) if start == 0 and len(items) < page_size else qs.count()
    return items, count


def _late_rows(qs: QuerySet[Procedure], start: int, stop: int) -> QuerySet[Procedure]:
    """`qs[start:stop]` as `WHERE id IN (SELECT id ... ORDER BY ... LIMIT)`, re-ranked on the page rows only."""
    ids = qs.values("pk")[start:stop]
    page = qs.model._default_manager.filter(pk__in=ids)
    page.query.select_related = qs.query.select_related
    page.query.deferred_loading = qs.query.deferred_loading
    page._prefetch_related_lookups = qs._prefetch_related_lookups
    # The annotations are resolved against the same base table alias, so they carry over as they are.
    for name, expr in qs.query.annotations.items():
        page.query.add_annotation(expr, name)
    page.query.order_by = qs.query.order_by
    page.query.default_ordering = qs.query.default_ordering
    return page


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
