"""Workflow steps, driven in-process: child runs, their ends, cancel, retry, hand-off, visibility and rights."""

import pytest

from campaigns_app.models import Campaign, Run, RunEvent, StepRun
from campaigns_app.services import (
    campaign_create,
    run_cancel,
    run_launch,
    run_retry,
    step_run_execute,
)
from tests.graphs import chain
from tests.services.workflow_drive import child_campaign, drain, drain_when_due, fn, step, wf

pytestmark = pytest.mark.django_db(transaction=True)


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
