"""A step's end costs the same in a run of 5 steps or of 400: nothing it does reads or scans the whole run."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns_app.models import StepRun
from campaigns_app.services import campaign_create, run_launch, step_run_execute

pytestmark = pytest.mark.django_db(transaction=True)


def chain(owner, length):
    graph = {
        "steps": [{"id": f"s{k}", "kind": "function", "function": "noop", "kwargs": {}} for k in range(length)],
        "edges": [{"source": f"s{k}", "target": f"s{k + 1}"} for k in range(length - 1)],
    }
    campaign = campaign_create(owner=owner, name=f"chain of {length}", graph=graph)
    return run_launch(campaign=campaign, user=owner)


def run_to_the_end(run):
    """Every statement of the run's execution (the chain runs link by link on this thread)."""
    first = StepRun.objects.get(run=run, step_id="s0").pk
    with CaptureQueriesContext(connection) as captured:
        step_run_execute(step_run_id=first)
    run.refresh_from_db()
    assert run.state == "succeeded"
    return [q["sql"] for q in captured.captured_queries]


def test_the_statements_per_step_do_not_grow_with_the_run(alice):
    short, long = run_to_the_end(chain(alice, 5)), run_to_the_end(chain(alice, 400))
    # The same statements for every link: the count grows with the steps run, not with their square.
    assert len(long) / 400 <= len(short) / 5 + 1
    table = StepRun._meta.db_table
    # No step read during execution selects every step of the run (each names the steps or the id it wants).
    whole_run_reads = [
        sql
        for sql in long
        if sql.lstrip().upper().startswith("SELECT")
        and f'"{table}"' in sql
        and "IN (" not in sql.upper()
        and '"id" =' not in sql
        and "LIMIT" not in sql.upper()
    ]
    assert whole_run_reads == []
