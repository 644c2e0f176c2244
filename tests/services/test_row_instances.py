"""The engine's instances built without the ORM's per-row machinery are the ORM's, and its broker clients are reused."""

import pytest

from campaigns_app.models import Run, StepRun
from campaigns_app.services import run_launch
from campaigns_app.services.transitions.sql_reads import (
    _run_lock_sql,
    _step_view_sql,
    copies,
    instances,
    run_lock,
    step_rows,
)

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {k: v for k, v in obj.__dict__.items() if k != "_state"}


def test_step_rows_are_what_a_raw_queryset_gives(alice, seed_campaign):
    from django.db import connection

    run = run_launch(campaign=seed_campaign, user=alice, parameters={})
    StepRun.objects.filter(run=run, step_id="s1").update(cancel_requested=True)
    sql = _step_view_sql(connection.vendor, "all", 0)
    expected = list(StepRun.objects.raw(sql, [run.pk]))
    built = instances(StepRun, sql, [run.pk])
    assert [_fields(s) for s in built] == [_fields(s) for s in expected]
    assert [s.get_deferred_fields() for s in built] == [s.get_deferred_fields() for s in expected]
    first = next(s for s in built if s.step_id == "s1")
    assert first.cancel_requested is True  # SQLite's 1 converted, as the ORM converts it
    # A column not read loads on access, and the instance saves like any other.
    assert first.name == StepRun.objects.get(pk=first.pk).name
    first.worker = "w@h"
    first.save(update_fields=["worker"])
    assert StepRun.objects.get(pk=first.pk).worker == "w@h"
    assert step_rows(run.pk, step_run_id=first.pk)[0].pk == first.pk


def test_a_locked_run_has_its_fields_and_its_campaigns_sharing(alice, seed_campaign):
    from django.db import connection, transaction

    run = run_launch(campaign=seed_campaign, user=alice, parameters={})
    expected = next(iter(Run.objects.raw(_run_lock_sql(connection.vendor), [run.pk])))
    with transaction.atomic():
        locked = run_lock(run.pk)
    for name, value in _fields(expected).items():
        if not name.startswith("campaign__"):
            assert getattr(locked, name) == value, name
    assert (locked.campaign.pk, locked.campaign.name, locked.campaign.owner_id) == (
        seed_campaign.pk,
        seed_campaign.name,
        alice.pk,
    )
    assert locked.parameters == Run.objects.get(pk=run.pk).parameters
    with pytest.raises(Run.DoesNotExist):
        with transaction.atomic():
            run_lock(run.pk + 1000)


def test_copies_share_no_mutable_value_and_keep_related_objects(alice, seed_campaign):
    version = seed_campaign.current_version
    template = Run(campaign=seed_campaign, version=version, owner=alice)
    first, second = copies(template, [{"max_parallel": 2}, {}])
    first.parameters["x"] = 1
    assert second.parameters == {} and template.parameters == {}
    assert (first.max_parallel, second.max_parallel) == (2, None)
    assert first.campaign is seed_campaign and second.owner is alice
    assert first.pk is None and first._state.adding and first._state is not second._state
    first.save()
    assert Run.objects.get(pk=first.pk).parameters == {"x": 1}


def test_a_broker_channel_builds_one_redis_client_per_pool():
    from kombu import Connection

    from asyncflow_site.celery import app
    from campaigns_app.tasks_broker import broker_clients_reused

    broker_clients_reused()
    with Connection(app.conf.broker_url) as conn:
        channel = conn.default_channel
        with channel.conn_or_acquire() as a, channel.conn_or_acquire() as b:
            assert a is b
        # A channel that drops its pools (after a disconnect) gets a client of the new pool.
        channel._disconnect_pools()
        with channel.conn_or_acquire() as c:
            assert c is not a and c.connection_pool is channel.pool
            assert c.ping()
