"""Workflow steps and ensembles, driven in-process: child runs, their ends, cancel, retry, for_each items."""

import time

import pytest

from campaigns_app.models import Campaign, Run, RunEvent, StepItem, StepRun
from campaigns_app.services import (
    campaign_create,
    run_cancel,
    run_launch,
    run_retry,
    step_run_execute,
)
from tests.graphs import chain

pytestmark = pytest.mark.django_db(transaction=True)


def drain(limit: int = 200) -> None:
    """Run every queued step of every run, as workers would, until nothing is queued."""
    for _ in range(limit):
        queued = list(StepRun.objects.filter(state="queued").values_list("pk", flat=True))
        if not queued:
            return
        for pk in queued:
            step_run_execute(step_run_id=pk)


def fn(step_id, function="noop", **kwargs):
    return {"id": step_id, "kind": "function", "function": function, "kwargs": kwargs}


def wf(step_id, campaign, **extra):
    return {"id": step_id, "kind": "workflow", "campaign": campaign.pk, **extra}


def child_campaign(owner, *, fail_on=None, **extra):
    """Two steps: a echoes who, b fails when who equals ``fail_on`` (a parameter), else echoes."""
    graph = chain(fn("a", "echo", who="{{ params.who }}"), fn("b", "echo", got="{{ steps.a.result.who }}"))
    if fail_on is not None:
        graph["steps"][1] = {"id": "b", "kind": "function", "function": "fail", "kwargs": {"message": "boom"}}
    return campaign_create(
        owner=owner,
        name=extra.pop("name", "Child"),
        graph=graph,
        parameters=[{"name": "who", "type": "string", "default": "nobody"}],
        **extra,
    )


def step(run, step_id):
    return StepRun.objects.get(run=run, step_id=step_id)


def test_a_workflow_step_runs_its_child_and_ends_with_its_result(alice):
    kid = child_campaign(alice)
    parent = campaign_create(
        owner=alice,
        name="Parent",
        graph=chain(
            wf("sim", kid, parameters={"who": "{{ params.name }}-sim"}),
            fn("after", "echo", got="{{ steps.sim.result.b.got }}"),
        ),
        parameters=[{"name": "name", "type": "string", "default": "A"}],
    )
    run = run_launch(campaign=parent, user=alice)
    sim = step(run, "sim")
    assert sim.state == "running" and sim.child_run is not None
    child = sim.child_run
    assert (child.parent_id, child.parent_step_id, child.owner_id) == (run.pk, "sim", alice.pk)
    assert child.parameters == {"who": "A-sim"}
    drain()
    run.refresh_from_db()
    assert run.state == "succeeded"
    assert step(run, "sim").result == {"a": {"who": "A-sim"}, "b": {"got": "A-sim"}}
    assert step(run, "after").result == {"got": "A-sim"}


def test_nested_workflows_three_deep(alice):
    kid = child_campaign(alice)
    middle = campaign_create(owner=alice, name="Middle", graph=chain(wf("inner", kid, parameters={"who": "deep"})))
    top = campaign_create(owner=alice, name="Top", graph=chain(wf("mid", middle)))
    run = run_launch(campaign=top, user=alice)
    drain()
    run.refresh_from_db()
    assert run.state == "succeeded"
    assert step(run, "mid").result == {"inner": {"a": {"who": "deep"}, "b": {"got": "deep"}}}
    assert Run.objects.filter(parent__parent=run).count() == 1


