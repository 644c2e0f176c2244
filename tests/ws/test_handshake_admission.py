"""Issue 10: a burst of websocket handshakes is admitted a few at a time, in order, and every one gets in."""

import asyncio
import subprocess
import sys

import pytest
from channels.testing import WebsocketCommunicator

from asyncflow_site.asgi import application
from campaigns_app.ws_auth import HandshakeAdmission
from tests.conftest import make_user

from .helpers import token_for

pytestmark = pytest.mark.django_db(transaction=True)

WEBSOCKET_APP = application.application_mapping["websocket"].inner


class CountsHandshakesInside:
    """The real websocket application, counting the handshakes inside it that are not yet answered."""

    def __init__(self, inner):
        self.inner, self.inside, self.most_inside = inner, 0, 0

    async def __call__(self, scope, receive, send):
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        answered = False

        async def counted_send(message):
            nonlocal answered
            if not answered and message["type"] in ("websocket.accept", "websocket.close"):
                answered = True
                self.inside -= 1
            await send(message)

        try:
            return await self.inner(scope, receive, counted_send)
        finally:
            if not answered:
                self.inside -= 1


async def open_socket(app, path):
    communicator = WebsocketCommunicator(app, path)
    connected, _ = await communicator.connect(timeout=20)
    return communicator, connected


async def test_a_burst_of_handshakes_is_let_in_two_at_a_time_and_every_one_connects():
    user = await asyncio.to_thread(make_user, "burst")
    token = await token_for(user)
    counted = CountsHandshakesInside(WEBSOCKET_APP)
    app = HandshakeAdmission(counted, limit=2)
    opened = await asyncio.gather(*(open_socket(app, f"/ws/dashboard/?token={token}") for _ in range(12)))
    assert [connected for _, connected in opened] == [True] * 12
    assert counted.most_inside == 2
    for communicator, _ in opened:
        await communicator.disconnect()


async def test_a_refused_handshake_gives_its_turn_to_the_next():
    user = await asyncio.to_thread(make_user, "next")
    token = await token_for(user)
    app = HandshakeAdmission(WEBSOCKET_APP, limit=1)
    refused, ok = await asyncio.gather(
        open_socket(app, "/ws/dashboard/?token=not-a-token"), open_socket(app, f"/ws/dashboard/?token={token}")
    )
    assert (refused[1], ok[1]) == (False, True)
    await ok[0].disconnect()


def test_the_web_server_lifts_its_open_files_limit_to_the_hard_one():
    # In a child process: the limit is the process's own, and a lowered one must come back up.
    code = (
        "import resource, django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'asyncflow_site.settings'); django.setup();"
        "from campaigns_app.events import raise_open_files_limit;"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE);"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard));"
        "print(raise_open_files_limit(), resource.getrlimit(resource.RLIMIT_NOFILE)[0] == min(hard, 1 << 20))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "(256," and out[-1] == "True"
