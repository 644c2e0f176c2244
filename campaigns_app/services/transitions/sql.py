"""The engine's written-out SQL writes: the updates and inserts every step start and end makes, built once per shape.

The ORM compiles an ``update()`` or ``bulk_create()`` afresh on every call,
which costs several times what the database then takes to run it (here: 150
against 25 microseconds for a step's compare-and-set).  These helpers build
the SQL once per shape from the model's own table and column names, and pass
every value through its field's ``get_db_prep_save``, so SQLite and PostgreSQL
receive exactly what the ORM would send.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.db import connection, models


# Cached: ``rows_update`` looks a field up for every value it prepares, and a model's fields never change.
@lru_cache(maxsize=1024)
def column_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The model's field ``name``, which these statements read or write as a column of the model's own table.

    ``_meta.get_field`` also returns reverse relations and many-to-many fields,
    which have no column there; naming one is a programming error.
    """
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} is not a column of {model._meta.db_table}")
    return field


def column_name(model: type[models.Model], name: str) -> str:
    """The column of the model's field ``name`` in its table."""
    return column_of(column_field(model, name))


def column_of(field: models.Field[Any, Any]) -> str:
    """A concrete field's column name (``Field.column`` is None only for fields without a column of their own)."""
    if field.column is None:
        raise TypeError(f"{field} has no column")
    return field.column


# ``vendor`` is only part of the cache key: tests run one process per database.
@lru_cache(maxsize=256)
def _update_sql(vendor: str, model: type[models.Model], sets: tuple[str, ...], where: tuple[str, ...]) -> str:
    q = connection.ops.quote_name
    meta = model._meta
    assignments = ", ".join(f"{q(column_name(model, name))} = %s" for name in sets)
    conditions = " AND ".join(f"{q(column_name(model, name))} = %s" for name in where)
    return f"UPDATE {q(meta.db_table)} SET {assignments} WHERE {conditions}"


@lru_cache(maxsize=256)
def _insert_sql(vendor: str, model: type[models.Model], fields: tuple[str, ...], rows: int) -> str:
    q = connection.ops.quote_name
    meta = model._meta
    columns = ", ".join(q(column_name(model, name)) for name in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES {', '.join([row] * rows)}"


def _prepared(model: type[models.Model], name: str, value: Any) -> Any:
    prepare = _preparer(column_field(model, name))
    return value if prepare is None else prepare(value)


def rows_update(model: type[models.Model], *, where: dict[str, Any], **values: Any) -> int:
    """``UPDATE … SET values WHERE where`` (equalities joined by AND); returns the number of rows changed."""
    sql = _update_sql(connection.vendor, model, tuple(values), tuple(where))
    params = [_prepared(model, name, value) for name, value in (*values.items(), *where.items())]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# Fields whose database value is the Python value itself (for the native values transitions build):
# their per-value preparation is skipped, which is most of an insert's cost in Python.
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "SmallIntegerField",
    "TextField",
}


def _datetime_preparer(field):
    """An aware UTC datetime (what ``timezone.now()`` gives) goes as Django's adapter would send it, without
    the field's layers of checks in between, which cost more than the rest of the row; others take those."""
    direct: Callable[[datetime], Any] | None
    if connection.vendor == "sqlite" and connection.timezone_name == "UTC":

        def direct(value):
            # The SQLite adapter makes it naive in the connection's zone (UTC here) and sends its str().
            return str(value.replace(tzinfo=None))
    elif connection.vendor == "postgresql":

        def direct(value):
            # The PostgreSQL adapter sends it as it is (psycopg binds it).
            return value
    else:
        direct = None

    def prepared(value):
        if value is None:
            return None
        if direct is not None and type(value) is datetime and value.tzinfo is UTC:
            return direct(value)
        return field.get_db_prep_save(value, connection)

    return prepared


def _json_preparer(field):
    """A dict or list goes straight to the database's JSON adapter, as ``JSONField.get_db_prep_save`` ends up."""
    adapt, encoder = connection.ops.adapt_json_value, field.encoder

    def prepared(value):
        if value is None:
            return None
        if type(value) is dict or type(value) is list:
            return adapt(value, encoder)
        return field.get_db_prep_save(value, connection)

    return prepared


def _preparer(field):
    """How one column's values are prepared within one statement (None: as they are)."""
    kind = field.get_internal_type()
    if kind in _PLAIN:
        return None
    if kind == "DateTimeField":
        # A launch writes the same few instants thousands of times.
        done: dict = {}
        prepare = _datetime_preparer(field)

        def prepared(value):
            if value is None:
                return None
            if value not in done:
                done[value] = prepare(value)
            return done[value]

        return prepared
    if kind == "JSONField":
        return _json_preparer(field)
    return lambda value: None if value is None else field.get_db_prep_save(value, connection)


@lru_cache(maxsize=32)
def _insert_unnest_sql(model: type[models.Model], fields: tuple[str, ...]) -> str:
    q = connection.ops.quote_name
    meta = model._meta
    model_fields = [column_field(model, name) for name in fields]
    columns = ", ".join(q(column_of(f)) for f in model_fields)
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in model_fields)
    return f"INSERT INTO {q(meta.db_table)} ({columns}) SELECT * FROM unnest({arrays})"


