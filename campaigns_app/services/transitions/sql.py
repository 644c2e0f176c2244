"""The engine's written-out SQL: the reads and writes every step start and end makes, built once per shape.

The ORM compiles an ``update()`` or ``bulk_create()`` afresh on every call,
which costs several times what the database then takes to run it (here: 150
against 25 microseconds for a step's compare-and-set).  These helpers build
the SQL once per shape from the model's own table and column names, and pass
every value through its field's ``get_db_prep_save``, so SQLite and PostgreSQL
receive exactly what the ORM would send.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from django.db import connection, models


# ``vendor`` is only part of the cache key: tests run one process per database.
@lru_cache(maxsize=256)
def _update_sql(vendor: str, model: type[models.Model], sets: tuple[str, ...], where: tuple[str, ...]) -> str:
    q = connection.ops.quote_name
    meta = model._meta
    assignments = ", ".join(f"{q(meta.get_field(name).column)} = %s" for name in sets)
    conditions = " AND ".join(f"{q(meta.get_field(name).column)} = %s" for name in where)
    return f"UPDATE {q(meta.db_table)} SET {assignments} WHERE {conditions}"


@lru_cache(maxsize=256)
def _insert_sql(vendor: str, model: type[models.Model], fields: tuple[str, ...], rows: int) -> str:
    q = connection.ops.quote_name
    meta = model._meta
    columns = ", ".join(q(meta.get_field(name).column) for name in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES {', '.join([row] * rows)}"


def _prepared(model: type[models.Model], name: str, value: Any) -> Any:
    return model._meta.get_field(name).get_db_prep_save(value, connection)


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


def _preparer(field):
    """How one column's values are prepared within one insert (None: as they are)."""
    kind = field.get_internal_type()
    if kind in _PLAIN:
        return None
    if kind == "DateTimeField":
        # A launch writes the same few instants thousands of times.
        done: dict = {}

        def prepared(value):
            if value is None:
                return None
            if value not in done:
                done[value] = field.get_db_prep_save(value, connection)
            return done[value]

        return prepared
    return lambda value: None if value is None else field.get_db_prep_save(value, connection)


@lru_cache(maxsize=32)
def _insert_unnest_sql(model: type[models.Model], fields: tuple[str, ...]) -> str:
    q = connection.ops.quote_name
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    columns = ", ".join(q(f.column) for f in model_fields)
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in model_fields)
    return f"INSERT INTO {q(meta.db_table)} ({columns}) SELECT * FROM unnest({arrays})"


@lru_cache(maxsize=32)
def _update_unnest_sql(model: type[models.Model], fields: tuple[str, ...]) -> str:
    q = connection.ops.quote_name
    meta = model._meta
    table, key = q(meta.db_table), q(meta.pk.column)
    model_fields = [meta.pk, *(meta.get_field(name) for name in fields)]
    assignments = ", ".join(f"{q(f.column)} = v.{q(f.column)}" for f in model_fields[1:])
    arrays = ", ".join(
        f"%s::{f.rel_db_type(connection) if f is meta.pk else f.db_type(connection)}[]" for f in model_fields
    )
    names = ", ".join(q(f.column) for f in model_fields)
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
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))


def rows_insert(
    model: type[models.Model], fields: Sequence[str], objects: Iterable[models.Model], *, returning: Sequence[str] = ()
) -> list[tuple]:
    """Insert the objects' ``fields``, in one statement unless the database's limit on parameters needs more.

    ``returning`` names columns to read back (``RETURNING``, on SQLite 3.35+
    and PostgreSQL), as rows of those values in no promised order.
    """
    objects = list(objects)
    if not objects:
        return []
    model_fields = [model._meta.get_field(name) for name in fields]
    preparers = [(field.attname, _preparer(field)) for field in model_fields]
    # The batch size the ORM's bulk_create would use (SQLite caps the parameters of one statement).
    size = max(1, connection.ops.bulk_batch_size(model_fields, objects) or len(objects))
    tail = ""
    if returning:
        q = connection.ops.quote_name
        tail = " RETURNING " + ", ".join(q(model._meta.get_field(name).column) for name in returning)
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


