"""Redis and daphne restarted mid-run: nothing is stuck and no client misses an event."""

import asyncio
import json
import re
import time
import urllib.request

import pytest
import websockets

from campaigns_app.models import Campaign, RunEvent, StepRun
from campaigns_app.services import campaign_create
from scripts.stack import start_embedded_redis, terminate
from tests.conftest import login_token_for, seed_definition
from tests.integration.helpers import assert_gap_free, wait_for_runs
from tests.live import child_env, start_daphne, start_worker

from .conftest import SOAK, kill_hard, ledger_figures, scaled

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def post_json(url: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def ten_seed_runs_launched(base: str, token: str, *, owner, step_seconds: float) -> tuple[Campaign, list[int]]:
    """A seed campaign of ``owner`` and a batch of ten of its runs launched through the API, and their ids."""
    campaign = campaign_create(owner=owner, **seed_definition(step_seconds=step_seconds))
    answer = post_json(
        f"{base}/api/campaigns/{campaign.pk}/runs/",
        token,
        {"instances": [{"parameters": {"name": f"Campaign {i}"}} for i in range(10)]},
    )
    return campaign, [r["id"] for r in answer["runs"]]


def stack_on_own_redis(tmp_path, processes, *, concurrency: int, worker_env=None, daphne_env=None):
    """An embedded Redis, a worker and daphne on it, all stopped after the test: (redis, port, worker, log, base)."""
    redis_proc, redis_url = start_embedded_redis()
    processes.append(redis_proc)
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    worker, worker_log = start_worker(
        tmp_path, concurrency=concurrency, env={"REDIS_URL": redis_url, **(worker_env or {})}
    )
    daphne, base = start_daphne(tmp_path, env=child_env(REDIS_URL=redis_url, **(daphne_env or {})))
    processes.extend([worker, daphne])
    return redis_proc, port, worker, worker_log, base


def test_runs_finish_when_redis_restarts_mid_run(alice, processes, tmp_path):
    """Redis without persistence loses every queued message; workers and web reconnect and the sweep resends."""
    redis_proc, port, _, _, base = stack_on_own_redis(tmp_path, processes, concurrency=8)
    token = login_token_for(alice)
    campaign, run_ids = ten_seed_runs_launched(base, token, owner=alice, step_seconds=0.4)

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


def test_a_worker_holding_one_message_survives_a_redis_restart(alice, processes, tmp_path):
    """A worker still taking messages (it holds fewer than it may) when Redis dies reconnects; it used to exit.

    kombu put the held message back through a pool it rebuilt from a
    connection already gone: an AttributeError that Celery calls
    unrecoverable, so the worker stopped and nothing ran until a restart.
    """
    redis_proc, port, worker, worker_log, base = stack_on_own_redis(tmp_path, processes, concurrency=8)
    token = login_token_for(alice)
    campaign = campaign_create(owner=alice, **seed_definition(step_seconds=0.5))
    run = post_json(f"{base}/api/campaigns/{campaign.pk}/runs/", token, {"parameters": {"name": "held"}})

    time.sleep(0.8)  # its first step is running: the worker holds its one message and waits for more
    kill_hard(redis_proc)
    time.sleep(1.5)
    restarted, _ = start_embedded_redis(port=port)
    processes.append(restarted)

    assert [r.state for r in wait_for_runs([run["id"]], timeout=60)] == ["succeeded"]
    assert worker.poll() is None, "the worker exited when Redis went away"
    assert "Unrecoverable error" not in worker_log.read_text()
    again = post_json(f"{base}/api/campaigns/{campaign.pk}/runs/", token, {"parameters": {"name": "after"}})
    assert [r.state for r in wait_for_runs([again["id"]], timeout=30)] == ["succeeded"]


# The soak loses ten times as many queued messages with Redis (shorter steps keep it about as long).
RESENT_RUNS, RESENT_STEP_S = scaled(10, 100), 0.2 if SOAK else 1.0


def test_messages_lost_with_redis_are_resent_as_soon_as_the_worker_reconnects(alice, processes, tmp_path, figures):
    """Issue 10: nothing moved for ~33 s after Redis came back empty, until the resend sweep."""
    # The sweep would wait ten minutes: only the reconnect can bring the lost messages back in time.
    # Batch messages of two steps: the worker can hold only two of them, so most wait in Redis.
    redis_proc, port, _, worker_log, base = stack_on_own_redis(
        tmp_path,
        processes,
        concurrency=2,
        worker_env={"STUDIO_REDISPATCH_AFTER_S": "600"},
        daphne_env={"STUDIO_DISPATCH_BATCH": "2"},
    )
    token = login_token_for(alice)
    graph = {
        "steps": [{"id": "only", "kind": "function", "function": "sleep", "kwargs": {"seconds": RESENT_STEP_S}}],
        "edges": [],
    }
    campaign = campaign_create(owner=alice, name="wide", graph=graph)
    answer = post_json(
        f"{base}/api/campaigns/{campaign.pk}/runs/", token, {"instances": [{"parameters": {}}] * RESENT_RUNS}
    )
    run_ids = [r["id"] for r in answer["runs"]]

    # Two steps run and two wait in the worker (two threads, prefetch 1); the other messages wait in Redis.
    time.sleep(0.3)
    kill_hard(redis_proc)
    waiting = StepRun.objects.filter(run_id__in=run_ids, state="queued").count()
    assert waiting >= 5, "the kill must catch messages still in Redis"
    restarted, _ = start_embedded_redis(port=port)
    processes.append(restarted)

    runs = wait_for_runs(run_ids, timeout=scaled(60, 240))
    assert [r.state for r in runs] == ["succeeded"] * len(run_ids)
    for run_id in run_ids:
        assert RunEvent.objects.filter(run_id=run_id, step_id="only", state="succeeded").count() == 1
        assert_gap_free(run_id)
    resent = re.search(r"broker came back empty: resent the messages of (\d+)", worker_log.read_text())
    assert resent, "the worker must have resent on reconnecting"
    ledger = ledger_figures(run_ids)
    assert ledger["lost"] == ledger["doubled"] == 0
    figures(suite="Redis restarted empty", faults=1, queued_at_kill=waiting, resent=int(resent.group(1)), **ledger)


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
    alice, processes, clean_broker, tmp_path
):
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


