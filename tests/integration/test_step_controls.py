"""Retries, timeouts, max_parallel, cancel, resume and live logs, with a real worker."""

import time

import pytest

from campaigns_app.models import RunEvent, StepRun
from campaigns_app.services import batch_launch, campaign_create, run_launch
from tests.conftest import client_for
from tests.graphs import chain

from .helpers import assert_gap_free, processes_running, step, step_times, unique_sleep, wait_for_runs, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker", "alice_runs_commands")]


def fn(step_id, function, **kwargs):
    return {"id": step_id, "name": step_id, "kind": "function", "function": function, "kwargs": kwargs}


def exe(step_id, *argv, **extra):
    return {"id": step_id, "name": step_id, "kind": "executable", "argv": list(argv), **extra}


def launch(owner, graph, **kwargs):
    campaign = campaign_create(owner=owner, name="controls", graph=graph)
    return run_launch(campaign=campaign, user=owner, **kwargs)


def test_retries_back_off_and_every_attempt_is_an_event_with_its_error(alice):
    run = launch(alice, chain({**fn("flaky", "fail", message="not yet", times=2), "retries": 2, "retry_delay_s": 0.2}))
    [run] = wait_for_runs([run.pk])
    flaky = step(run, "flaky")
    assert (run.state, flaky.state, flaky.attempts) == ("succeeded", "succeeded", 3)
    failures = list(RunEvent.objects.filter(run=run, step_id="flaky", state="failed"))
    assert [e.data["attempt"] for e in failures] == [1, 2]
    assert all("not yet" in e.data["error"] and e.data["will_retry"] for e in failures)
    delays = [
        e.data["delay_s"]
        for e in RunEvent.objects.filter(run=run, step_id="flaky", state="queued")
        if "delay_s" in e.data
    ]
    # Jittered exponential backoff: attempt 2 waits 0.1-0.2 s, attempt 3 waits 0.2-0.4 s.
    assert len(delays) == 2 and 0.1 <= delays[0] <= 0.2 and 0.2 <= delays[1] <= 0.4


def test_a_function_step_that_overruns_fails_with_reason_timeout(alice):
    run = launch(alice, chain({**fn("slow", "sleep", seconds=30), "timeout_s": 0.5}, fn("after", "noop")))
    [run] = wait_for_runs([run.pk], timeout=10)
    slow = step(run, "slow")
    assert (run.state, slow.state) == ("failed", "failed")
    assert slow.error.startswith("timeout")
    assert RunEvent.objects.get(run=run, step_id="slow", state="failed").data["reason"] == "timeout"
    assert step(run, "after").state == "skipped"


def test_an_executable_that_overruns_is_killed_with_its_whole_process_group(alice):
    marker = unique_sleep()
    # The shell ignores SIGTERM, so only the SIGKILL after the grace period ends it; its child goes too.
    script = f"trap '' TERM; sleep {marker} & wait"
    run = launch(alice, chain({**exe("stuck", "sh", "-c", script), "timeout_s": 1}))
    [run] = wait_for_runs([run.pk], timeout=15)
    stuck = step(run, "stuck")
    assert stuck.state == "failed" and stuck.error.startswith("timeout")
    wait_until(lambda: not processes_running("sleep", marker), timeout=5)


def test_max_parallel_bounds_how_many_steps_of_a_run_run_at_once(alice):
    graph = {"steps": [fn(f"p{i}", "sleep", seconds=0.3) for i in range(6)], "edges": []}
    run = launch(alice, graph, max_parallel=2)
    [run] = wait_for_runs([run.pk], timeout=20)
    assert run.state == "succeeded"
    spans = [(t["running"], t["succeeded"]) for t in step_times(run.pk).values()]
    most = max(sum(1 for s, e in spans if s <= moment < e) for moment, _ in spans)
    assert most == 2


def test_cancel_stops_running_steps_and_cancels_waiting_ones_within_two_seconds(alice):
    marker = unique_sleep()
    graph = {
        "steps": [fn("nap", "sleep", seconds=30), exe("proc", "sh", "-c", f"exec sleep {marker}"), fn("later", "noop")],
        "edges": [{"source": "nap", "target": "later"}],
    }
    run = launch(alice, graph)
    wait_until(
        lambda: StepRun.objects.filter(run=run, state="running").count() == 2 and processes_running("sleep", marker)
    )
    started = time.monotonic()
    answer = client_for(alice).post(f"/api/runs/{run.pk}/cancel/")
    assert answer.status_code == 200
    [run] = wait_for_runs([run.pk], timeout=5)
    assert time.monotonic() - started < 2.0
    assert run.state == "cancelled"
    assert dict(StepRun.objects.filter(run=run).values_list("step_id", "state")) == {
        "nap": "cancelled",
        "proc": "cancelled",
        "later": "cancelled",
    }
    wait_until(lambda: not processes_running("sleep", marker), timeout=3)
    assert_gap_free(run.pk)
    assert client_for(alice).post(f"/api/runs/{run.pk}/cancel/").status_code == 409


def test_retry_resumes_from_failure_without_rerunning_what_succeeded(alice):
    run = launch(
        alice, chain(fn("first", "echo", x=1), fn("shaky", "fail", message="boom", times=1), fn("last", "noop"))
    )
    [run] = wait_for_runs([run.pk])
    assert run.state == "failed" and step(run, "last").state == "skipped"
    seq_before = run.last_seq
    answer = client_for(alice).post(f"/api/runs/{run.pk}/retry/", {}, format="json")
    assert answer.status_code == 200, answer.json()
    [run] = wait_for_runs([run.pk])
    assert run.state == "succeeded"
    assert (step(run, "first").attempts, step(run, "shaky").attempts, step(run, "last").attempts) == (1, 2, 1)
    assert step(run, "first").result == {"x": 1}
    assert RunEvent.objects.filter(run=run, step_id="first", state="running").count() == 1
    assert RunEvent.objects.filter(run=run, seq__gt=seq_before).exists()
    assert_gap_free(run.pk)
    assert client_for(alice).post(f"/api/runs/{run.pk}/retry/", {}, format="json").status_code == 409


