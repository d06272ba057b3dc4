"""The locked read every action and file change starts with: the dossier row, FOR UPDATE, with what an
action and its outbox payload read of its agencies and procedure, in one precompiled statement."""

from __future__ import annotations

from motcua.catalog.versions import version_by_id
from motcua.core import statements

from ..models import Dossier
from ..permissions import not_found

# What a dossier needs of its procedure (its checks, the outbox payload, the API): the wide text and JSON
# columns (search text, requirements, subjects) stay deferred, as with `.only(...)`.
PROCEDURE_COLUMNS = ("id", "code", "name", "publication_state", "online_level", "version", "field_id")

# The competent agency is loaded whole (its working windows make the calendar); the receiving and current
# agencies, when they are other agencies, with what an action and its payload read (the rest deferred).
AGENCY_COLUMNS = ("id", "identifier", "name", "parent_id", "level", "kind", "province_id", "is_active")
_LOCK_JOINS = (
    ("agency", "a1", None),
    ("receiving_agency", "a2", AGENCY_COLUMNS),
    ("current_agency", "a3", AGENCY_COLUMNS),
    ("procedure", "p", PROCEDURE_COLUMNS),
)


def _build_lock(conn):
    qn = conn.ops.quote_name
    select, loaders = [], []
    cols, load = statements.columns(Dossier, "d", conn)
    select.append(cols)
    loaders.append((None, load, load.width))
    joins = []
    for name, alias, only in _LOCK_JOINS:
        field = Dossier._meta.get_field(name)
        target = field.related_model
        cols, load = statements.columns(target, alias, conn, only)
        select.append(cols)
        loaders.append((field, load, load.width))
        joins.append(
            f"INNER JOIN {qn(target._meta.db_table)} {alias} "
            f"ON {alias}.{qn(target._meta.pk.column)} = d.{qn(field.column)}"
        )
    sql = (
        f"SELECT {', '.join(select)} FROM {qn(Dossier._meta.db_table)} d {' '.join(joins)} "
        f"WHERE d.{qn(Dossier._meta.get_field('code').column)} = %s"
    )
    if conn.features.has_select_for_update:
        sql += " FOR UPDATE OF d" if conn.features.has_select_for_update_of else " FOR UPDATE"
    return sql, loaders


def _select_locked(code: str) -> Dossier | None:
    """`select_related(agencies, procedure).select_for_update(of=self).get(code=code)`, precompiled."""
    conn, (sql, loaders) = statements.plan("lock:dossier", _build_lock)
    rows = statements.execute(conn, sql, [code])
    if not rows:
        return None
    row = rows[0]
    offset, d, loaded = 0, None, {}
    for field, load, width in loaders:
        if field is None:
            d = load(row, offset)
        else:  # the three agencies are mostly one: one (read-only) instance per row, as the ORM's cache would
            key = (field.related_model, getattr(d, field.attname))
            obj = loaded.get(key)
            if obj is None:
                obj = loaded[key] = load(row, offset)
            field.set_cached_value(d, obj)
        offset += width
    return d


def lock(code: str) -> Dossier:
    """The dossier `code`, locked for this transaction, or 404 (the caller's visibility is checked next)."""
    # The version comes from the per-process cache, not from a join that decodes its record every time.
    d = _select_locked(code) if code and "\x00" not in code and len(code) <= 60 else None
    if d is None:
        raise not_found(code)
    d.procedure_version = version_by_id(d.procedure_version_id)
    return d