# The columns of a step that transitions decide on; every step view reads just these.
STEP_VIEW_FIELDS = (
    "id",
    "run_id",
    "step_id",
    "state",
    "backend",
    "order",
    "attempts",
    "cancel_requested",
    "worker",
    "reclaims",
    "heartbeat_at",
)


@lru_cache(maxsize=64)
def _step_view_sql(vendor: str, where: str, count: int) -> str:
    from ...models import StepRun

    q = connection.ops.quote_name
    meta = StepRun._meta
    columns = ", ".join(q(meta.get_field(f).column) for f in STEP_VIEW_FIELDS)
    sql = f"SELECT {columns} FROM {q(meta.db_table)} WHERE {q('run_id')} = %s"
    if where == "step_id":
        sql += f" AND {q('step_id')} IN ({', '.join(['%s'] * count)})"
    elif where == "id":
        sql += f" AND {q('id')} = %s"
    return sql


def step_rows(run_id: int, *, step_ids: Sequence[str] | None = None, step_run_id: int | None = None) -> list:
    """Step runs of one run with the view's columns: all of them, the named ones, or the one with that id.

    Written out: a step's end reads here, and the ORM's compilation costs several times the query itself.
    """
    from ...models import StepRun

    vendor = connection.vendor
    if step_run_id is not None:
        return list(StepRun.objects.raw(_step_view_sql(vendor, "id", 1), [run_id, step_run_id]))
    if step_ids is None:
        return list(StepRun.objects.raw(_step_view_sql(vendor, "all", 0), [run_id]))
    rows: list = []
    names = list(step_ids)
    # A bounded set of statement shapes: lists are read in chunks of a power of two or 256.
    while names:
        chunk, names = names[:256], names[256:]
        size = 1 << (len(chunk) - 1).bit_length()
        params = [run_id, *chunk, *[chunk[-1]] * (size - len(chunk))]
        rows.extend(StepRun.objects.raw(_step_view_sql(vendor, "step_id", size), params))
    return rows


@lru_cache(maxsize=64)
def _steps_of_runs_sql(vendor: str, runs: int, steps: int) -> str:
    from ...models import StepRun

    q = connection.ops.quote_name
    columns = ", ".join(q(StepRun._meta.get_field(f).column) for f in STEP_VIEW_FIELDS)
    return (
        f"SELECT {columns} FROM {q(StepRun._meta.db_table)} WHERE {q('run_id')} IN ({', '.join(['%s'] * runs)})"
        f" AND {q('step_id')} IN ({', '.join(['%s'] * steps)})"
    )


def _padded(values: list, size: int) -> list:
    return [*values, *[values[-1]] * (size - len(values))]


def steps_of_runs(wanted: dict[int, list[str]]) -> list:
    """The named steps of many runs in one statement (more rows when the runs' names overlap, never fewer)."""
    from ...models import StepRun

    run_ids = sorted(wanted)
    names = sorted({s for steps in wanted.values() for s in steps})
    if not run_ids or not names or len(run_ids) > 256 or len(names) > 256:
        return [sr for run_id in run_ids for sr in step_rows(run_id, step_ids=wanted[run_id])]
    runs = 1 << (len(run_ids) - 1).bit_length()
    steps = 1 << (len(names) - 1).bit_length()
    return list(
        StepRun.objects.raw(
            _steps_of_runs_sql(connection.vendor, runs, steps), [*_padded(run_ids, runs), *_padded(names, steps)]
        )
    )


@lru_cache(maxsize=8)
def _states_present_sql(vendor: str, count: int) -> str:
    from ...models import StepRun

    q = connection.ops.quote_name
    table, state = q(StepRun._meta.db_table), q("state")
    return f"SELECT DISTINCT {state} FROM {table} WHERE {q('run_id')} = %s AND {state} IN ({', '.join(['%s'] * count)})"


@lru_cache(maxsize=8)
def _state_exists_sql(vendor: str, count: int) -> str:
    from ...models import StepRun

    q = connection.ops.quote_name
    return (
        f"SELECT 1 FROM {q(StepRun._meta.db_table)} WHERE {q('run_id')} = %s "
        f"AND {q('state')} IN ({', '.join(['%s'] * count)}) LIMIT 1"
    )


