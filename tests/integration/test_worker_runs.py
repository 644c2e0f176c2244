"""Runs executed by a real Celery worker process over the real Redis."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from asyncflow_site.asgi import application
from asyncflow_site.celery import app as celery_app
from campaigns_app.models import RunEvent, StepRun
from campaigns_app.services import campaign_create, run_launch
from campaigns_app.services.dispatch import STEP_TASK
from tests.conftest import client_for, login_token_for, seed_definition

from .helpers import assert_gap_free, step_times, wait_for_runs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


def fn(step_id, function, **kwargs):
    return {"id": step_id, "name": step_id, "kind": "function", "function": function, "kwargs": kwargs}


def edges(*pairs):
    return [{"source": a, "target": b} for a, b in pairs]


async def test_seed_scenario_three_campaigns_overlap_and_stream_every_event(alice):
    channel_layers.backends.clear()
    token = await sync_to_async(login_token_for)(alice)
    dashboard = WebsocketCommunicator(
        application, f"/ws/dashboard/?token={token}", headers=[(b"origin", b"http://localhost")]
    )
    assert (await dashboard.connect(timeout=5))[0]

    def launch_three():
        api = client_for(alice)
        created = api.post("/api/campaigns/", seed_definition(step_seconds=0.5), format="json").json()
        return [
            api.post(
                f"/api/campaigns/{created['id']}/runs/", {"parameters": {"name": f"Campaign {n}"}}, format="json"
            ).json()["id"]
            for n in "ABC"
        ]

    run_ids = await sync_to_async(launch_three)()
    runs = await sync_to_async(wait_for_runs)(run_ids, 30)
    assert [r.state for r in runs] == ["succeeded"] * 3

    spans = []
    for run_id in run_ids:
        times = await sync_to_async(step_times)(run_id)
        for k in range(1, 4):
            assert times[f"s{k + 1}"]["running"] >= times[f"s{k}"]["succeeded"], (run_id, k)
            elapsed = (times[f"s{k}"]["succeeded"] - times[f"s{k}"]["running"]).total_seconds()
            assert elapsed >= 0.5
        spans.append((times["s1"]["running"], times["s4"]["succeeded"]))
        await sync_to_async(assert_gap_free)(run_id)
    assert max(start for start, _ in spans) < min(end for _, end in spans), "the three runs did not overlap"

    expected = await sync_to_async(lambda: {(e.run_id, e.seq) for e in RunEvent.objects.filter(run_id__in=run_ids)})()
    received = set()
    while not expected <= received:
        event = await dashboard.receive_json_from(timeout=5)
        received.add((event["run"], event["seq"]))
    assert {key for key in received if key[0] in run_ids} == expected
    await dashboard.disconnect()


def test_executable_step_receives_parameters_and_upstream_results(alice, alice_runs_commands):
    campaign = campaign_create(
        owner=alice,
        name="exe",
        parameters=[{"name": "who", "type": "string"}],
        graph={
            "steps": [
                fn("a", "echo", n=41),
                {
                    "id": "b",
                    "kind": "executable",
                    "argv": [
                        "python3",
                        "-c",
                        "import sys, json; print(json.dumps(sys.argv[1:]))",
                        "{{ params.who }}",
                        "{{ steps.a.result }}",
                    ],
                },
            ],
            "edges": edges(("a", "b")),
        },
    )
    run = run_launch(campaign=campaign, user=alice, parameters={"who": "world"})
    [run] = wait_for_runs([run.pk])
    assert run.state == "succeeded"
    assert StepRun.objects.get(run=run, step_id="b").result == ["world", '{"n": 41}']


def test_a_failure_mid_dag_skips_its_descendants_while_the_other_branch_finishes(alice):
    campaign = campaign_create(
        owner=alice,
        name="branches",
        graph={
            "steps": [
                fn("start", "noop"),
                fn("bad", "fail", message="disk on fire"),
                fn("after_bad", "noop"),
                fn("slow", "sleep", seconds=0.3),
                fn("after_slow", "noop"),
            ],
            "edges": edges(("start", "bad"), ("bad", "after_bad"), ("start", "slow"), ("slow", "after_slow")),
        },
    )
    run = run_launch(campaign=campaign, user=alice)
    [run] = wait_for_runs([run.pk])
    states = dict(StepRun.objects.filter(run=run).values_list("step_id", "state"))
    assert run.state == "failed"
    assert states == {
        "start": "succeeded",
        "bad": "failed",
        "after_bad": "skipped",
        "slow": "succeeded",
        "after_slow": "succeeded",
    }
    assert "disk on fire" in StepRun.objects.get(run=run, step_id="bad").error
    times = step_times(run.pk)
    # The run ends only after the independent branch, which outlived the failure.
    assert run.finished_at >= times["after_slow"]["succeeded"] > times["bad"]["failed"]
    assert_gap_free(run.pk)


def test_a_duplicated_step_message_does_not_run_the_step_twice(alice):
    campaign = campaign_create(
        owner=alice,
        name="dup",
        graph={"steps": [fn("once", "sleep", seconds=0.3), fn("next", "noop")], "edges": edges(("once", "next"))},
    )
    run = run_launch(campaign=campaign, user=alice)
    step_run = StepRun.objects.get(run=run, step_id="once")
    for _ in range(3):
        celery_app.send_task(STEP_TASK, args=[step_run.pk], queue="thread")
    [run] = wait_for_runs([run.pk])
    step_run.refresh_from_db()
    assert run.state == "succeeded" and step_run.attempts == 1
    by_state = list(RunEvent.objects.filter(run=run, step_id="once").values_list("state", flat=True))
    assert by_state == ["queued", "running", "succeeded"]
    assert RunEvent.objects.filter(run=run, step_id="next", state="running").count() == 1


def test_many_runs_launched_together_all_finish_with_gap_free_events(alice):
    campaign = campaign_create(
        owner=alice,
        name="fan",
        graph={
            "steps": [fn("a", "noop"), fn("b", "sleep", seconds=0.05), fn("c", "noop"), fn("d", "echo", x=1)],
            "edges": edges(("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")),
        },
    )
    run_ids = [run_launch(campaign=campaign, user=alice).pk for _ in range(20)]
    runs = wait_for_runs(run_ids)
    assert {r.state for r in runs} == {"succeeded"}
    for run_id in run_ids:
        assert_gap_free(run_id)
        assert RunEvent.objects.filter(run_id=run_id, step_id="d", state="succeeded").count() == 1