def test_a_failed_child_fails_the_step_and_a_retry_resumes_the_child(alice):
    kid = child_campaign(alice, fail_on="x")
    parent = campaign_create(owner=alice, name="Parent", graph=chain(wf("sim", kid), fn("after")))
    run = run_launch(campaign=parent, user=alice)
    drain()
    run.refresh_from_db()
    sim = step(run, "sim")
    assert (run.state, sim.state, step(run, "after").state) == ("failed", "failed", "skipped")
    assert f"child run {sim.child_run_id} failed" in sim.error and "step b: RuntimeError: boom" in sim.error
    child = sim.child_run
    run_retry(run_id=run.pk)
    assert step(run, "sim").child_run_id == child.pk  # the same child, resumed
    child.refresh_from_db()
    assert child.state == "queued"
    assert step(child, "a").state == "succeeded" and step(child, "a").attempts == 1  # its success is kept
    assert step(child, "b").state == "queued"


def test_retries_start_a_fresh_child_after_a_failed_one(alice):
    kid = child_campaign(alice, fail_on="x")
    parent = campaign_create(owner=alice, name="Parent", graph=chain(wf("sim", kid, retries=1)))
    run = run_launch(campaign=parent, user=alice)
    drain()
    sim = step(run, "sim")
    assert (sim.state, sim.attempts) == ("failed", 2)
    assert Run.objects.filter(parent=run).count() == 2


def drain_when_due(*, wait: bool = True, limit: int = 200) -> None:
    """``drain``, but a step queued with a delay runs only once due, as a Celery countdown holds its message."""
    from django.utils import timezone

    for _ in range(limit):
        queued = list(StepRun.objects.filter(state="queued").order_by("dispatched_at"))
        if not queued:
            return
        due = queued[0].dispatched_at
        if due > timezone.now():
            if not wait:
                return
            time.sleep((due - timezone.now()).total_seconds() + 0.01)
            continue
        for sr in queued:
            if sr.dispatched_at <= timezone.now():
                step_run_execute(step_run_id=sr.pk)


def test_retries_wait_their_retry_delay_before_the_fresh_child(alice):
    kid = child_campaign(alice, fail_on="x")
    parent = campaign_create(owner=alice, name="Parent", graph=chain(wf("sim", kid, retries=1, retry_delay_s=2)))
    run = run_launch(campaign=parent, user=alice)
    drain_when_due()
    sim = step(run, "sim")
    assert (sim.state, sim.attempts) == ("failed", 2)
    first, second = Run.objects.filter(parent=run).order_by("pk")
    # The backoff is a random point in the upper half of retry_delay_s.
    assert (second.created_at - first.finished_at).total_seconds() >= 1.0
    queued = RunEvent.objects.filter(run=run, step_id="sim", state="queued").order_by("seq")
    assert [e.data.get("attempt") for e in queued] == [1, 2]
    assert 1.0 <= queued[1].data["delay_s"] <= 2.0
    assert (second.created_at - queued[1].at).total_seconds() >= queued[1].data["delay_s"]
    run.refresh_from_db()
    assert list(RunEvent.objects.filter(run=run).order_by("seq").values_list("seq", flat=True)) == list(
        range(1, run.last_seq + 1)
    )


def test_a_cancel_during_the_retry_delay_cancels_the_step_and_starts_no_child(alice):
    kid = child_campaign(alice, fail_on="x")
    parent = campaign_create(owner=alice, name="Parent", graph=chain(wf("sim", kid, retries=1, retry_delay_s=60)))
    run = run_launch(campaign=parent, user=alice)
    drain_when_due(wait=False)
    sim = step(run, "sim")
    assert (sim.state, sim.attempts, Run.objects.filter(parent=run).count()) == ("queued", 1, 1)
    run_cancel(run_id=run.pk)
    # The delayed message arrives anyway: it starts nothing.
    step_run_execute(step_run_id=sim.pk, expected=(run.pk, "sim", 2))
    run.refresh_from_db()
    assert (run.state, step(run, "sim").state, step(run, "sim").attempts) == ("cancelled", "cancelled", 1)
    assert Run.objects.filter(parent=run).count() == 1


