"""Both websockets follow the same visibility rule as the REST API, cell by cell.

Database work goes through ``database_sync_to_async`` so no thread keeps a connection open past a test.
"""

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.testing import WebsocketCommunicator

from asyncflow_site.asgi import application
from campaigns_app.events import broadcasts_flush
from campaigns_app.models import Campaign
from campaigns_app.services import api_token_create, api_token_revoke, campaign_update, member_remove, run_launch
from tests.api.test_permission_matrix import ACTORS, EXPECTED, VISIBILITIES, build_world

from .helpers import ORIGIN

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def world_for(visibility, actor):
    world = build_world(visibility, actor)
    world["token"] = api_token_create(user=world["user"], name="socket test")[1]
    # The world's own launches are broadcast from another thread: let them go before sockets listen.
    broadcasts_flush()
    return world


@sync_to_async
def launch(campaign, user):
    return run_launch(campaign=campaign, user=user, parameters={})


async def connect(path):
    communicator = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("visibility", VISIBILITIES)
async def test_run_socket_handshake_follows_visibility(visibility, actor):
    world = await world_for(visibility, actor)
    ws, connected = await connect(f"/ws/runs/{world['run'].pk}/?after=0&token={world['token']}")
    assert connected == ("V" in EXPECTED[visibility][actor])
    if connected:
        assert (await ws.receive_json_from(timeout=5))["seq"] == 1
        await ws.disconnect()


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("visibility", VISIBILITIES)
async def test_dashboard_streams_only_runs_the_user_may_see(visibility, actor):
    world = await world_for(visibility, actor)
    ws, connected = await connect(f"/ws/dashboard/?token={world['token']}")
    assert connected
    owner = await sync_to_async(lambda: world["campaign"].owner)()
    run = await launch(world["campaign"], owner)
    if "V" in EXPECTED[visibility][actor]:
        got = [await ws.receive_json_from(timeout=5) for _ in range(2)]
        assert {(e["run"], e["seq"]) for e in got} == {(run.pk, 1), (run.pk, 2)}
    # Each event once, even for a user in several of the run's groups (owner and team).
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_a_run_socket_closes_when_the_campaign_stops_being_shared():
    world = await world_for("team", "viewer")
    ws, connected = await connect(f"/ws/runs/{world['run'].pk}/?after=2&token={world['token']}")
    assert connected
    alice = await sync_to_async(lambda: world["campaign"].owner)()
    await sync_to_async(campaign_update)(campaign=world["campaign"], user=alice, visibility="private")
    output = await ws.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": 4403}
    await ws.disconnect()


async def test_a_dashboard_stops_streaming_a_team_after_its_user_leaves_it():
    world = await world_for("team", "viewer")
    ws, connected = await connect(f"/ws/dashboard/?token={world['token']}")
    assert connected
    bob = world["user"]

    @sync_to_async
    def leave():
        membership = bob.memberships.get()
        member_remove(membership=membership, user=bob)

    await leave()
    # Events already on their way to the team group are dropped too.
    alice = await sync_to_async(lambda: world["campaign"].owner)()
    await launch(world["campaign"], alice)
    assert await ws.receive_nothing(timeout=0.5)
    await ws.disconnect()


async def test_a_revoked_token_no_longer_opens_sockets():
    world = await world_for("public", "outsider")

    @sync_to_async
    def revoke():
        token = world["user"].api_tokens.get()
        api_token_revoke(user=world["user"], token=token)

    await revoke()
    _, connected = await connect(f"/ws/dashboard/?token={world['token']}")
    assert not connected
    assert await sync_to_async(Campaign.objects.count)() == 1
