"""An AsyncFlow script with one attach line shows up live as ordinary runs."""

from __future__ import annotations

import subprocess
import sys
import time
from itertools import pairwise

import pytest

from campaigns_app.models import Campaign, Run, RunEvent, StepRun
from tests.conftest import login_token_for
from tests.integration.helpers import assert_gap_free
from tests.live import REPO, child_env

pytestmark = [pytest.mark.django_db(transaction=True)]

SCRIPT = REPO / "tests" / "client" / "seed_script.py"


def test_the_seed_script_streams_three_runs_of_four_chained_steps_while_it_runs(alice, studio_url):
    token = login_token_for(alice)
    script = subprocess.Popen(
        [sys.executable, str(SCRIPT)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=child_env(STUDIO_URL=studio_url, STUDIO_TOKEN=token, STEP_SECONDS="0.6", PYTHONPATH=str(REPO)),
    )
    seen_live = False
    deadline = time.monotonic() + 90
    while script.poll() is None and time.monotonic() < deadline:
        if StepRun.objects.filter(run__source="external", state="succeeded").exists() and script.poll() is None:
            seen_live = True
        time.sleep(0.05)
    output, _ = script.communicate(timeout=30)
    assert script.returncode == 0, output
    assert "Total time running asynchronously" in output
    assert seen_live, "no step had succeeded in the studio while the script was still running"

    [campaign] = Campaign.objects.filter(source="external")
    runs = list(Run.objects.filter(campaign=campaign).order_by("pk"))
    assert len(runs) == 3
    assert sorted(r.parameters["args"][0] for r in runs) == ["Campaign A", "Campaign B", "Campaign C"]
    for run in runs:
        assert run.state == "succeeded", (run.pk, run.state)
        steps = list(StepRun.objects.filter(run=run).order_by("order"))
        assert [s.state for s in steps] == ["succeeded"] * 4
        graph = run.version.graph
        assert len(graph["steps"]) == 4
        order = [s["id"] for s in graph["steps"]]
        # Each step was awaited after the previous one: a chain, marked as inferred.
        assert [(e["source"], e["target"], e.get("inferred")) for e in graph["edges"]] == [
            (order[0], order[1], True),
            (order[1], order[2], True),
            (order[2], order[3], True),
        ]
        # The timeline: each step starts after its predecessor ended and runs for the step's sleep.
        by_id = {s.step_id: s for s in steps}
        for before, after in pairwise(order):
            assert by_id[after].started_at >= by_id[before].finished_at
        for step in steps:
            assert (step.finished_at - step.started_at).total_seconds() >= 0.5
            assert isinstance(step.result, float)  # workflow_step returns its start time
        starts = RunEvent.objects.filter(run=run, type="step.state", state="running")
        assert starts.count() == 4 and all(e.data.get("inferred") for e in starts)
        assert_gap_free(run.pk)


def test_reports_for_someone_elses_run_are_refused(alice, bob, alice_api, bob_api):
    created = alice_api.post("/api/external-runs/", {"key": "session/block.000001", "title": "mine"}, format="json")
    assert created.status_code == 201
    run_id = created.json()["id"]
    assert bob_api.post(f"/api/external-runs/{run_id}/events/", {"events": []}, format="json").status_code == 404
    bad = alice_api.post(
        f"/api/external-runs/{run_id}/events/", {"events": [{"type": "exploded", "task": "t"}]}, format="json"
    )
    assert bad.status_code == 400 and "0" in bad.json()["events"]
    relaunch = alice_api.post(f"/api/campaigns/{created.json()['campaign']}/runs/", {}, format="json")
    assert relaunch.status_code == 400 and "attached AsyncFlow script" in str(relaunch.json())