def test_the_thread_whose_step_ended_a_child_runs_the_next_childs_first_step_without_a_message(alice, monkeypatch):
    from campaigns_app.services import dispatch

    kid = child_campaign(alice)
    parent = campaign_create(owner=alice, name="Parent", graph=chain(wf("w1", kid), wf("w2", kid), wf("w3", kid)))
    run = run_launch(campaign=parent, user=alice)
    sent = []
    monkeypatch.setattr(dispatch, "send_step_messages", lambda step_runs, countdown=None: sent.extend(step_runs))
    # One delivery, of the first child's first step: the rest of the parent runs on that thread.
    step_run_execute(step_run_id=StepRun.objects.get(run=step(run, "w1").child_run, step_id="a").pk)
    run.refresh_from_db()
    assert run.state == "succeeded" and sent == []
    children = list(Run.objects.filter(parent=run).order_by("pk"))
    assert [c.parent_step_id for c in children] == ["w1", "w2", "w3"] and {c.state for c in children} == {"succeeded"}
    for r in [run, *children]:
        assert list(RunEvent.objects.filter(run=r).order_by("seq").values_list("seq", flat=True)) == list(
            range(1, r.last_seq + 1)
        )
    second = children[1]
    assert [(e.step_id, e.state) for e in RunEvent.objects.filter(run=second).order_by("seq")[:4]] == [
        (None, "queued"),
        (None, "running"),
        ("a", "queued"),
        ("a", "running"),
    ]


def test_a_handed_step_whose_thread_died_is_reclaimed(alice):
    from datetime import timedelta

    from campaigns_app.backends import StepOutcome
    from campaigns_app.services.recovery import step_run_reclaim
    from campaigns_app.services.steps import step_run_claim, step_run_record
    from campaigns_app.services.transitions import worker_id
    from campaigns_app.services.transitions.hand_off import StepOffer

    kid = child_campaign(alice)
    parent = campaign_create(owner=alice, name="Parent", graph=chain(wf("w1", kid), wf("w2", kid)))
    # The thread records b's end (which ends the child) and dies before running what it was handed.
    run = run_launch(campaign=parent, user=alice)
    first = step(run, "w1").child_run
    a = step_run_claim(step_run_id=step(first, "a").pk)
    b = step_run_record(
        step_run_id=a.step_run_id,
        run_id=first.pk,
        outcome=StepOutcome.success({"who": "x"}),
        attempt=1,
        run_next_on="thread",
    )
    offer = StepOffer("thread")
    assert (
        step_run_record(
            step_run_id=b.step_run_id, run_id=first.pk, outcome=StepOutcome.success({}), attempt=1, offer=offer
        )
        is None
    )
    handed, second = offer.taken
    held = StepRun.objects.get(pk=handed.pk)
    assert (held.run_id, held.step_id, held.state, held.worker) == (second.pk, "a", "running", worker_id())
    assert held.heartbeat_at is not None
    assert step_run_reclaim(
        step_run_id=held.pk, run_id=second.pk, attempt=1, cutoff=held.heartbeat_at + timedelta(seconds=1)
    )
    held.refresh_from_db()
    assert (held.state, held.reclaims) == ("queued", 1)


def test_cancelling_a_parent_cancels_its_running_child(alice):
    kid = campaign_create(owner=alice, name="Slow", graph=chain(fn("wait", "sleep", seconds=30)))
    parent = campaign_create(owner=alice, name="Parent", graph=chain(wf("sim", kid), fn("after")))
    run = run_launch(campaign=parent, user=alice)
    child = step(run, "sim").child_run
    run_cancel(run_id=run.pk)
    child.refresh_from_db()
    run.refresh_from_db()
    assert child.state == "cancelled"
    assert (run.state, step(run, "sim").state, step(run, "after").state) == ("cancelled", "cancelled", "cancelled")


