"""The worker's PostgreSQL connection terminated while it starts or finishes steps: nothing lost or doubled."""

import threading
import time

import psycopg
import pytest
from django.db import connection

from campaigns_app.services import batch_launch, campaign_create
from tests.graphs import sleep_chain
from tests.integration.helpers import wait_for_runs
from tests.live import database_url, start_worker

from .conftest import assert_every_step_ran_once, scaled

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

RUNS, STEPS, TERMINATIONS = scaled(40, 200), 4, scaled(10, 40)

# Backends of other sessions inside a transaction that writes run events: a step's claim or its outcome.
TERMINATE_MID_STEP = """
    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> ALL(%s) AND xact_start IS NOT NULL
      AND query ILIKE '%%runevent%%'
"""


def test_steps_survive_their_worker_losing_its_database_connection_mid_finish(
    alice, processes, clean_broker, tmp_path, figures
):
    if connection.vendor != "postgresql":
        pytest.skip("terminates PostgreSQL backends: runs in the PostgreSQL pass (DATABASE_URL=postgres://...)")
    graph = sleep_chain(STEPS, seconds=0.05)
    campaign = campaign_create(owner=alice, name="db-loss", graph=graph)
    worker, _ = start_worker(tmp_path, concurrency=4)
    processes.append(worker)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        spared = [cursor.fetchone()[0]]
    terminated = 0
    done = threading.Event()

    def terminate_mid_step() -> None:
        nonlocal terminated
        with psycopg.connect(database_url(connection.settings_dict), autocommit=True) as admin:
            spared.append(admin.info.backend_pid)
            while terminated < TERMINATIONS and not done.is_set():
                rows = admin.execute(TERMINATE_MID_STEP, [spared]).fetchall()
                terminated += sum(1 for (ok,) in rows if ok)
                time.sleep(0.002)

    killer = threading.Thread(target=terminate_mid_step, daemon=True)
    killer.start()
    _, runs = batch_launch(campaign=campaign, user=alice, instances=[{"parameters": {}}] * RUNS)
    run_ids = [r.pk for r in runs]
    try:
        runs = wait_for_runs(run_ids, timeout=scaled(120, 600))
    finally:
        done.set()
        killer.join(timeout=5)

    assert terminated > 0, "no connection was caught inside a step's transaction"
    assert len(runs) == RUNS
    ledger = assert_every_step_ran_once(runs, STEPS)
    figures(suite="lost database connection", faults=terminated, **ledger)
