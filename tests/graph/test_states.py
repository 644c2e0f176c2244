import pytest

from campaigns_app.graph.states import children_state, run_outcome


@pytest.mark.parametrize(
    "states, parent",
    [
        ([], "pending"),
        (["pending", "pending"], "pending"),
        (["queued", "queued"], "queued"),
        (["queued", "pending"], "running"),
        (["succeeded", "pending"], "running"),
        (["failed", "pending"], "running"),
        (["running", "cancelled"], "running"),
        (["succeeded", "succeeded"], "succeeded"),
        (["succeeded", "failed"], "failed"),
        (["failed", "skipped"], "failed"),
        (["succeeded", "skipped"], "failed"),
        (["failed", "cancelled"], "cancelled"),
        (["skipped", "skipped"], "skipped"),
    ],
)
def test_children_fold_into_one_parent_state(states, parent):
    assert children_state(states) == parent
    counts = {s: states.count(s) for s in set(states)}
    counts.setdefault("running", 0)  # a zero count is no child
    assert children_state(counts) == parent


@pytest.mark.parametrize(
    "states, outcome",
    [
        (["succeeded", "running"], None),
        (["succeeded", "pending"], None),
        (["succeeded", "succeeded"], "succeeded"),
        (["failed", "skipped"], "failed"),
        (["skipped"], "failed"),
        (["cancelled", "failed", "succeeded"], "cancelled"),
    ],
)
def test_a_run_ends_only_when_no_step_can_progress(states, outcome):
    assert run_outcome(states) == outcome