CLIENTS = scaled(50, 200)


async def _follow(
    ws_base: str, origin: str, run_id: int, token: str, failed_connects: list[int], client: int
) -> list[dict]:
    """A client that watches one run to its end, reconnecting with ?after=<last seq> whenever the socket drops."""
    events: list[dict] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        after = events[-1]["seq"] if events else 0
        try:
            async with websockets.connect(
                f"{ws_base}/ws/runs/{run_id}/?after={after}&token={token}", origin=origin, open_timeout=10
            ) as socket:
                while True:
                    event = json.loads(await asyncio.wait_for(socket.recv(), timeout=30))
                    events.append(event)
                    if event["type"] == "run.state" and event["state"] == "succeeded":
                        return events
        except (TimeoutError, OSError, websockets.ConnectionClosed, websockets.InvalidHandshake):
            failed_connects.append(client)
            await asyncio.sleep(0.2)
    raise AssertionError(f"run {run_id}: no end after {len(events)} events")


def test_fifty_socket_clients_get_every_event_once_in_order_across_a_daphne_restart(
    alice, processes, clean_broker, tmp_path, figures
):
    worker, _ = start_worker(tmp_path, concurrency=8)
    daphne, base = start_daphne(tmp_path)
    processes.extend([worker, daphne])
    port = int(base.rsplit(":", 1)[1])
    token = login_token_for(alice)
    _, run_ids = ten_seed_runs_launched(base, token, owner=alice, step_seconds=1.0)
    ws_base = base.replace("http://", "ws://")
    failed_connects: list[int] = []

    async def scenario() -> list[list[dict]]:
        clients = [
            asyncio.create_task(_follow(ws_base, base, run_ids[i % len(run_ids)], token, failed_connects, i))
            for i in range(CLIENTS)
        ]
        await asyncio.sleep(1.5)
        # Events keep coming while daphne is away; the clients must get them from the database.
        await asyncio.to_thread(terminate, [daphne], 5)
        await asyncio.sleep(1.0)
        processes.append((await asyncio.to_thread(start_daphne, tmp_path, port=port))[0])
        return await asyncio.gather(*clients)

    received = asyncio.run(scenario())

    assert set(failed_connects) == set(range(CLIENTS)), "every client must have lost its socket to the restart"
    for index, events in enumerate(received):
        run_id = run_ids[index % len(run_ids)]
        stored = list(RunEvent.objects.filter(run_id=run_id).order_by("seq").values_list("seq", flat=True))
        assert [e["seq"] for e in events] == stored == list(range(1, len(stored) + 1))
    ledger = ledger_figures(run_ids)
    assert ledger["lost"] == ledger["doubled"] == 0
    figures(
        suite="daphne restart",
        faults=1,
        clients=CLIENTS,
        failed_connects=len(failed_connects),
        events_delivered=sum(len(e) for e in received),
        **ledger,
    )