def test_a_child_campaign_no_longer_visible_fails_the_step_clearly(alice, bob):
    kid = child_campaign(bob, name="Bob's", visibility="public")
    parent = campaign_create(owner=alice, name="Parent", graph=chain(fn("first"), wf("sim", kid)))
    Campaign.objects.filter(pk=kid.pk).update(visibility="private")
    run = run_launch(campaign=parent, user=alice)
    drain()
    sim = step(run, "sim")
    assert sim.state == "failed"
    assert sim.error == f"campaign {kid.pk} no longer exists or is no longer visible to alice, who launched this run"


def test_an_ensemble_runs_one_child_per_item_and_returns_their_results_in_order(alice):
    kid = child_campaign(alice)
    parent = campaign_create(
        owner=alice,
        name="Ensemble",
        graph=chain(
            wf("ens", kid, for_each="{{ params.names }}", max_parallel=2, parameters={"who": "{{ item }}-{{ index }}"})
        ),
        parameters=[{"name": "names", "type": "json", "default": ["p", "q", "r"]}],
    )
    run = run_launch(campaign=parent, user=alice)
    assert Run.objects.filter(parent=run).count() == 2  # max_parallel
    drain()
    run.refresh_from_db()
    assert run.state == "succeeded"
    assert [r["b"]["got"] for r in step(run, "ens").result] == ["p-0", "q-1", "r-2"]
    assert list(StepItem.objects.filter(step_run__run=run).values_list("state", flat=True)) == ["succeeded"] * 3


def test_an_ensemble_item_failing_fails_the_step_and_a_retry_reruns_only_that_item(alice):
    kid = campaign_create(
        owner=alice,
        name="Picky",
        graph=chain(
            fn("a", "echo", who="{{ params.who }}"),
            {"id": "b", "kind": "function", "function": "fail", "kwargs": {"message": "{{ params.who }}", "times": 1}},
        ),
        parameters=[{"name": "who", "type": "string", "default": "x"}],
    )
    parent = campaign_create(
        owner=alice, name="Ensemble", graph=chain(wf("ens", kid, for_each=["ok"], parameters={"who": "{{ item }}"}))
    )
    run = run_launch(campaign=parent, user=alice)
    drain()
    ens = step(run, "ens")
    assert ens.state == "failed" and ens.error.startswith("item 0 failed: child run")
    first_child = StepItem.objects.get(step_run=ens, index=0).child_run_id
    run_retry(run_id=run.pk)
    drain()
    run.refresh_from_db()
    item = StepItem.objects.get(step_run=ens, index=0)
    assert run.state == "succeeded"
    assert item.child_run_id == first_child  # resumed, not a new child
    assert step(Run.objects.get(pk=first_child), "b").result == "succeeded on attempt 2"


def test_for_each_of_an_empty_list_succeeds_with_no_items_and_a_non_list_fails_naming_its_type(alice):
    kid = child_campaign(alice)
    parent = campaign_create(
        owner=alice,
        name="Edge",
        graph={
            "steps": [wf("none", kid, for_each="{{ params.names }}"), wf("bad", kid, for_each="{{ params.text }}")],
            "edges": [],
        },
        parameters=[
            {"name": "names", "type": "json", "default": []},
            {"name": "text", "type": "string", "default": "abc"},
        ],
    )
    run = run_launch(campaign=parent, user=alice)
    assert (step(run, "none").state, step(run, "none").result) == ("succeeded", [])
    assert step(run, "bad").state == "failed"
    assert step(run, "bad").error == "for_each gave string 'abc', not a list"


def test_a_function_for_each_runs_each_item_and_a_retry_reruns_only_the_failed_ones(alice):
    campaign = campaign_create(
        owner=alice,
        name="Items",
        graph=chain(
            fn("prep", "echo", files=[{"name": "a"}, {"name": "boom"}, {"name": "c"}]),
            {
                "id": "each",
                "kind": "function",
                "function": "echo",
                "for_each": "{{ steps.prep.result.files }}",
                "max_parallel": 2,
                "kwargs": {"name": "{{ item.name }}", "at": "{{ index }}"},
            },
            fn("after", "echo", got="{{ steps.each.result[2].name }}"),
        ),
    )
    run = run_launch(campaign=campaign, user=alice)
    drain()
    run.refresh_from_db()
    assert run.state == "succeeded"
    assert step(run, "each").result == [{"name": "a", "at": 0}, {"name": "boom", "at": 1}, {"name": "c", "at": 2}]
    assert step(run, "after").result == {"got": "c"}
    items = StepItem.objects.filter(step_run__run=run).order_by("index")
    assert [(i.state, i.attempts) for i in items] == [("succeeded", 1)] * 3


