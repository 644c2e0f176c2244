"""The engine's rules, driven in-process: every queued step is executed until the run ends."""

import pytest

from campaigns_app.models import Run, RunEvent, StepRun
from campaigns_app.services import campaign_create, run_launch, step_run_execute

# Transactional: step logs are stored by the log pump thread, which must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def drain(run: Run, limit: int = 100) -> Run:
    for _ in range(limit):
        queued = list(StepRun.objects.filter(run=run, state="queued").values_list("pk", flat=True))
        if not queued:
            break
        for step_run_id in queued:
            step_run_execute(step_run_id=step_run_id)
    return Run.objects.get(pk=run.pk)


def states(run: Run) -> dict[str, str]:
    return dict(StepRun.objects.filter(run=run).values_list("step_id", "state"))


def fn(step_id, function, **kwargs):
    return {"id": step_id, "kind": "function", "function": function, "kwargs": kwargs}


def edges(*pairs):
    return [{"source": a, "target": b} for a, b in pairs]


def launch(owner, graph, parameters=None, declared=()):
    campaign = campaign_create(owner=owner, name="t", parameters=list(declared), graph=graph)
    return run_launch(campaign=campaign, user=owner, parameters=parameters)


def test_launch_queues_only_the_root_steps(alice, seed_campaign):
    run = run_launch(campaign=seed_campaign, user=alice, parameters={"name": "Campaign B"})
    assert states(run) == {"s1": "queued", "s2": "pending", "s3": "pending", "s4": "pending"}
    assert run.parameters == {"name": "Campaign B"}
    assert [(e.seq, e.type, e.state, e.step_id) for e in RunEvent.objects.filter(run=run)] == [
        (1, "run.state", "queued", None),
        (2, "step.state", "queued", "s1"),
    ]


def test_results_flow_downstream_through_templates_and_inputs(alice):
    run = launch(
        alice,
        {
            "steps": [
                fn("a", "echo", x="{{ params.n }}"),
                fn("b", "echo", got="{{ steps.a.result }}", text="n={{ params.n }}"),
            ],
            "edges": edges(("a", "b")),
        },
        parameters={"n": 3},
        declared=[{"name": "n", "type": "integer", "default": 1}],
    )
    run = drain(run)
    assert run.state == "succeeded"
    result = StepRun.objects.get(run=run, step_id="b").result
    assert result == {"got": {"x": 3}, "text": "n=3"}


def test_a_failure_skips_descendants_but_independent_branches_finish(alice):
    graph = {
        "steps": [
            fn("root", "noop"),
            fn("bad", "fail", message="boom"),
            fn("after_bad", "noop"),
            fn("side", "noop"),
            fn("after_side", "noop"),
        ],
        "edges": edges(("root", "bad"), ("bad", "after_bad"), ("root", "side"), ("side", "after_side")),
    }
    run = drain(launch(alice, graph))
    assert run.state == "failed"
    assert states(run) == {
        "root": "succeeded",
        "bad": "failed",
        "after_bad": "skipped",
        "side": "succeeded",
        "after_side": "succeeded",
    }
    bad = StepRun.objects.get(run=run, step_id="bad")
    assert "RuntimeError: boom" in bad.error
    assert run.finished_at is not None


def test_retries_run_the_step_again_and_count_attempts(alice):
    graph = {"steps": [{**fn("flaky", "fail", message="first time", times=2), "retries": 2}], "edges": []}
    run = drain(launch(alice, graph))
    flaky = StepRun.objects.get(run=run, step_id="flaky")
    assert (run.state, flaky.state, flaky.attempts) == ("succeeded", "succeeded", 3)
    assert flaky.result == "succeeded on attempt 3"
    failed_attempts = RunEvent.objects.filter(run=run, step_id="flaky", state="failed")
    assert [e.data["attempt"] for e in failed_attempts] == [1, 2]


def test_a_duplicate_delivery_does_not_run_the_step_twice(alice):
    run = launch(alice, {"steps": [fn("a", "noop")], "edges": []})
    step_run_id = StepRun.objects.get(run=run, step_id="a").pk
    assert step_run_execute(step_run_id=step_run_id) is not None
    assert step_run_execute(step_run_id=step_run_id) is None
    assert StepRun.objects.get(pk=step_run_id).attempts == 1
    assert RunEvent.objects.filter(run=run, step_id="a", state="succeeded").count() == 1


