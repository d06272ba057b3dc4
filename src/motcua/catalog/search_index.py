"""Database-side search indexes over the folded `search_text` (docs/adr/0002-search.md).

Since docs/adr/0025 the public search reads an in-process index (catalog.search_engine) and migration
0007 drops the word index below (FTS5 / tsvector GIN); the pg_trgm indexes stay for the admin's search.
The functions remain because migrations 0003-0005 call them.

PostgreSQL: a GIN index on to_tsvector('simple', search_text) for word-prefix queries (`'w':*`), and
pg_trgm GIN indexes so that substring LIKE on the folded columns (admin search, ad-hoc) is index-backed.
SQLite: an FTS5 external-content table kept in step by triggers; word-prefix queries on it give the
same rows as the LIKE form. Folding itself always happens in Python (motcua.core.text.fold).
"""

from __future__ import annotations

FTS_TABLE = "catalog_procedure_fts"

# Word-prefix matching: the same expression must appear in queries for the index to serve them.
PG_TSVECTOR = "to_tsvector('simple'::regconfig, search_text)"
# fastupdate = off: with the default, new rows wait in the GIN "pending list", which every search scans
# linearly until (auto)vacuum merges it; after a bulk load of 10,000 procedures a 5-row search took 22 ms
# instead of under 1 ms. The catalogue is written rarely and read constantly, so index on write.
PG_GIN = "WITH (fastupdate = off)"
PG_SQL = [
    f"CREATE INDEX IF NOT EXISTS catalog_procedure_search_tsv ON catalog_procedure USING gin ({PG_TSVECTOR}) "
    f"{PG_GIN}",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS catalog_procedure_search_trgm ON catalog_procedure "
    f"USING gin (search_text gin_trgm_ops) {PG_GIN}",
    "CREATE INDEX IF NOT EXISTS catalog_procedure_name_folded_trgm ON catalog_procedure "
    f"USING gin (name_folded gin_trgm_ops) {PG_GIN}",
]
PG_GIN_INDEXES = (
    "catalog_procedure_search_tsv",
    "catalog_procedure_search_trgm",
    "catalog_procedure_name_folded_trgm",
)
PG_DROP = [
    "DROP INDEX IF EXISTS catalog_procedure_search_tsv",
    "DROP INDEX IF EXISTS catalog_procedure_search_trgm",
    "DROP INDEX IF EXISTS catalog_procedure_name_folded_trgm",
]

# Tokens are the folded words; '.' is part of a token so that a code such as 1.004222 stays one word.
SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_text, content='catalog_procedure', "
    "content_rowid='id', tokenize=\"unicode61 remove_diacritics 0 tokenchars '.'\", prefix='1 2 3')"
)
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON catalog_procedure BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON catalog_procedure BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF search_text ON catalog_procedure BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{s}" for s in ("ai", "ad", "au")] + [
    f"DROP TABLE IF EXISTS {FTS_TABLE}"
]


def install(connection) -> None:
    """Create the indexes for this database (idempotent)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for sql in PG_SQL:
                cur.execute(sql)
        elif connection.vendor == "sqlite":
            cur.execute(SQLITE_TABLE)
            for sql in SQLITE_TRIGGERS:
                cur.execute(sql)
            cur.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def gin_fastupdate_off(connection) -> None:
    """Indexes created before PG_GIN: stop queueing new rows, and merge what is queued now."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for name in PG_GIN_INDEXES:
            cur.execute(f"ALTER INDEX IF EXISTS {name} SET (fastupdate = off)")
            cur.execute(
                "SELECT gin_clean_pending_list(oid::regclass) FROM pg_class WHERE relname = %s", [name]
            )


def uninstall(connection) -> None:
    with connection.cursor() as cur:
        for sql in (
            PG_DROP
            if connection.vendor == "postgresql"
            else SQLITE_DROP
            if connection.vendor == "sqlite"
            else []
        ):
            cur.execute(sql)


def drop_word_index(connection) -> None:
    """Search reads an in-process index since docs/adr/0025: the word index (FTS5 / tsvector GIN) goes.

    The pg_trgm indexes stay: the admin's substring search on the folded columns uses them.
    """
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(PG_DROP[0])
        elif connection.vendor == "sqlite":
            for sql in SQLITE_DROP:
                cur.execute(sql)


def restore_word_index(connection) -> None:
    if connection.vendor in ("postgresql", "sqlite"):
        install(connection)
