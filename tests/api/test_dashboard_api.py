"""The dashboard feed and the owner filter of the runs list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns_app.models import Run, RunState, StepRun
from campaigns_app.services import batch_launch, campaign_create, run_launch

from ..conftest import client_for, make_user, seed_definition

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_runs(seed_campaign):
    """Bob's runs of a campaign of his that everyone may see."""
    bob = make_user("bob")
    public = campaign_create(owner=bob, visibility="public", **seed_definition(step_seconds=0.05, name="Bob's"))
    return [run_launch(campaign=public, user=bob, parameters={"name": f"B{i}"}) for i in range(2)]


def test_the_feed_lists_runs_with_compact_steps(alice_api, alice, seed_campaign):
    batch, runs = batch_launch(
        campaign=seed_campaign, user=alice, instances=[{"parameters": {"name": n}} for n in "ABC"]
    )
    body = alice_api.get("/api/dashboard/").json()
    assert [r["id"] for r in body["runs"]] == sorted((r.pk for r in runs), reverse=True)
    first = body["runs"][-1]
    assert first["batch"] == batch.pk and first["campaign_name"] == "Seed campaign" and first["owner"] == "alice"
    assert first["parameters"] == {"name": "A"}
    assert [s[:3] for s in first["steps"]] == [
        ["s1", "Step 1", "queued"],
        ["s2", "Step 2", "pending"],
        ["s3", "Step 3", "pending"],
        ["s4", "Step 4", "pending"],
    ]
    queued_ms = first["steps"][0][4]
    assert abs(queued_ms - body["now"]) < 60_000 and first["steps"][1][4] is None
    assert body["counts"] == {"queued": 3} and body["truncated"] is False


def test_old_finished_runs_leave_the_feed_but_unfinished_ones_stay(alice_api, alice, seed_campaign):
    old_done = run_launch(campaign=seed_campaign, user=alice)
    old_running = run_launch(campaign=seed_campaign, user=alice)
    long_ago = timezone.now() - timedelta(hours=3)
    Run.objects.filter(pk=old_done.pk).update(state=RunState.SUCCEEDED, created_at=long_ago, finished_at=long_ago)
    Run.objects.filter(pk=old_running.pk).update(state=RunState.RUNNING, created_at=long_ago)
    ids = [r["id"] for r in alice_api.get("/api/dashboard/?minutes=60").json()["runs"]]
    assert ids == [old_running.pk]
    ids = [r["id"] for r in alice_api.get("/api/dashboard/?minutes=600").json()["runs"]]
    assert sorted(ids) == sorted([old_running.pk, old_done.pk])


def test_the_feed_filters_by_campaign_state_owner_and_ids(alice_api, alice, seed_campaign, bob_runs):
    mine = run_launch(campaign=seed_campaign, user=alice)
    Run.objects.filter(pk=mine.pk).update(state=RunState.RUNNING)
    assert [r["id"] for r in alice_api.get("/api/dashboard/?owner=alice").json()["runs"]] == [mine.pk]
    body = alice_api.get("/api/dashboard/?state=running").json()
    assert [r["id"] for r in body["runs"]] == [mine.pk]
    # Counts ignore the state filter, so the chips still show what else there is.
    assert body["counts"] == {"running": 1, "queued": 2}
    assert alice_api.get(f"/api/dashboard/?campaign={seed_campaign.pk + 100}").json()["runs"] == []
    assert len(alice_api.get(f"/api/dashboard/?campaign={bob_runs[0].campaign_id}").json()["runs"]) == 2
    only = alice_api.get(f"/api/dashboard/?ids={bob_runs[0].pk}").json()["runs"]
    assert [r["id"] for r in only] == [bob_runs[0].pk]


def test_the_feed_is_truncated_at_the_limit(alice_api, bob_runs):
    body = alice_api.get("/api/dashboard/?limit=1").json()
    assert len(body["runs"]) == 1 and body["truncated"] is True


@pytest.mark.parametrize("query", ["minutes=0", "minutes=x", "state=bogus", "ids=1,a", "limit=0", "campaign=-1"])
def test_bad_feed_queries_name_the_parameter(alice_api, query):
    answer = alice_api.get(f"/api/dashboard/?{query}")
    assert answer.status_code == 400
    assert query.split("=")[0] in answer.json()


def test_the_feed_needs_a_login(client):
    assert client.get("/api/dashboard/").status_code in (401, 403)


def test_the_feed_shows_only_runs_the_user_may_see(alice, seed_campaign, bob_runs):
    mine = run_launch(campaign=seed_campaign, user=alice)
    charlie = make_user("charlie")
    seen = [r["id"] for r in client_for(charlie).get("/api/dashboard/").json()["runs"]]
    assert sorted(seen) == sorted(r.pk for r in bob_runs) and mine.pk not in seen


def test_runs_list_filters_by_owner(alice_api, alice, seed_campaign, bob_runs):
    mine = run_launch(campaign=seed_campaign, user=alice)
    ids = [r["id"] for r in alice_api.get("/api/runs/?owner=bob").json()["results"]]
    assert sorted(ids) == sorted(r.pk for r in bob_runs)
    assert [r["id"] for r in alice_api.get("/api/runs/?owner=alice").json()["results"]] == [mine.pk]
    assert alice_api.get("/api/runs/?owner=nobody").json()["results"] == []


def test_step_times_are_epoch_milliseconds(alice, seed_campaign):
    run = run_launch(campaign=seed_campaign, user=alice)
    started = timezone.now()
    StepRun.objects.filter(run=run, step_id="s1").update(state="running", started_at=started)
    body = client_for(alice).get("/api/dashboard/").json()
    s1 = body["runs"][0]["steps"][0]
    assert s1[2] == "running" and s1[5] == int(started.timestamp() * 1000)
