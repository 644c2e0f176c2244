"""A real RADICAL-Pilot on local.localhost, held by a Celery worker started with ``-Q radical``.

The worker starts its pilot once when it comes up; every test in this module
uses that same pilot.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings

from campaigns_app.models import RunEvent, StepRun
from campaigns_app.services import campaign_create, run_launch
from scripts.stack import terminate
from tests.live import start_worker

from .helpers import assert_gap_free, step_times, wait_for_runs

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

RADICAL_ENV = {"STUDIO_BACKENDS": "thread,radical", "STUDIO_RADICAL_CORES": "2", "STUDIO_RADICAL_RUNTIME_MIN": "30"}


@pytest.fixture(scope="module")
def radical_worker(django_db_setup, django_db_blocker, worker_logs):
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    with django_db_blocker.unblock():
        process, log_path = start_worker(worker_logs, name="radical", queues="radical", concurrency=8, env=RADICAL_ENV)
    yield log_path
    began = time.monotonic()
    terminate([process], timeout=120)
    print(f"radical worker stopped in {time.monotonic() - began:.1f} s (pilot session closed)")


@pytest.fixture(autouse=True)
def radical_configured(settings):
    settings.STUDIO_BACKENDS = ["thread", "radical"]


def exe(step_id, *argv, **extra):
    return {"id": step_id, "kind": "executable", "argv": list(argv), "backend": "radical", **extra}


def test_a_campaign_of_dependent_executables_runs_as_pilot_tasks(alice, alice_runs_commands, radical_worker):
    campaign = campaign_create(
        owner=alice,
        name="on the pilot",
        parameters=[{"name": "n", "type": "integer"}],
        graph={
            "steps": [
                exe(
                    "a",
                    "python3",
                    "-c",
                    "import json, os; print(json.dumps({'n': {{ params.n }}, 'home': os.environ['HOME'], "
                    "'pilot_env': sorted(k for k in os.environ if k.startswith(('RP_', 'RADICAL', 'DJANGO')))}))",
                ),
                exe(
                    "b",
                    "python3",
                    "-c",
                    "import json, os, sys, time; time.sleep(1); "
                    "print(json.dumps([os.environ['WHO'], int(sys.argv[1])]))",
                    "{{ params.n }}",
                    env={"WHO": "pilot"},
                    resources={"cores": 1},
                ),
                exe("c", "python3", "-c", "import sys; print(len(sys.argv[1]))", "{{ steps.a.result }}"),
                exe("d", "echo", "done"),
            ],
            "edges": [
                {"source": "a", "target": "b"},
                {"source": "a", "target": "c"},
                {"source": "b", "target": "d"},
                {"source": "c", "target": "d"},
            ],
        },
    )
    run = run_launch(campaign=campaign, user=alice, parameters={"n": 7})
    # The pilot may still be starting (about 15 s, longer on a busy machine).
    [run] = wait_for_runs([run.pk], timeout=240)
    steps = {s.step_id: s for s in StepRun.objects.filter(run=run)}
    assert run.state == "succeeded", {k: (s.state, s.error) for k, s in steps.items()}
    # Run through the sandbox launcher: a fresh attempt folder, none of the pilot agent's variables.
    assert steps["a"].result["n"] == 7 and steps["a"].result["pilot_env"] == []
    assert steps["a"].result["home"] == str(Path(settings.STUDIO_STEP_WORKDIR_ROOT) / f"run-{run.pk}.a.1")
    assert steps["b"].result == ["pilot", 7]
    assert steps["c"].result == len(json.dumps(steps["a"].result))
    assert steps["d"].result == "done"
    times = step_times(run.pk)
    assert times["b"]["running"] >= times["a"]["succeeded"] and times["c"]["running"] >= times["a"]["succeeded"]
    assert times["d"]["running"] >= max(times["b"]["succeeded"], times["c"]["succeeded"])
    # RADICAL's own states: waiting for the pilot and for cores apart from executing.
    states = list(RunEvent.objects.filter(run=run, step_id="b", type="step.backend").order_by("seq"))
    names = [e.data["backend_state"] for e in states]
    for expected in ("AGENT_SCHEDULING", "AGENT_EXECUTING", "DONE"):
        assert expected in names, names
    assert names.index("AGENT_SCHEDULING") < names.index("AGENT_EXECUTING") < names.index("DONE")
    executing = states[names.index("AGENT_EXECUTING")].at
    assert times["b"]["running"] <= executing <= times["b"]["succeeded"]
    assert (times["b"]["succeeded"] - executing).total_seconds() >= 1.0
    assert_gap_free(run.pk)


def test_a_timeout_cancels_the_pilot_task_and_a_failing_executable_reports_its_exit(
    alice, alice_runs_commands, radical_worker
):
    campaign = campaign_create(
        owner=alice,
        name="stuck",
        graph={
            "steps": [exe("slow", "sleep", "120", timeout_s=4), exe("bad", "sh", "-c", "echo nope >&2; exit 5")],
            "edges": [],
        },
    )
    run = run_launch(campaign=campaign, user=alice)
    [run] = wait_for_runs([run.pk], timeout=240)
    slow = StepRun.objects.get(run=run, step_id="slow")
    bad = StepRun.objects.get(run=run, step_id="bad")
    assert run.state == "failed"
    assert slow.state == "failed" and "timeout" in slow.error and "radical task was cancelled" in slow.error
    assert (slow.finished_at - slow.started_at).total_seconds() < 60
    names = list(
        RunEvent.objects.filter(run=run, step_id="slow", type="step.backend").values_list(
            "data__backend_state", flat=True
        )
    )
    assert names[-1] == "CANCELED", names
    assert bad.state == "failed" and bad.error.startswith("exit code 5") and "nope" in bad.error