def test_a_failing_item_fails_the_step_skips_descendants_and_a_retry_runs_only_it(alice):
    # fail(times=N) fails while the attempt is at most N: item 0 never fails, item 1 on the first attempt only.
    campaign = campaign_create(
        owner=alice,
        name="Items",
        graph=chain(
            {
                "id": "each",
                "kind": "function",
                "function": "fail",
                "for_each": [0, 1],
                "kwargs": {"message": "item {{ index }}", "times": "{{ item }}"},
            },
            fn("after"),
        ),
    )
    run = run_launch(campaign=campaign, user=alice)
    drain()
    run.refresh_from_db()
    each = step(run, "each")
    assert (run.state, each.state, step(run, "after").state) == ("failed", "failed", "skipped")
    assert each.error.startswith("item 1 failed: RuntimeError: item 1")
    assert dict(StepItem.objects.filter(step_run=each).values_list("index", "state")) == {0: "succeeded", 1: "failed"}
    run_retry(run_id=run.pk)
    drain()
    run.refresh_from_db()
    items = {i.index: i for i in StepItem.objects.filter(step_run=each)}
    assert run.state == "succeeded"
    assert (items[0].attempts, items[1].attempts) == (1, 2)  # only the failed item ran again
    assert step(run, "each").result == ["succeeded on attempt 1", "succeeded on attempt 2"]


def test_a_childs_executable_steps_need_the_launchers_right_to_run_them(alice, bob):
    from tests.conftest import team_with

    lab = team_with("Bob's lab", may_run_executables=True, bob="editor", alice="viewer")
    tool = campaign_create(
        owner=bob,
        name="Tool",
        team=lab,
        visibility="team",
        graph=chain({"id": "cmd", "kind": "executable", "argv": ["true"]}),
    )
    parent = campaign_create(owner=alice, name="Parent", graph=chain(fn("first"), wf("use", tool)))
    run = run_launch(campaign=parent, user=alice)
    drain()
    use = step(run, "use")
    assert use.state == "failed" and use.child_run_id is None
    assert use.error.startswith(
        "campaign 'Tool': executable step(s) 'cmd' run commands on the workers; team \"Bob's lab\" lets only"
    )


def test_a_parent_that_missed_its_childs_end_is_woken_by_the_sweep(alice, monkeypatch):
    from campaigns_app.services.transitions import child_ends, workflow_steps_reconcile

    kid = child_campaign(alice)
    parent = campaign_create(owner=alice, name="Parent", graph=chain(wf("sim", kid, parameters={"who": "z"})))
    run = run_launch(campaign=parent, user=alice)
    # As if the worker died between the child's commit and waking the parent (a wake-up after commit:
    # PostgreSQL's, or SQLite's when it cannot wake the parent in the child's transaction).
    monkeypatch.setattr(child_ends, "_wake_now_allowed", lambda parent_id: False)
    monkeypatch.setattr(child_ends, "partial", lambda *a, **k: lambda: None)
    drain()
    assert step(run, "sim").state == "running" and step(run, "sim").child_run.state == "succeeded"
    monkeypatch.undo()
    assert workflow_steps_reconcile() == 1
    run.refresh_from_db()
    assert (run.state, step(run, "sim").result["b"]) == ("succeeded", {"got": "z"})
    assert workflow_steps_reconcile() == 0
