"""The written-out statements of the step hot path store exactly what the ORM would, on SQLite and PostgreSQL."""

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest

from campaigns_app.models import RunEvent, StepRun
from campaigns_app.services import run_launch
from campaigns_app.services.transitions.sql import rows_insert, rows_update, rows_update_each

pytestmark = pytest.mark.django_db


@pytest.fixture
def step_run(alice, seed_campaign):
    run = run_launch(campaign=seed_campaign, user=alice, parameters={})
    return StepRun.objects.get(run=run, step_id="s2")


def test_an_update_changes_only_rows_matching_every_condition(step_run):
    assert rows_update(StepRun, where={"id": step_run.pk, "state": "queued"}, state="running") == 0
    assert (
        rows_update(StepRun, where={"id": step_run.pk, "state": "pending", "attempts": 0}, state="running", attempts=1)
        == 1
    )
    step_run.refresh_from_db()
    assert (step_run.state, step_run.attempts) == ("running", 1)


def test_values_come_back_as_the_orm_stores_them(step_run):
    at = datetime(2026, 12, 1, 10, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    rows_update(
        StepRun, where={"id": step_run.pk}, result={"a": [1, "ü"]}, finished_at=at, error=None, cancel_requested=True
    )
    step_run.refresh_from_db()
    assert step_run.result == {"a": [1, "ü"]}
    assert step_run.finished_at == at and step_run.finished_at.utcoffset() == timedelta(0)
    assert step_run.cancel_requested is True and step_run.error is None


def test_a_none_result_is_sql_null_not_json_null(step_run):
    rows_update(StepRun, where={"id": step_run.pk}, result={"x": 1})
    rows_update(StepRun, where={"id": step_run.pk}, result=None)
    assert StepRun.objects.filter(pk=step_run.pk, result__isnull=True).exists()


def test_events_are_inserted_in_one_statement_with_their_data(step_run, django_assert_num_queries):
    run = step_run.run
    at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    events = [
        RunEvent(
            run=run,
            seq=100 + n,
            step_id="s2" if n else None,
            type="step.state",
            state="queued",
            at=at + timedelta(microseconds=n),
            data={"attempt": n, "note": "é"},
        )
        for n in range(3)
    ]
    with django_assert_num_queries(1):
        rows_insert(RunEvent, ("run", "seq", "step_id", "type", "state", "at", "data"), events)
    stored = list(RunEvent.objects.filter(run=run, seq__gte=100).order_by("seq"))
    assert [(e.seq, e.step_id, e.data, e.at) for e in stored] == [
        (100 + n, "s2" if n else None, {"attempt": n, "note": "é"}, at + timedelta(microseconds=n)) for n in range(3)
    ]


@pytest.fixture
def stock_sqlite_limits():
    """SQLite as most builds ship it (32766 parameters per statement; this one allows more)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    before = raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32766)
    yield
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)


def test_an_insert_beyond_the_databases_parameter_limit_is_split_and_complete(step_run, stock_sqlite_limits):
    # 10000 rows of 7 values: 70000 parameters, more than a stock SQLite build or PostgreSQL's
    # server-side binding (65535) takes in one statement.
    run = step_run.run
    at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    events = [
        RunEvent(run=run, seq=1000 + n, step_id="s2", type="step.log", state="", at=at, data={"n": n})
        for n in range(10000)
    ]
    rows_insert(RunEvent, ("run", "seq", "step_id", "type", "state", "at", "data"), events)
    stored = RunEvent.objects.filter(run=run, seq__gte=1000)
    assert stored.count() == 10000
    assert sorted(stored.values_list("data__n", flat=True)) == list(range(10000))


def test_many_rows_are_updated_each_with_its_own_values_in_one_statement(
    alice, seed_campaign, django_assert_num_queries
):
    run = run_launch(campaign=seed_campaign, user=alice, parameters={})
    rows = list(StepRun.objects.filter(run=run).order_by("order"))
    at = datetime(2026, 12, 1, 10, 30, 15, 123456, tzinfo=UTC)
    values = [
        (sr.pk, ["succeeded", {"n": k, "s": "ü"} if k else None, at + timedelta(seconds=k), k + 1])
        for k, sr in enumerate(rows)
    ]
    with django_assert_num_queries(1):
        rows_update_each(StepRun, ("state", "result", "finished_at", "attempts"), values)
    stored = {sr.pk: sr for sr in StepRun.objects.filter(run=run)}
    for k, sr in enumerate(rows):
        got = stored[sr.pk]
        assert (got.state, got.result, got.finished_at, got.attempts) == (
            "succeeded",
            {"n": k, "s": "ü"} if k else None,
            at + timedelta(seconds=k),
            k + 1,
        )
    assert StepRun.objects.filter(pk=rows[0].pk, result__isnull=True).exists()