@lru_cache(maxsize=32)
def _update_unnest_sql(model: type[models.Model], fields: tuple[str, ...]) -> str:
    q = connection.ops.quote_name
    meta = model._meta
    table, key = q(meta.db_table), q(column_of(meta.pk))
    model_fields = [meta.pk, *(column_field(model, name) for name in fields)]
    assignments = ", ".join(f"{q(column_of(f))} = v.{q(column_of(f))}" for f in model_fields[1:])
    arrays = ", ".join(
        f"%s::{f.rel_db_type(connection) if f is meta.pk else f.db_type(connection)}[]" for f in model_fields
    )
    names = ", ".join(q(column_of(f)) for f in model_fields)
    return f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v({names}) WHERE {table}.{key} = v.{key}"


def _bulk_cursor():
    """A cursor for statements of thousands of parameters.

    Django's psycopg cursors bind on the client, quoting every value into the
    SQL text in Python.  This one (same connection and transaction, logged
    like any other) sends the values apart for the server to bind, so a list
    goes as one array.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    # ``_prepare_cursor`` wraps the cursor for logging and error translation, as Django's own cursors are.
    cursor = psycopg.Cursor(connection.connection)
    return connection._prepare_cursor(cursor)  # type: ignore[attr-defined]  # private to the psycopg wrapper, not in the stubs


def rows_insert(
    model: type[models.Model], fields: Sequence[str], objects: Iterable[Any], *, returning: Sequence[str] = ()
) -> list[tuple]:
    """Insert the objects' ``fields``, in one statement unless the database's limit on parameters needs more.

    The objects are instances of ``model`` or anything with the fields' attributes (``ledger.PendingEvent``).

    ``returning`` names columns to read back (``RETURNING``, on SQLite 3.35+
    and PostgreSQL), as rows of those values in no promised order.
    """
    objects = list(objects)
    if not objects:
        return []
    model_fields = [column_field(model, name) for name in fields]
    preparers = [(field.attname, _preparer(field)) for field in model_fields]
    # The batch size the ORM's bulk_create would use (SQLite caps the parameters of one statement).
    size = max(1, connection.ops.bulk_batch_size(model_fields, objects) or len(objects))
    tail = ""
    if returning:
        q = connection.ops.quote_name
        tail = " RETURNING " + ", ".join(q(column_name(model, name)) for name in returning)
    rows: list[tuple] = []
    if connection.vendor == "postgresql":
        # One array per column: a short statement that psycopg parses once, whatever the number of rows.
        with _bulk_cursor() as cursor:
            columns = [
                [getattr(obj, attname) if prep is None else prep(getattr(obj, attname)) for obj in objects]
                for attname, prep in preparers
            ]
            cursor.execute(_insert_unnest_sql(model, tuple(fields)) + tail, columns)
            if returning:
                rows.extend(cursor.fetchall())
        return rows
    with connection.cursor() as cursor:
        for start in range(0, len(objects), size):
            batch = objects[start : start + size]
            params = [
                getattr(obj, attname) if prep is None else prep(getattr(obj, attname))
                for obj in batch
                for attname, prep in preparers
            ]
            cursor.execute(_insert_sql(connection.vendor, model, tuple(fields), len(batch)) + tail, params)
            if returning:
                rows.extend(cursor.fetchall())
    return rows


@lru_cache(maxsize=256)
def _update_in_sql(vendor: str, model: type[models.Model], sets: tuple[str, ...], count: int) -> str:
    q = connection.ops.quote_name
    meta = model._meta
    assignments = ", ".join(f"{q(column_name(model, name))} = %s" for name in sets)
    return f"UPDATE {q(meta.db_table)} SET {assignments} WHERE {q(column_of(meta.pk))} IN ({', '.join(['%s'] * count)})"


def rows_update_many(model: type[models.Model], pks: Sequence[int], **values: Any) -> int:
    """``UPDATE … SET values WHERE pk IN pks``, in chunks of a bounded set of shapes; returns the rows changed."""
    pks = list(pks)
    sets = tuple(values)
    prepared = [_prepared(model, name, value) for name, value in values.items()]
    changed = 0
    with connection.cursor() as cursor:
        while pks:
            chunk, pks = pks[:256], pks[256:]
            size = 1 << (len(chunk) - 1).bit_length()
            cursor.execute(
                _update_in_sql(connection.vendor, model, sets, size),
                [*prepared, *chunk, *[chunk[-1]] * (size - len(chunk))],
            )
            changed += cursor.rowcount
    return changed


def rows_update_each(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple[Any, Sequence[Any]]]
) -> None:
    """Set ``fields`` of every (pk, values) row: one ``UPDATE`` per row sent at once (``executemany``).

    On PostgreSQL it is one statement joined to one array per column instead.
    """
    if not rows:
        return
    sql = _update_sql(connection.vendor, model, tuple(fields), (model._meta.pk.name,))
    preparers = [_preparer(column_field(model, name)) for name in fields]
    if connection.vendor == "postgresql":
        by_column = zip(*(values for _, values in rows), strict=True)
        columns = [
            [pk for pk, _ in rows],
            *(
                [v if prep is None else prep(v) for v in column]
                for prep, column in zip(preparers, by_column, strict=True)
            ),
        ]
        with _bulk_cursor() as cursor:
            cursor.execute(_update_unnest_sql(model, tuple(fields)), columns)
        return
    params = [
        [*(v if prep is None else prep(v) for prep, v in zip(preparers, values, strict=True)), pk]
        for pk, values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
