"""The dask backend on a real LocalCluster (started once for the module) and on an unreachable scheduler."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from campaigns_app.backends import StepInvocation
from campaigns_app.backends.dask import DaskBackend
from campaigns_app.backends.registry import get_backend
from campaigns_app.models import RunEvent, StepRun
from campaigns_app.services import campaign_create, run_launch, step_run_execute
from scripts.stack import free_port
from tests.integration.helpers import assert_gap_free


def config(**extra):
    return {
        "scheduler": "",
        "connect_timeout_s": 3,
        "local_workers": 1,
        "threads_per_worker": 2,
        "retry_after_s": 30,
        **extra,
    }


WORKER_SECRET = "dask-worker-secret-7f3a"


@pytest.fixture(scope="module")
def dask_backend(tmp_path_factory):
    # The Dask worker processes inherit this: a step must not see it.
    os.environ["STUDIO_TEST_WORKER_SECRET"] = WORKER_SECRET
    try:
        backend = DaskBackend(config(), tmp_path_factory.mktemp("dask-var"))
        backend.start()
    finally:
        del os.environ["STUDIO_TEST_WORKER_SECRET"]
    yield backend
    backend.shutdown()


def invocation(kind="function", **fields):
    states = []
    inv = StepInvocation(
        run_id=1,
        step_id=fields.pop("step_id", "s"),
        attempt=1,
        kind=kind,
        report=lambda state, detail=None: states.append((state, detail or {})),
        **fields,
    )
    return inv, states


def test_function_steps_run_on_dask_workers_and_report_the_wait_apart_from_the_run(dask_backend):
    inv, states = invocation(function="sleep", kwargs={"seconds": 0.3})
    outcome = dask_backend.run(inv)
    assert outcome.ok and outcome.result == 0.3
    names = [s for s, _ in states]
    assert names == ["SUBMITTED", "EXECUTING", "DONE"]
    submitted, executing, done = (d["at"] for _, d in states)
    assert submitted <= executing and done - executing >= 0.3
    assert states[1][1]["worker"].startswith("tcp://")


def test_a_failing_function_and_an_executable_with_its_env_and_exit_code(dask_backend):
    inv, _ = invocation(function="fail", kwargs={"message": "disk on fire"})
    outcome = dask_backend.run(inv)
    assert not outcome.ok and "disk on fire" in outcome.error
    inv, _ = invocation(kind="executable", argv=["sh", "-c", 'echo "[\\"$GREETING\\", 2]"'], env={"GREETING": "hi"})
    outcome = dask_backend.run(inv)
    assert outcome.ok and outcome.result == ["hi", 2]
    inv, _ = invocation(kind="executable", argv=["sh", "-c", "echo broken >&2; exit 3"])
    outcome = dask_backend.run(inv)
    assert (outcome.ok, outcome.reason) == (False, "exit_code") and outcome.error == "exit code 3: broken"


def test_an_executable_on_dask_cannot_read_the_worker_environment_or_the_secret_key(dask_backend):
    secret = Path(django_settings.VAR_DIR) / "secret_key"
    secret.exists() or secret.write_text("test-secret")
    script = (
        f"key=no; cat {secret} >/dev/null 2>&1 && key=yes; "
        f"seen=$(env | grep -c {WORKER_SECRET}); "
        f"elsewhere=$(grep -l {WORKER_SECRET} /proc/[0-9]*/environ 2>/dev/null | wc -l); "
        'echo found-me > here.txt; echo "[\\"$key\\", $seen, $elsewhere, \\"$HOME\\", \\"$PWD\\"]"'
    )
    inv, _ = invocation(kind="executable", step_id="peek", argv=["sh", "-c", script], cwd="sub")
    outcome = dask_backend.run(inv)
    assert outcome.ok, outcome.error
    key, seen, elsewhere, home, cwd = outcome.result
    root = Path(django_settings.STUDIO_STEP_WORKDIR_ROOT)
    assert (key, seen, elsewhere) == ("no", 0, 0)
    assert home == str(root / "run-1.peek.1") and cwd == home + "/sub"
    # The attempt's folder went with the attempt.
    assert not Path(home).exists()


def test_an_executable_on_dask_is_refused_an_unsafe_env_even_if_saved_before_the_rule(dask_backend):
    inv, _ = invocation(kind="executable", argv=["true"], env={"LD_PRELOAD": "/tmp/evil.so"})
    outcome = dask_backend.run(inv)
    assert not outcome.ok and "LD_PRELOAD" in outcome.error


def test_cancel_reaches_the_dask_task(dask_backend):
    inv, states = invocation(function="sleep", kwargs={"seconds": 60})

    def cancel_once_executing():
        while not any(s == "EXECUTING" for s, _ in states):
            time.sleep(0.02)
        inv.cancelled.set()

    threading.Thread(target=cancel_once_executing, daemon=True).start()
    began = time.monotonic()
    outcome = dask_backend.run(inv)
    assert outcome.reason == "cancelled" and time.monotonic() - began < 15
    # Dask itself reported the task cancelled (rhapsody saw FutureCancelledError).
    assert [s for s, _ in states][-1] == "CANCELED"


def test_a_timeout_cancels_the_dask_task(dask_backend):
    inv, states = invocation(kind="executable", argv=["sleep", "60"], timeout_s=1.0)
    outcome = dask_backend.run(inv)
    assert outcome.reason == "timeout" and "cancelled" in outcome.error
    assert [s for s, _ in states][-1] == "CANCELED"


def test_resources_no_dask_worker_has_fail_the_step_at_once(dask_backend):
    inv, _ = invocation(function="noop", resources={"gpus": 1})
    outcome = dask_backend.run(inv)
    assert not outcome.ok and "No worker can satisfy resources {'GPU': 1}" in outcome.error


def test_an_unreachable_scheduler_fails_steps_with_a_clear_error_and_never_hangs(tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    backend = DaskBackend(config(scheduler=address, connect_timeout_s=2), tmp_path)
    try:
        began = time.monotonic()
        outcome = backend.run(invocation(function="noop")[0])
        assert time.monotonic() - began < 20
        assert (outcome.ok, outcome.reason) == (False, "backend_unavailable")
        assert f"dask scheduler {address} is unreachable" in outcome.error
        began = time.monotonic()
        again = backend.run(invocation(function="noop")[0])
        assert again.error == outcome.error and time.monotonic() - began < 1, "later steps wait out the retry delay"
        assert backend.status()["state"] == "failed"
    finally:
        backend.shutdown()


@pytest.mark.django_db
def test_a_campaign_on_dask_records_backend_states_as_step_events(alice, dask_backend, monkeypatch):
    with override_settings(STUDIO_BACKENDS=["thread", "dask"]):
        get_backend.cache_clear()
        monkeypatch.setattr("campaigns_app.services.steps.get_backend", lambda name: dask_backend)
        campaign = campaign_create(
            owner=alice,
            name="on dask",
            graph={
                "steps": [
                    {"id": "a", "kind": "function", "function": "echo", "kwargs": {"n": 1}, "backend": "dask"},
                    {
                        "id": "b",
                        "kind": "function",
                        "function": "echo",
                        "kwargs": {"got": "{{ steps.a.result }}"},
                        "backend": "dask",
                        "resources": {"cores": 1},
                    },
                ],
                "edges": [{"source": "a", "target": "b"}],
            },
        )
        run = run_launch(campaign=campaign, user=alice)
        for step in ("a", "b"):
            step_run_execute(step_run_id=StepRun.objects.get(run=run, step_id=step).pk)
    get_backend.cache_clear()
    run.refresh_from_db()
    assert run.state == "succeeded"
    assert StepRun.objects.get(run=run, step_id="b").result == {"got": {"n": 1}}
    backend_events = list(RunEvent.objects.filter(run=run, step_id="b", type="step.backend").order_by("seq"))
    assert [e.data["backend_state"] for e in backend_events] == ["SUBMITTED", "EXECUTING", "DONE"]
    assert all(e.data["attempt"] == 1 for e in backend_events)
    running = RunEvent.objects.get(run=run, step_id="b", type="step.state", state="running")
    succeeded = RunEvent.objects.get(run=run, step_id="b", type="step.state", state="succeeded")
    assert running.at <= backend_events[1].at <= succeeded.at
    assert_gap_free(run.pk)


@pytest.mark.django_db
def test_function_steps_on_radical_are_refused_when_the_campaign_is_saved(alice_api, settings):
    settings.STUDIO_BACKENDS = ["thread", "radical"]
    response = alice_api.post(
        "/api/campaigns/",
        {"name": "x", "graph": {"steps": [{"id": "f", "kind": "function", "function": "noop", "backend": "radical"}]}},
        format="json",
    )
    assert response.status_code == 400
    messages = [f["message"] for f in response.json()["graph"]]
    assert any("function steps cannot run on the radical backend" in m for m in messages)
    response = alice_api.post(
        "/api/campaigns/",
        {
            "name": "x",
            "graph": {"steps": [{"id": "f", "kind": "function", "function": "noop", "resources": {"cores": 0}}]},
        },
        format="json",
    )
    assert response.status_code == 400
    assert "resources.cores must be a whole number from 1" in response.json()["graph"][0]["message"]
