"""The shipped demo campaigns: a new user can launch each of them at once."""

import pytest
from django.core.management import call_command

from campaigns_app.models import Campaign, Run, StepRun
from campaigns_app.services import run_launch
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_user_launches_the_campaign_of_workflows_and_the_ensemble(capsys):
    make_user("admin")
    call_command("load_demo_data")
    call_command("load_demo_data")  # safe to run again
    assert Campaign.objects.count() == 3
    newcomer = make_user("newcomer")
    workflows = Campaign.objects.get(name="Seed: campaign of workflows")
    run = run_launch(campaign=workflows, user=newcomer, parameters={"name": "Campaign A"})
    first = StepRun.objects.get(run=run, step_id="w1")
    assert first.state == "running"
    assert first.child_run.owner == newcomer
    assert first.child_run.parameters == {"name": "Campaign A / workflow 1"}
    assert StepRun.objects.filter(run=run, state="pending").count() == 3
    ensemble = Campaign.objects.get(name="Ensemble")
    run = run_launch(campaign=ensemble, user=newcomer)
    children = Run.objects.filter(parent=run).order_by("parent_item")
    assert children.count() == 20
    assert children.first().parameters == {"name": "member 01"}
    assert children.first().campaign.name == "Seed campaign"
