"""Precompiled statements for the hot write paths (dossier intake and actions, the outbox).

Intake runs a handful of fixed statements per call. Compiling them through the ORM every time cost more
than executing them (the benchmark's service/raw ratio was 10-20 %), so they are built once per database
vendor from the models' own metadata and run through Django's cursor (so query capture, error mapping and
the connection's wrappers still apply) with the fields' own conversions: get_db_prep_save on the way in,
the backend's and the fields' converters on the way out. The same SQL values and the same instances as the
ORM, without the per-call compilation. Only for models without save signals, auto_now fields or defaults
computed in the database: tests/dossiers/test_statements.py compares the values with the ORM's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import DatabaseError, models, transaction

_SQL: dict[tuple[str, str], Any] = {}
_shared = threading.local()
# Every model these statements have written to, for the guard test (recorded when a plan is built).
WRITTEN: set[type] = set()


@contextmanager
def one_cursor() -> Iterator[None]:
    """Run the statements of this module inside the block on one cursor of the current connection: opening
    a cursor per statement was a tenth of an intake's time. Blocks nest; the cursor is per thread."""
    if getattr(_shared, "value", None) is not None:
        yield
        return
    conn = transaction.get_connection()
    with conn.cursor() as cursor:
        _shared.value = (conn, cursor)
        try:
            yield
        finally:
            _shared.value = None


def connection():
    """The connection the statements run on (the shared cursor's, inside `one_cursor`)."""
    shared = getattr(_shared, "value", None)
    return shared[0] if shared is not None else transaction.get_connection()


def execute(conn, sql: str, params: list, *, fetch: bool = True) -> Any:
    """Execute on the shared cursor (or a cursor of its own); the fetched rows, or the row count."""
    shared = getattr(_shared, "value", None)
    if shared is not None and shared[0] is conn:
        cursor = shared[1]
        cursor.execute(sql, params)
        return cursor.fetchall() if fetch else cursor.rowcount
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if fetch else cursor.rowcount


_NEW: dict[type, tuple] = {}


def new(model, **values: Any):
    """`model(**values)`, built through Django's positional fast path: keyword initialisation of a dossier
    alone took 40 µs, a twentieth of a counter reception. Missing fields take their defaults; a related
    object given by name is cached on the instance, as the keyword path does."""
    spec = _NEW.get(model)
    if spec is None:
        fields = model._meta.concrete_fields
        spec = _NEW[model] = (fields, [(f.name, f) for f in fields if f.is_relation])
    fields, relations = spec
    related = []
    for name, field in relations:
        if name in values:
            obj = values.pop(name)
            values[field.attname] = None if obj is None else obj.pk
            related.append((field, obj))
    args = [values.pop(f.attname) if f.attname in values else f.get_default() for f in fields]
    if values:
        raise TypeError(f"{model.__name__}() got unexpected fields: {', '.join(sorted(values))}")
    instance = model(*args)
    for field, obj in related:
        field.set_cached_value(instance, obj)
    return instance


def plan(key: str, build, conn=None):
    """(connection, what `build(connection)` made for `key` on this database vendor, built once)."""
    conn = conn or connection()
    plan = _SQL.get((conn.vendor, key))
    if plan is None:
        plan = _SQL[(conn.vendor, key)] = build(conn)
    return conn, plan


# What get_db_prep_save does to the commonest values, done directly (it was half of an intake's CPU time):
# text and boolean fields return a str / bool unchanged; integer fields and foreign keys to an integer
# primary key return an int unchanged; a date-time field passes an aware datetime to the backend's
# adapt_datetimefield_value; and these all return None unchanged. Any other value takes the field's path.
_TEXT, _BOOL, _INT, _MOMENT, _OTHER = range(5)
_INT_FIELDS = (
    models.IntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
)


def _kind(f) -> int:
    cls = type(f)
    if cls in (models.CharField, models.TextField, models.EmailField):
        return _TEXT
    if cls is models.BooleanField:
        return _BOOL
    if cls in _INT_FIELDS or (
        cls is models.ForeignKey
        and type(f.target_field) in (*_INT_FIELDS, models.AutoField, models.BigAutoField)
    ):
        return _INT
    if cls is models.DateTimeField:
        return _MOMENT
    return _OTHER


def preparer(fields, conn, add: bool):
    """obj -> the db values of `fields`: `[f.get_db_prep_save(f.pre_save(obj, add), conn) for f in fields]`,
    with the calls that return their input unchanged skipped."""
    spec = []
    for f in fields:
        plain = (
            not isinstance(f, models.FileField)
            and not getattr(f, "auto_now", False)
            and not getattr(f, "auto_now_add", False)
        )  # pre_save is then the attribute itself
        spec.append((f.attname, f, plain, _kind(f)))
    passthrough = {_TEXT: str, _BOOL: bool, _INT: int}
    adapt = conn.ops.adapt_datetimefield_value

    def prepare(obj) -> list:
        out = []
        for attname, f, plain, kind in spec:
            value = getattr(obj, attname) if plain else f.pre_save(obj, add)
            if kind == _OTHER:
                out.append(f.get_db_prep_save(value, conn))
            elif value is None or type(value) is passthrough.get(kind):
                out.append(value)
            elif kind == _MOMENT and type(value) is datetime and value.tzinfo is not None:
                out.append(adapt(value))
            else:
                out.append(f.get_db_prep_save(value, conn))
        return out

    return prepare