def test_executable_result_is_the_last_stdout_line_parsed_as_json(alice, alice_runs_commands):
    graph = {
        "steps": [
            {
                "id": "x",
                "kind": "executable",
                "argv": ["python3", "-c", "print('noise'); print('{\"n\": {{ params.n }}}')"],
            }
        ],
        "edges": [],
    }
    run = drain(launch(alice, graph, parameters={"n": 4}, declared=[{"name": "n", "type": "integer"}]))
    assert StepRun.objects.get(run=run, step_id="x").result == {"n": 4}


def test_executable_non_zero_exit_reports_code_and_stderr_tail(alice, alice_runs_commands):
    graph = {
        "steps": [{"id": "x", "kind": "executable", "argv": ["sh", "-c", "echo out; echo 'disk full' >&2; exit 3"]}],
        "edges": [],
    }
    run = drain(launch(alice, graph))
    step = StepRun.objects.get(run=run, step_id="x")
    assert step.state == "failed"
    assert step.error == "exit code 3: disk full"


def test_a_missing_executable_fails_with_a_clear_error(alice, alice_runs_commands):
    run = drain(
        launch(alice, {"steps": [{"id": "x", "kind": "executable", "argv": ["no-such-tool-xyz"]}], "edges": []})
    )
    assert StepRun.objects.get(run=run, step_id="x").error == "executable not found: no-such-tool-xyz"


def test_a_result_over_the_limit_fails_the_step(alice, settings):
    settings.STUDIO_MAX_RESULT_BYTES = 1000
    run = drain(launch(alice, {"steps": [fn("big", "echo", blob="x" * 5000)], "edges": []}))
    step = StepRun.objects.get(run=run, step_id="big")
    assert step.state == "failed" and step.result is None
    assert "over the 1000-byte limit" in step.error


