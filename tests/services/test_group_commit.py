"""Group commit: steps that end at the same moment in one process share one transaction, and lose nothing."""

import threading
import time

import pytest
from django.db import connection

from campaigns_app.models import Run, RunEvent, StepRun
from campaigns_app.services import batch_launch, campaign_create
from campaigns_app.services.steps import step_run_claim
from campaigns_app.services.transitions import commit as commit_module, committer_stats, in_run_transaction, step_claim

# Every thread commits on its own connection.
pytestmark = pytest.mark.django_db(transaction=True)


def chain_runs(owner, count):
    graph = {
        "steps": [{"id": f"s{k}", "kind": "function", "function": "noop", "kwargs": {}} for k in (1, 2)],
        "edges": [{"source": "s1", "target": "s2"}],
    }
    campaign = campaign_create(owner=owner, name="chains", graph=graph)
    _, runs = batch_launch(campaign=campaign, user=owner, instances=[{"parameters": {}}] * count)
    return runs


def in_threads(functions):
    """Run each function on its own thread (closing its connection after), and return results or exceptions."""
    results = [None] * len(functions)

    def call(index, function):
        try:
            results[index] = function()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def hold_first_commit_until(waiting: int):
    """An apply for the leader that holds its commit until ``waiting`` others have queued behind it."""

    def apply(ledger):
        deadline = time.monotonic() + 10
        while len(commit_module._committer._queue) < waiting and time.monotonic() < deadline:
            time.sleep(0.005)
        return "held"

    return apply


def claimer(step_run):
    return lambda: step_run_claim(step_run_id=step_run.pk, expected=(step_run.run_id, step_run.step_id, 1))


def gap_free(run_id):
    seqs = list(RunEvent.objects.filter(run_id=run_id).order_by("seq").values_list("seq", flat=True))
    return seqs == list(range(1, len(seqs) + 1)) and Run.objects.get(pk=run_id).last_seq == len(seqs)


def test_claims_waiting_behind_a_commit_go_through_together_in_one_transaction(alice):
    holder, *runs = chain_runs(alice, 9)
    roots = [StepRun.objects.get(run=run, step_id="s1") for run in runs]
    commits_before, _ = committer_stats()
    leader = threading.Thread(
        target=lambda: (in_run_transaction(holder.pk, hold_first_commit_until(len(roots))), connection.close())
    )
    leader.start()
    while not commit_module._committer._leading:
        time.sleep(0.001)
    claimed = in_threads([claimer(sr) for sr in roots])
    leader.join(30)
    assert all(c is not None and not isinstance(c, Exception) for c in claimed), claimed
    # The holder's commit, then one commit for all eight claims.
    assert committer_stats()[0] - commits_before == 2
    assert set(StepRun.objects.filter(pk__in=[sr.pk for sr in roots]).values_list("state", flat=True)) == {"running"}
    for run in runs:
        assert Run.objects.get(pk=run.pk).state == "running"
        assert gap_free(run.pk)


def test_a_duplicate_delivery_in_the_same_group_claims_nothing(alice):
    holder, run = chain_runs(alice, 2)
    root = StepRun.objects.get(run=run, step_id="s1")
    leader = threading.Thread(
        target=lambda: (in_run_transaction(holder.pk, hold_first_commit_until(2)), connection.close())
    )
    leader.start()
    while not commit_module._committer._leading:
        time.sleep(0.001)
    first, second = in_threads([claimer(root), claimer(root)])
    leader.join(30)
    assert sorted([first is None, second is None]) == [False, True]
    assert RunEvent.objects.filter(run=run, step_id="s1", state="running").count() == 1
    assert StepRun.objects.get(pk=root.pk).attempts == 1
    assert gap_free(run.pk)


def test_a_transition_that_raises_fails_alone_and_its_neighbours_commit(alice):
    holder, good, bad = chain_runs(alice, 3)
    root = StepRun.objects.get(run=good, step_id="s1")
    bad_root = StepRun.objects.get(run=bad, step_id="s1")

    def broken(ledger):
        step_claim(ledger, step_run_id=bad_root.pk, step_id="s1", attempt=1)
        raise RuntimeError("broken transition")

    leader = threading.Thread(
        target=lambda: (in_run_transaction(holder.pk, hold_first_commit_until(2)), connection.close())
    )
    leader.start()
    while not commit_module._committer._leading:
        time.sleep(0.001)
    claimed, failed = in_threads([claimer(root), lambda: in_run_transaction(bad.pk, broken)])
    leader.join(30)
    assert isinstance(failed, RuntimeError)
    assert claimed is not None and not isinstance(claimed, Exception)
    assert StepRun.objects.get(pk=root.pk).state == "running"
    # Nothing of the broken transition was kept: its claim was rolled back with it.
    assert StepRun.objects.get(pk=bad_root.pk).state == "queued"
    assert not RunEvent.objects.filter(run=bad, state="running").exists()
    assert gap_free(good.pk) and gap_free(bad.pk)


def test_an_idle_process_commits_a_lone_claim_at_once_on_its_own_thread(alice):
    [run] = chain_runs(alice, 1)
    root = StepRun.objects.get(run=run, step_id="s1")
    seen = []
    original = commit_module.GroupCommitter._commit

    def spy(self, group):
        seen.append((threading.current_thread(), len(group)))
        return original(self, group)

    commit_module.GroupCommitter._commit = spy
    try:
        assert claimer(root)() is not None
    finally:
        commit_module.GroupCommitter._commit = original
    assert seen == [(threading.current_thread(), 1)]