def run_has_steps_in(run_id: int, states: Sequence[str]) -> bool:
    """Whether any step of the run is in one of ``states``.

    One seek on the (run, state) index, whatever the run's size.
    """
    with connection.cursor() as cursor:
        cursor.execute(_state_exists_sql(connection.vendor, len(states)), [run_id, *states])
        return cursor.fetchone() is not None


def run_states_present(run_id: int, states: Sequence[str]) -> set[str]:
    """Which of ``states`` some step of the run is in."""
    with connection.cursor() as cursor:
        cursor.execute(_states_present_sql(connection.vendor, len(states)), [run_id, *states])
        return {row[0] for row in cursor.fetchall()}


@lru_cache(maxsize=8)
def _state_count_sql(vendor: str, count: int) -> str:
    from ...models import StepRun

    q = connection.ops.quote_name
    return (
        f"SELECT COUNT(*) FROM {q(StepRun._meta.db_table)} WHERE {q('run_id')} = %s "
        f"AND {q('state')} IN ({', '.join(['%s'] * count)})"
    )


def run_count_steps_in(run_id: int, states: Sequence[str]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_state_count_sql(connection.vendor, len(states)), [run_id, *states])
        return cursor.fetchone()[0]


# The campaign columns that broadcasts (``events.dashboard_groups_for_run``) and audit entries read; the
# others load on access.
CAMPAIGN_SHARING = ("owner_id", "team_id", "visibility", "name")


@lru_cache(maxsize=16)
def _run_lock_sql(vendor: str, count: int = 0) -> str:
    from ...models import Campaign, Run

    q = connection.ops.quote_name
    features = connection.features
    lock = (
        " FOR UPDATE OF r"
        if features.has_select_for_update_of
        else " FOR UPDATE"
        if features.has_select_for_update
        else ""
    )
    sharing = ", ".join(f"c.{q(Campaign._meta.get_field(f).column)} AS {q('campaign__' + f)}" for f in CAMPAIGN_SHARING)
    where = f"r.{q('id')} = %s" if not count else f"r.{q('id')} IN ({', '.join(['%s'] * count)}) ORDER BY r.{q('id')}"
    return (
        f"SELECT r.*, {sharing} FROM {q(Run._meta.db_table)} r "
        f"JOIN {q(Campaign._meta.db_table)} c ON c.{q('id')} = r.{q('campaign_id')} WHERE {where}{lock}"
    )


def _with_campaign(run):
    from ...models import Campaign

    values = [run.campaign_id, *(run.__dict__.pop(f"campaign__{f}") for f in CAMPAIGN_SHARING)]
    run.campaign = Campaign.from_db(connection.alias, ["id", *CAMPAIGN_SHARING], values)
    return run


def runs_lock(run_ids: Sequence[int]) -> dict:
    """Lock many run rows in id order (so two committers never wait on each other) and read them, by id.

    Runs that do not exist are left out.
    """
    from ...models import Run

    ids = sorted(set(run_ids))
    found: dict = {}
    while ids:
        chunk, ids = ids[:256], ids[256:]
        size = 1 << (len(chunk) - 1).bit_length()
        params = [*chunk, *[chunk[-1]] * (size - len(chunk))]
        for run in Run.objects.raw(_run_lock_sql(connection.vendor, size), params):
            found[run.pk] = _with_campaign(run)
    return found


def run_lock(run_id: int):
    """Lock the run row (PostgreSQL: that row only) and read it with its campaign's sharing fields.

    Every step start and end passes here, and the ORM takes about ten times
    longer to compile this join than the database takes to run it, so the
    statement is written out; the rows still come back as model instances.
    """
    from ...models import Run

    run = next(iter(Run.objects.raw(_run_lock_sql(connection.vendor), [run_id])), None)
    if run is None:
        raise Run.DoesNotExist(f"run {run_id} does not exist")
    return _with_campaign(run)


@lru_cache(maxsize=256)
def _update_in_sql(vendor: str, model: type[models.Model], sets: tuple[str, ...], count: int) -> str:
    q = connection.ops.quote_name
    meta = model._meta
    assignments = ", ".join(f"{q(meta.get_field(name).column)} = %s" for name in sets)
    return f"UPDATE {q(meta.db_table)} SET {assignments} WHERE {q(meta.pk.column)} IN ({', '.join(['%s'] * count)})"


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
    preparers = [_preparer(model._meta.get_field(name)) for name in fields]
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