def test_event_sequence_is_gap_free_from_one(alice, seed_campaign):
    run = drain(run_launch(campaign=seed_campaign, user=alice, parameters={}))
    seqs = list(RunEvent.objects.filter(run=run).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert Run.objects.get(pk=run.pk).last_seq == len(seqs)
    last = RunEvent.objects.filter(run=run).last()
    assert (last.type, last.state) == ("run.state", "succeeded")


@pytest.fixture
def sent_messages(monkeypatch):
    """Step ids of the Celery messages sent after each commit (nothing reaches a broker)."""
    from campaigns_app.services import dispatch

    sent: list[str] = []
    monkeypatch.setattr(
        dispatch, "send_step_messages", lambda step_runs, countdown=None: sent.extend(sr.step_id for sr in step_runs)
    )
    return sent


def test_a_chain_runs_on_the_thread_that_finished_each_link_without_a_message(alice, seed_campaign, sent_messages):
    run = run_launch(campaign=seed_campaign, user=alice, parameters={})
    assert sent_messages == ["s1"]
    step_run_execute(step_run_id=StepRun.objects.get(run=run, step_id="s1").pk)
    assert Run.objects.get(pk=run.pk).state == "succeeded"
    assert set(states(run).values()) == {"succeeded"}
    assert sent_messages == ["s1"]
    # Each successor is queued and started in the transaction that recorded its predecessor.
    events = [(e.seq, e.step_id, e.state) for e in RunEvent.objects.filter(run=run, step_id="s2")]
    finished_s1 = RunEvent.objects.get(run=run, step_id="s1", state="succeeded").seq
    assert events[:2] == [(finished_s1 + 1, "s2", "queued"), (finished_s1 + 2, "s2", "running")]
    s1, s2 = StepRun.objects.get(run=run, step_id="s1"), StepRun.objects.get(run=run, step_id="s2")
    assert s2.queued_at == s2.started_at >= s1.finished_at
    assert s2.attempts == 1 and s2.worker


def test_of_two_ready_successors_one_runs_here_and_the_other_gets_a_message(alice, sent_messages):
    graph = {
        "steps": [fn("a", "noop"), fn("b", "echo", n=1), fn("c", "echo", n=2)],
        "edges": edges(("a", "b"), ("a", "c")),
    }
    run = launch(alice, graph)
    step_run_execute(step_run_id=StepRun.objects.get(run=run, step_id="a").pk)
    assert states(run) == {"a": "succeeded", "b": "succeeded", "c": "queued"}
    assert sent_messages == ["a", "c"]
    assert drain(run).state == "succeeded"


def test_a_successor_on_another_backend_is_sent_to_its_queue(alice, settings, sent_messages):
    settings.STUDIO_BACKENDS = ["thread", "dask"]
    graph = {"steps": [fn("a", "noop"), {**fn("b", "noop"), "backend": "dask"}], "edges": edges(("a", "b"))}
    run = launch(alice, graph)
    step_run_execute(step_run_id=StepRun.objects.get(run=run, step_id="a").pk)
    assert states(run) == {"a": "succeeded", "b": "queued"}
    assert sent_messages == ["a", "b"]


def test_a_cancel_between_steps_stops_the_chain(alice, seed_campaign, sent_messages):
    from campaigns_app.services import run_cancel

    run = run_launch(campaign=seed_campaign, user=alice, parameters={})
    run_cancel(run_id=run.pk)
    assert step_run_execute(step_run_id=StepRun.objects.get(run=run, step_id="s1").pk) is None
    assert set(states(run).values()) == {"cancelled"}
    assert Run.objects.get(pk=run.pk).state == "cancelled"


def test_a_placeholder_whose_value_does_not_fit_fails_the_step_with_the_same_message(alice):
    graph = {"steps": [fn("s1", "sleep", seconds="{{ params.delay }}")], "edges": []}
    run = drain(
        launch(
            alice, graph, parameters={"delay": "abc"}, declared=[{"name": "delay", "type": "string", "default": "0"}]
        )
    )
    step = StepRun.objects.get(run=run, step_id="s1")
    assert run.state == "failed" and step.state == "failed"
    assert step.error == """step 's1': argument 'seconds' must be a number, got "abc\""""
    fine = drain(
        launch(alice, graph, parameters={"delay": "0"}, declared=[{"name": "delay", "type": "string", "default": "0"}])
    )
    assert states(fine) == {"s1": "failed"}
    numeric = drain(
        launch(alice, graph, parameters={"delay": 0}, declared=[{"name": "delay", "type": "number", "default": 0}])
    )
    assert states(numeric) == {"s1": "succeeded"}


def test_a_retried_run_keeps_its_first_start_and_ends_at_its_last_finish(alice):
    from campaigns_app.services import run_retry

    run = drain(launch(alice, {"steps": [fn("s1", "fail", times=1)], "edges": []}))
    first_start, first_finish = run.started_at, run.finished_at
    assert run.state == "failed" and first_start is not None
    run_retry(run_id=run.pk, user=alice)
    run = drain(run)
    assert run.state == "succeeded"
    assert run.started_at == first_start
    assert run.finished_at > first_finish


def test_a_raising_function_shows_its_own_frames_in_the_error_and_its_traceback_in_the_log(alice):
    from campaigns_app.models import StepLogChunk

    run = drain(launch(alice, {"steps": [fn("s1", "fail", message="disk full")], "edges": []}))
    step = StepRun.objects.get(run=run, step_id="s1")
    assert step.error.startswith("RuntimeError: disk full\nTraceback (most recent call last):")
    assert "builtins.py" in step.error and "in fail" in step.error
    assert "backends" not in step.error and 'File "campaigns_app/step_functions/builtins.py"' in step.error
    import time

    for _ in range(50):  # the log pump stores lines every 100 ms
        logged = "".join(StepLogChunk.objects.filter(step_run=step).values_list("text", flat=True))
        if logged:
            break
        time.sleep(0.1)
    assert "RuntimeError: disk full" in logged and "Traceback" in logged


def test_a_step_message_for_a_deleted_run_is_skipped_quietly(alice, caplog):
    """A launch racing a campaign delete leaves messages for rows that are gone: the worker drops them."""
    run = launch(alice, {"steps": [fn("a", "noop"), fn("b", "noop")], "edges": edges(("a", "b"))})
    step_run_id = StepRun.objects.get(run=run, step_id="a").pk
    run.campaign.delete()
    assert step_run_execute(step_run_id=step_run_id) is None
    assert not Run.objects.filter(pk=run.pk).exists()


def test_an_outcome_for_a_run_deleted_while_its_step_ran_is_dropped_quietly(alice):
    from campaigns_app.backends.base import StepOutcome
    from campaigns_app.services.steps import step_run_claim, step_run_record

    run = launch(alice, {"steps": [fn("a", "noop"), fn("b", "noop")], "edges": edges(("a", "b"))})
    step_run_id = StepRun.objects.get(run=run, step_id="a").pk
    claimed = step_run_claim(step_run_id=step_run_id)
    assert claimed is not None
    run.campaign.delete()
    assert (
        step_run_record(
            step_run_id=step_run_id, run_id=run.pk, outcome=StepOutcome.success(None), attempt=claimed.attempt
        )
        is None
    )