def columns(model, alias: str, conn, only: tuple[str, ...] | None = None) -> tuple[str, Any]:
    """(select list, loader(row, offset) -> instance) for the concrete columns of `model` (or `only` these
    attnames, the others deferred)."""
    fields = [f for f in model._meta.concrete_fields if only is None or f.attname in only]
    qn = conn.ops.quote_name
    names = [f.attname for f in fields]
    converters = []
    for i, f in enumerate(fields):
        col = f.get_col(alias)
        found = conn.ops.get_db_converters(col) + f.get_db_converters(conn)
        if found:
            converters.append((i, found, col))
    width = len(fields)

    def load(row, offset: int = 0):
        values = list(row[offset : offset + width])
        for i, found, col in converters:
            value = values[i]
            for converter in found:
                value = converter(value, col, conn)
            values[i] = value
        return model.from_db(conn.alias, names, values)

    load.width = width
    return ", ".join(f"{alias}.{qn(f.column)}" for f in fields), load


def insert(*objs) -> None:
    """INSERT new instances of one model (every concrete field but the id) and set their ids, as `save()`
    or `bulk_create()` would: one statement with RETURNING, or one per row where there is no RETURNING."""
    if not objs:
        return
    model = type(objs[0])
    conn = connection()
    rows = len(objs) if conn.features.can_return_rows_from_bulk_insert else 1

    def build(conn):
        WRITTEN.add(model)
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        qn = conn.ops.quote_name
        one = f"({', '.join(['%s'] * len(fields))})"
        sql = (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
            f"VALUES {', '.join([one] * rows)}"
        )
        returning = conn.features.can_return_columns_from_insert
        if returning:
            sql += f" RETURNING {qn(model._meta.pk.column)}"
        return sql, preparer(fields, conn, True), returning

    conn, (sql, prepare, returning) = plan(f"insert:{model._meta.label}:{rows}", build, conn)
    for start in range(0, len(objs), rows):
        chunk = objs[start : start + rows]
        params = [value for obj in chunk for value in prepare(obj)]
        if returning:
            ids = [r[0] for r in execute(conn, sql, params)]
        else:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                ids = [conn.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column)]
        for obj, pk in zip(chunk, ids, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = conn.alias


def update(obj, names: list[str]) -> None:
    """UPDATE these fields of a saved instance (`save(update_fields=names)` without the compilation)."""
    model = type(obj)

    def build(conn):
        WRITTEN.add(model)
        fields = [model._meta.get_field(n) for n in names]
        qn = conn.ops.quote_name
        sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)
        return (
            f"UPDATE {qn(model._meta.db_table)} SET {sets} WHERE {qn(model._meta.pk.column)} = %s",
            preparer(fields, conn, False),
        )

    conn, (sql, prepare) = plan(f"update:{model._meta.label}:{','.join(names)}", build)
    if execute(conn, sql, [*prepare(obj), obj.pk], fetch=False) != 1:
        raise DatabaseError("the row to update is gone")


def select_one(key: str, model, where: str, params: list) -> Any:
    """The instance of `model` matching `where` (SQL on alias t, unique), or None: a precompiled `.first()`."""

    def build(conn):
        cols, load = columns(model, "t", conn)
        return f"SELECT {cols} FROM {conn.ops.quote_name(model._meta.db_table)} t WHERE {where}", load

    conn, (sql, load) = plan(key, build)
    rows = execute(conn, sql, params)
    return load(rows[0]) if rows else None


def bypassed(model, reviewed_saves: tuple = ()) -> list[str]:
    """What `model.save()` would do that these statements skip: a `save()` override (other than the
    reviewed ones), signal receivers, fields filled on save (auto_now) or by the database. Empty when the
    statements write exactly what the ORM would."""
    from django.db.models import signals

    problems = []
    if model.save is not models.Model.save and model.save not in reviewed_saves:
        problems.append(f"{model.__name__}.save() is overridden")
    for name in ("pre_init", "post_init", "pre_save", "post_save"):
        if getattr(signals, name)._live_receivers(model)[0]:
            problems.append(f"{model.__name__} has {name} receivers")
    for f in model._meta.concrete_fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            problems.append(f"{model.__name__}.{f.name} is set on save (auto_now)")
        if getattr(f, "db_default", models.NOT_PROVIDED) is not models.NOT_PROVIDED:
            problems.append(f"{model.__name__}.{f.name} has a database default")
    return problems