def test_retry_of_named_steps_clears_everything_downstream(alice):
    run = launch(alice, chain(fn("a", "noop"), fn("b", "noop"), fn("c", "noop")))
    wait_for_runs([run.pk])
    answer = client_for(alice).post(f"/api/runs/{run.pk}/retry/", {"steps": ["b"]}, format="json")
    assert answer.status_code == 200
    [run] = wait_for_runs([run.pk])
    assert run.state == "succeeded"
    assert [step(run, s).attempts for s in "abc"] == [1, 2, 2]
    bad = client_for(alice).post(f"/api/runs/{run.pk}/retry/", {"steps": ["zz"]}, format="json")
    assert bad.status_code == 400 and "zz" in bad.json()["steps"][0]


def test_one_batch_retry_resumes_three_failed_campaigns(alice):
    campaign = campaign_create(
        owner=alice,
        name="three",
        parameters=[{"name": "name", "type": "string"}],
        graph=chain(fn("s1", "noop"), fn("s2", "fail", message="flaky", times=1), fn("s3", "noop")),
    )
    batch, runs = batch_launch(campaign=campaign, user=alice, instances=[{"parameters": {"name": n}} for n in "ABC"])
    assert {r.state for r in wait_for_runs([r.pk for r in runs])} == {"failed"}
    answer = client_for(alice).post("/api/runs/retry/", {"batch": batch.pk}, format="json")
    assert answer.status_code == 200 and sorted(answer.json()["retried"]) == sorted(r.pk for r in runs)
    assert {r.state for r in wait_for_runs([r.pk for r in runs])} == {"succeeded"}
    summary = client_for(alice).get(f"/api/batches/{batch.pk}/").json()
    assert summary["state"] == "succeeded" and summary["counts"] == {"succeeded": 3}


def test_bulk_cancel_by_ids(alice):
    runs = [launch(alice, chain(fn("nap", "sleep", seconds=30))) for _ in range(2)]
    answer = client_for(alice).post("/api/runs/cancel/", {"ids": [r.pk for r in runs]}, format="json")
    assert answer.status_code == 200 and sorted(answer.json()["cancelled"]) == sorted(r.pk for r in runs)
    assert {r.state for r in wait_for_runs([r.pk for r in runs], timeout=5)} == {"cancelled"}
    assert client_for(alice).post("/api/runs/cancel/", {"ids": [999999]}, format="json").status_code == 400


def test_executable_output_streams_live_as_log_events_and_is_served_whole(alice):
    script = "for i in 1 2 3 4 5; do echo out $i; echo err $i >&2; sleep 0.1; done; echo '{\"done\": 5}'"
    run = launch(alice, chain(exe("talk", "sh", "-c", script)))
    [run] = wait_for_runs([run.pk])
    logs = list(RunEvent.objects.filter(run=run, type="step.log"))
    assert len(logs) >= 3, "lines must arrive in several batches while the step runs"
    talk = step(run, "talk")
    assert any(e.at < talk.finished_at for e in logs)
    out = [line for e in logs if e.data["stream"] == "stdout" for line in e.data["lines"]]
    assert out == [f"out {i}" for i in range(1, 6)] + ['{"done": 5}']
    assert talk.result == {"done": 5}
    text = client_for(alice).get(f"/api/runs/{run.pk}/steps/talk/log").content.decode()
    assert text.splitlines()[0] == "=== attempt 1 ===" and "[stderr] err 3" in text
    tail = client_for(alice).get(f"/api/runs/{run.pk}/steps/talk/log?tail=2").content.decode().splitlines()
    assert len(tail) == 2 and tail[-1] == '{"done": 5}'
    assert client_for(alice).get(f"/api/runs/{run.pk}/steps/nope/log").status_code == 404


def test_a_flood_of_output_is_cut_with_a_marker(alice):
    run = launch(alice, chain(exe("flood", "python3", "-c", "for i in range(5000): print('x' * 20, i)")))
    [run] = wait_for_runs([run.pk])
    text = client_for(alice).get(f"/api/runs/{run.pk}/steps/flood/log").content.decode()
    assert text.rstrip().endswith("[log cut: over 20000 bytes for this step]")
    assert len(text) < 25000 and step(run, "flood").state == "succeeded"


def test_function_prints_and_log_records_are_captured(alice):
    run = launch(alice, chain(fn("chat", "chatty", lines=3)))
    [run] = wait_for_runs([run.pk])
    text = client_for(alice).get(f"/api/runs/{run.pk}/steps/chat/log").content.decode()
    assert "line 2" in text and "[log] WARNING chatty: logged 2" in text


def test_run_detail_reports_block_states(alice):
    graph = {
        "blocks": [{"id": "A", "name": "Campaign A"}, {"id": "B", "name": "Campaign B"}],
        "steps": [fn("a1", "noop") | {"block": "A"}, fn("b1", "fail", message="x") | {"block": "B"}],
        "edges": [{"source": "A", "target": "B"}],
    }
    run = launch(alice, graph)
    wait_for_runs([run.pk])
    blocks = {b["id"]: b for b in client_for(alice).get(f"/api/runs/{run.pk}/").json()["blocks"]}
    assert (blocks["A"]["state"], blocks["B"]["state"]) == ("succeeded", "failed")
    assert blocks["A"]["finished_at"] <= blocks["B"]["started_at"]
    assert blocks["A"]["steps"] == ["a1"]
