"""A step tested alone receives its sample upstream results in ``inputs``, as it would in the campaign."""

import pytest

from campaigns_app.models import StepRun
from campaigns_app.services import campaign_create, step_run_execute
from campaigns_app.services.test_steps import step_test_launch
from campaigns_app.step_functions.registry import _cached_registry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def reads_inputs(settings):
    settings.STUDIO_STEP_FUNCTIONS = ["tests.api.sample_functions.upstream_counts"]
    _cached_registry.cache_clear()
    yield
    _cached_registry.cache_clear()


def test_the_samples_reach_the_functions_inputs(alice, client):
    steps = [
        {"id": "a", "kind": "function", "function": "noop"},
        {"id": "b", "kind": "function", "function": "noop"},
        {"id": "total", "kind": "function", "function": "upstream_counts"},
    ]
    edges = [{"source": "a", "target": "total"}, {"source": "b", "target": "total"}]
    campaign = campaign_create(owner=alice, name="fan in", graph={"steps": steps, "edges": edges})
    run = step_test_launch(
        campaign=campaign, user=alice, step=steps[2], upstream={"a": {"count": 2}, "b": {"count": 5}}
    )
    step_run_execute(step_run_id=StepRun.objects.get(run=run).pk)
    step = StepRun.objects.get(run=run)
    assert (step.state, step.result) == ("succeeded", {"a": 2, "b": 5})
    # The samples are the test run's own; the run's graph, as the API shows it, is the one step.
    client.force_login(alice)
    graph = client.get(f"/api/runs/{run.pk}/").json()["graph"]
    assert [s["id"] for s in graph["steps"]] == ["total"] and "upstream" not in graph
