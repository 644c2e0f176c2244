"""Websockets through the real ``asgi.application`` and the real Redis channel layer."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from asyncflow_site.asgi import application
from campaigns_app import events
from campaigns_app.models import RunEvent, StepRun
from campaigns_app.services import run_launch, step_run_execute

from .helpers import ORIGIN, token_for

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def launch(campaign, user):
    return run_launch(campaign=campaign, user=user, parameters={"name": "Campaign A"})


@sync_to_async
def execute_queued(run):
    for step_run_id in StepRun.objects.filter(run=run, state="queued").values_list("pk", flat=True):
        step_run_execute(step_run_id=step_run_id)


async def connect(path, headers=ORIGIN):
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected


async def receive_seqs(communicator, count):
    return [(await communicator.receive_json_from(timeout=5))["seq"] for _ in range(count)]


async def test_stored_events_then_live_ones_without_gap_or_duplicate(alice, seed_campaign):
    run = await launch(seed_campaign, alice)
    ws, connected = await connect(f"/ws/runs/{run.pk}/?after=0&token={await token_for(alice)}")
    assert connected
    first = await ws.receive_json_from(timeout=5)
    assert (first["seq"], first["type"], first["state"], first["run"]) == (1, "run.state", "queued", run.pk)
    assert await receive_seqs(ws, 1) == [2]
    await execute_queued(run)  # the whole chain runs: every step's running, succeeded and queued events
    stored = await sync_to_async(lambda: list(RunEvent.objects.filter(run=run).values_list("seq", flat=True)))()
    assert len(stored) == 15
    assert await receive_seqs(ws, len(stored) - 2) == stored[2:]
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_after_skips_what_the_client_already_has(alice, seed_campaign):
    run = await launch(seed_campaign, alice)
    ws, connected = await connect(f"/ws/runs/{run.pk}/?after=1&token={await token_for(alice)}")
    assert connected
    assert await receive_seqs(ws, 1) == [2]
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_a_reconnect_with_after_gets_exactly_what_it_missed_in_order_then_live_ones(alice, seed_campaign):
    run = await launch(seed_campaign, alice)
    token = await token_for(alice)
    ws, _ = await connect(f"/ws/runs/{run.pk}/?after=0&token={token}")
    assert await receive_seqs(ws, 2) == [1, 2]
    await ws.disconnect()
    await execute_queued(run)  # 13 events are stored while no one listens
    ws, connected = await connect(f"/ws/runs/{run.pk}/?after=2&token={token}")
    assert connected
    assert await receive_seqs(ws, 13) == list(range(3, 16))
    assert await ws.receive_nothing(timeout=0.3)
    # Live again: a broadcast that repeats a replayed seq is dropped, the next one comes through.
    stored = await sync_to_async(lambda: [e.as_message() for e in RunEvent.objects.filter(run=run)])()
    await sync_to_async(RunEvent.objects.create)(
        run=run, seq=16, step_id="s8", type="step.state", state="queued", at=stored[-1]["at"], data={}
    )
    sixteen = dict(stored[-1], seq=16, step="s8", state="queued")
    layer = get_channel_layer()
    await layer.group_send(
        events.run_group(run.pk), {"type": events.EVENT_MESSAGE_TYPE, "events": [stored[9], sixteen]}
    )
    assert await receive_seqs(ws, 1) == [16]
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_out_of_order_broadcasts_are_filled_from_the_database_and_duplicates_dropped(alice, seed_campaign):
    run = await launch(seed_campaign, alice)
    ws, _ = await connect(f"/ws/runs/{run.pk}/?token={await token_for(alice)}")
    assert await receive_seqs(ws, 2) == [1, 2]
    await execute_queued(run)
    assert await receive_seqs(ws, 13) == list(range(3, 16))
    stored = await sync_to_async(lambda: [e.as_message() for e in RunEvent.objects.filter(run=run)])()
    layer = get_channel_layer()
    # A late duplicate of seq 4, then a broadcast (17) that overtook seq 16.
    await layer.group_send(events.run_group(run.pk), {"type": events.EVENT_MESSAGE_TYPE, "events": [stored[3]]})
    fake_eight = dict(stored[-1], seq=17, state="running", step="s9")
    await sync_to_async(RunEvent.objects.create)(
        run=run, seq=16, step_id="s8", type="step.state", state="queued", at=stored[-1]["at"], data={}
    )
    await layer.group_send(events.run_group(run.pk), {"type": events.EVENT_MESSAGE_TYPE, "events": [fake_eight]})
    got = [await ws.receive_json_from(timeout=5) for _ in range(2)]
    assert [(e["seq"], e["step"]) for e in got] == [(16, "s8"), (17, "s9")]
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_handshake_refused_without_auth_or_with_a_bad_token(alice, seed_campaign):
    run = await launch(seed_campaign, alice)
    for path in (f"/ws/runs/{run.pk}/", f"/ws/runs/{run.pk}/?token=not-a-token", "/ws/dashboard/"):
        _, connected = await connect(path)
        assert not connected, path


async def test_handshake_refused_for_an_unknown_run_or_bad_after(alice):
    token = await token_for(alice)
    _, connected = await connect(f"/ws/runs/999999/?token={token}")
    assert not connected
    _, connected = await connect(f"/ws/runs/1/?after=x&token={token}")
    assert not connected


async def test_handshake_refused_from_a_foreign_origin(alice, seed_campaign):
    run = await launch(seed_campaign, alice)
    _, connected = await connect(
        f"/ws/runs/{run.pk}/?token={await token_for(alice)}", headers=[(b"origin", b"http://evil.example")]
    )
    assert not connected


async def test_dashboard_streams_events_of_every_public_run(alice, bob, seed_campaign):
    await sync_to_async(type(seed_campaign).objects.filter(pk=seed_campaign.pk).update)(visibility="public")
    seed_campaign.visibility = "public"
    ws, connected = await connect(f"/ws/dashboard/?token={await token_for(bob)}")
    assert connected
    run_a = await launch(seed_campaign, alice)
    run_b = await launch(seed_campaign, bob)
    got = [await ws.receive_json_from(timeout=5) for _ in range(4)]
    assert {(e["run"], e["seq"]) for e in got} == {(run_a.pk, 1), (run_a.pk, 2), (run_b.pk, 1), (run_b.pk, 2)}
    await ws.disconnect()
