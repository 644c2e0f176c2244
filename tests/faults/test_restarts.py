"""Redis and daphne restarted mid-run: nothing is stuck and no client misses an event."""

import asyncio
import json
import time
import urllib.request

import pytest
import websockets

from campaigns_app.models import RunEvent, StepRun
from campaigns_app.services import campaign_create
from scripts.stack import start_embedded_redis, terminate
from tests.conftest import login_token_for, seed_definition
from tests.integration.helpers import assert_gap_free, wait_for_runs
from tests.live import child_env, start_daphne, start_worker

from .conftest import kill_hard

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def post_json(url: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_runs_finish_when_redis_restarts_mid_run(alice, processes, tmp_path):
    """Redis without persistence loses every queued message; workers and web reconnect and the sweep resends."""
    redis_proc, redis_url = start_embedded_redis()
    processes.append(redis_proc)
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    worker, _ = start_worker(tmp_path, concurrency=8, env={"REDIS_URL": redis_url})
    daphne, base = start_daphne(tmp_path, env=child_env(REDIS_URL=redis_url))
    processes.extend([worker, daphne])
    token = login_token_for(alice)
    campaign = campaign_create(owner=alice, **seed_definition(step_seconds=0.4))
    answer = post_json(f"{base}/api/campaigns/{campaign.pk}/runs/", token,
                       {"instances": [{"parameters": {"name": f"Campaign {i}"}} for i in range(10)]})
    run_ids = [r["id"] for r in answer["runs"]]

    time.sleep(0.7)
    kill_hard(redis_proc)
    time.sleep(1.5)
    restarted, _ = start_embedded_redis(port=port)
    processes.append(restarted)

    runs = wait_for_runs(run_ids, timeout=60)
    assert [r.state for r in runs] == ["succeeded"] * len(run_ids)
    assert not StepRun.objects.filter(run_id__in=run_ids).exclude(state="succeeded").exists()
    for run_id in run_ids:
        assert_gap_free(run_id)
    # The web process reconnected too: a launch after the restart runs through.
    again = post_json(f"{base}/api/campaigns/{campaign.pk}/runs/", token, {"parameters": {"name": "after"}})
    assert [r.state for r in wait_for_runs([again["id"]], timeout=30)] == ["succeeded"]


async def _collect(url: str, origin: str, until_seq: int | None, stop_after: int | None) -> list[dict]:
    events = []
    async with websockets.connect(url, origin=origin, open_timeout=10) as socket:
        while True:
            event = json.loads(await asyncio.wait_for(socket.recv(), timeout=20))
            events.append(event)
            if stop_after is not None and len(events) >= stop_after:
                return events
            if event["type"] == "run.state" and event["state"] == "succeeded":
                return events


def test_a_socket_client_reconnecting_after_a_daphne_restart_gets_exactly_what_it_missed(
        alice, processes, clean_broker, tmp_path):
    worker, _ = start_worker(tmp_path, concurrency=8)
    daphne, base = start_daphne(tmp_path)
    processes.extend([worker, daphne])
    token = login_token_for(alice)
    campaign = campaign_create(owner=alice, **seed_definition(step_seconds=0.5))
    run = post_json(f"{base}/api/campaigns/{campaign.pk}/runs/", token, {"parameters": {"name": "ws"}})
    ws_base = base.replace("http://", "ws://")
    first = asyncio.run(_collect(f"{ws_base}/ws/runs/{run['id']}/?after=0&token={token}", base, None, 4))

    terminate([daphne], timeout=5)
    port = int(base.rsplit(":", 1)[1])
    time.sleep(1.0)  # the run goes on meanwhile; these events are only in the database
    daphne, _ = start_daphne(tmp_path, port=port)
    processes.append(daphne)
    last = first[-1]["seq"]
    rest = asyncio.run(_collect(f"{ws_base}/ws/runs/{run['id']}/?after={last}&token={token}", base, None, None))

    seqs = [e["seq"] for e in first + rest]
    stored = list(RunEvent.objects.filter(run_id=run["id"]).values_list("seq", flat=True))
    assert seqs == stored == list(range(1, len(stored) + 1))
