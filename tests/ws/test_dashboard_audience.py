"""Whose runs a dashboard socket hears, and that it hears each event once."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from asyncflow_site.asgi import application
from campaigns_app.models import RunEvent
from campaigns_app.services import campaign_create, run_launch
from tests.conftest import make_user, seed_definition, team_with

from .helpers import ORIGIN, token_for

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def superuser(name):
    return make_user(name, is_superuser=True, is_staff=True)


@sync_to_async
def launched(owner, visibility, name, team=None):
    campaign = campaign_create(
        owner=owner, team=team, visibility=visibility, **seed_definition(step_seconds=0.05, name=name)
    )
    return run_launch(campaign=campaign, user=owner).pk


@sync_to_async
def stored(run_ids):
    return sorted((e.run_id, e.seq) for e in RunEvent.objects.filter(run_id__in=run_ids))


async def heard(socket) -> list[tuple[int, int]]:
    """Every (run, seq) the socket forwards until it falls quiet, repeats included."""
    events = []
    while not await socket.receive_nothing(timeout=0.5):
        frame = await socket.receive_json_from(timeout=5)
        events += [(e["run"], e["seq"]) for e in (frame if isinstance(frame, list) else [frame])]
    return sorted(events)


@pytest.mark.parametrize("batch", ["?batch=1&", "?"])
async def test_a_superusers_socket_hears_its_own_private_run_once_and_every_other_users_runs(alice, batch):
    root = await superuser("root")
    token = await token_for(root)
    socket = WebsocketCommunicator(application, f"/ws/dashboard/{batch}token={token}", headers=ORIGIN)
    assert (await socket.connect(timeout=5))[0]
    own = await launched(root, "private", "Root's own")
    others = [await launched(alice, "private", "Alice's"), await launched(alice, "public", "Alice's public")]
    # Each stored event exactly once: the superusers' group carries every run that is not public.
    assert await heard(socket) == await stored([own, *others])
    await socket.disconnect()


async def test_a_teammates_own_run_shared_with_the_team_reaches_their_socket_once(alice, bob):
    lab = await sync_to_async(team_with)("Lab", alice="editor", bob="viewer")
    token = await token_for(alice)
    socket = WebsocketCommunicator(application, f"/ws/dashboard/?batch=1&token={token}", headers=ORIGIN)
    assert (await socket.connect(timeout=5))[0]
    # Alice's run goes to her own group and to the team's, both of which her socket joined.
    shared = await launched(alice, "team", "Shared", team=lab)
    hidden = await launched(bob, "private", "Bob's")
    # Each of her run's events once, and nothing of Bob's private run.
    assert await heard(socket) == await stored([shared])
    assert hidden
    await socket.disconnect()
