"""The dashboard socket's array form: one frame per broadcast, the events in order, each once."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from asyncflow_site.asgi import application
from campaigns_app.models import RunEvent
from campaigns_app.services import batch_launch

from .helpers import ORIGIN, token_for

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def launch_three(campaign, user):
    _, runs = batch_launch(campaign=campaign, user=user, instances=[{"parameters": {"name": n}} for n in "ABC"])
    return [r.pk for r in runs]


@sync_to_async
def stored(run_ids):
    return [(e.run_id, e.seq) for e in RunEvent.objects.filter(run_id__in=run_ids).order_by("run_id", "seq")]


async def test_with_batch_one_frame_carries_a_launchs_events_in_seq_order(alice, seed_campaign):
    token = await token_for(alice)
    socket = WebsocketCommunicator(application, f"/ws/dashboard/?batch=1&token={token}", headers=ORIGIN)
    assert (await socket.connect(timeout=5))[0]
    run_ids = await launch_three(seed_campaign, alice)
    frame = await socket.receive_json_from(timeout=5)
    assert isinstance(frame, list)
    # The launch committed once, so its events share one frame, each run's in seq order.
    assert sorted((e["run"], e["seq"]) for e in frame) == await stored(run_ids)
    for run_id in run_ids:
        assert [e["seq"] for e in frame if e["run"] == run_id] == [1, 2]
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_without_batch_every_event_is_a_frame_of_its_own(alice, seed_campaign):
    token = await token_for(alice)
    socket = WebsocketCommunicator(application, f"/ws/dashboard/?token={token}", headers=ORIGIN)
    assert (await socket.connect(timeout=5))[0]
    run_ids = await launch_three(seed_campaign, alice)
    frames = [await socket.receive_json_from(timeout=5) for _ in range(6)]
    assert all(isinstance(f, dict) for f in frames)
    assert sorted((f["run"], f["seq"]) for f in frames) == await stored(run_ids)
    await socket.disconnect()
