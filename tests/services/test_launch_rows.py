"""What a batch launch writes: every run's rows and first events, with times that agree."""

import pytest

from campaigns_app.models import Run, RunEvent, StepRun
from campaigns_app.services import batch_launch, campaign_create
from tests.graphs import sleep_chain

pytestmark = pytest.mark.django_db


def test_a_batchs_steps_and_first_events_carry_one_time_never_before_their_run(alice):
    campaign = campaign_create(owner=alice, name="Four", graph=sleep_chain(4, 0.01))
    _, launched = batch_launch(campaign=campaign, user=alice, instances=[{"parameters": {}}] * 3)
    for run in Run.objects.filter(pk__in=[r.pk for r in launched]):
        events = list(RunEvent.objects.filter(run=run).order_by("seq"))
        assert [(e.seq, e.type, e.step_id, e.state) for e in events] == [
            (1, "run.state", None, "queued"),
            (2, "step.state", "s1", "queued"),
        ]
        assert run.last_seq == 2 and run.state == "queued"
        steps = {s.step_id: s for s in StepRun.objects.filter(run=run)}
        assert {k: s.state for k, s in steps.items()} == {
            "s1": "queued",
            "s2": "pending",
            "s3": "pending",
            "s4": "pending",
        }
        # The run page's row and the timeline's event say the same moment, and no event precedes its run.
        assert steps["s1"].queued_at == events[1].at == events[0].at >= run.created_at
        assert all(s.queued_at is None for k, s in steps.items() if k != "s1")
