"""The engine's written-out reads: a run's step views, steps of many runs, which states a run still has, run locks.

Built once per shape, like the writes in ``sql.py``, so a step's end does not pay the ORM's compile cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db import connection, models
from django.db.models.base import ModelState

from .sql import column_name

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
def _columns_loader(vendor: str, model: type[models.Model], columns: tuple[str, ...]) -> list[tuple[str, list]]:
    """How each column of a result becomes its attribute: (attname, [(converter, expression)]), as the ORM does.

    A column that is not a field of the model (an alias such as ``campaign__name``) keeps its value and name.
    """
    fields = {f.column: f for f in model._meta.concrete_fields}
    loader: list[tuple[str, list]] = []
    for column in columns:
        field = fields.get(column)
        if field is None:
            loader.append((column, []))
            continue
        col = field.get_col(model._meta.db_table)
        converters = [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]
        loader.append((field.attname, [(converter, col) for converter in converters]))
    return loader


def instances(model: type[models.Model], sql: str, params: Sequence[Any]) -> list:
    """The rows of ``sql`` as instances of ``model``, each column converted as the ORM converts it.

    What ``Model.objects.raw`` returns (columns not read are deferred, the
    instance is saved and bound to this database) without its per-query
    column resolution and its per-row ``__init__``, which cost more than the
    query: every step end reads its run and steps here.  The models read here
    have no ``pre_init``/``post_init`` receivers.
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        if not rows:
            return []
        loader = _columns_loader(connection.vendor, model, tuple(d[0] for d in cursor.description))
    alias = connection.alias
    new = model.__new__
    found = []
    for row in rows:
        obj = new(model)
        state = ModelState()
        state.adding, state.db = False, alias
        values: dict[str, Any] = {"_state": state}
        for (name, converters), value in zip(loader, row, strict=True):
            for converter, expression in converters:
                value = converter(value, expression, connection)
            values[name] = value
        obj.__dict__.update(values)
        found.append(obj)
    return found


def copies(template: models.Model, changes: Sequence[dict[str, Any]]) -> list:
    """New unsaved instances like ``template``, one per dict of ``changes`` (attribute names and values).

    What ``Model(**fields)`` would build, without its ``__init__`` per
    instance (a launch of 10,000 runs builds 40,000 step runs): the
    template's attributes and related objects are copied, each with its own
    state, and dict or list values (a JSON field's default) are copied too,
    so no two instances share one.
    """
    base = {k: v for k, v in template.__dict__.items() if k != "_state"}
    mutable = [k for k, v in base.items() if type(v) is dict or type(v) is list]
    related = dict(template._state.fields_cache)
    model = type(template)
    made = []
    for change in changes:
        obj = model.__new__(model)
        state = ModelState()
        state.fields_cache = dict(related)
        values = {**base, "_state": state}
        for name in mutable:
            values[name] = base[name].copy()
        values.update(change)
        obj.__dict__.update(values)
        made.append(obj)
    return made


@lru_cache(maxsize=64)
def _step_view_sql(vendor: str, where: str, count: int) -> str:
    from ...models import StepRun

    q = connection.ops.quote_name
    meta = StepRun._meta
    columns = ", ".join(q(column_name(StepRun, f)) for f in STEP_VIEW_FIELDS)
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
        return instances(StepRun, _step_view_sql(vendor, "id", 1), [run_id, step_run_id])
    if step_ids is None:
        return instances(StepRun, _step_view_sql(vendor, "all", 0), [run_id])
    rows: list = []
    names = list(step_ids)
    # A bounded set of statement shapes: lists are read in chunks of a power of two or 256.
    while names:
        chunk, names = names[:256], names[256:]
        size = 1 << (len(chunk) - 1).bit_length()
        params = [run_id, *chunk, *[chunk[-1]] * (size - len(chunk))]
        rows.extend(instances(StepRun, _step_view_sql(vendor, "step_id", size), params))
    return rows


@lru_cache(maxsize=64)
def _steps_of_runs_sql(vendor: str, runs: int, steps: int) -> str:
    from ...models import StepRun

    q = connection.ops.quote_name
    columns = ", ".join(q(column_name(StepRun, f)) for f in STEP_VIEW_FIELDS)
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
    return instances(
        StepRun, _steps_of_runs_sql(connection.vendor, runs, steps), [*_padded(run_ids, runs), *_padded(names, steps)]
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
    sharing = ", ".join(f"c.{q(column_name(Campaign, f))} AS {q('campaign__' + f)}" for f in CAMPAIGN_SHARING)
    where = f"r.{q('id')} = %s" if not count else f"r.{q('id')} IN ({', '.join(['%s'] * count)}) ORDER BY r.{q('id')}"
    return (
        f"SELECT r.*, {sharing} FROM {q(Run._meta.db_table)} r "
        f"JOIN {q(Campaign._meta.db_table)} c ON c.{q('id')} = r.{q('campaign_id')} WHERE {where}{lock}"
    )


def _with_campaign(run):
    from ...models import Campaign

    # Built as ``instances`` builds rows (these columns need no conversion): the other fields are deferred.
    campaign = Campaign.__new__(Campaign)
    state = ModelState()
    state.adding, state.db = False, connection.alias
    campaign.__dict__.update(
        {"_state": state, "id": run.campaign_id, **{f: run.__dict__.pop(f"campaign__{f}") for f in CAMPAIGN_SHARING}}
    )
    run.campaign = campaign
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
        for run in instances(Run, _run_lock_sql(connection.vendor, size), params):
            found[run.pk] = _with_campaign(run)
    return found


def run_lock(run_id: int):
    """Lock the run row (PostgreSQL: that row only) and read it with its campaign's sharing fields.

    Every step start and end passes here, and the ORM takes about ten times
    longer to compile this join than the database takes to run it, so the
    statement is written out; the rows still come back as model instances (``instances``).
    """
    from ...models import Run

    found = instances(Run, _run_lock_sql(connection.vendor), [run_id])
    if not found:
        raise Run.DoesNotExist(f"run {run_id} does not exist")
    return _with_campaign(found[0])
