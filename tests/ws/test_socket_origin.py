"""A script's token handshake needs no Origin header; a cookie session and any foreign Origin still do."""

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.testing import WebsocketCommunicator

from asyncflow_site.asgi import application
from campaigns_app.services import api_token_create
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def token_for(username):
    return api_token_create(user=make_user(username), name="script")[1]


async def handshake(path, headers=()):
    communicator = WebsocketCommunicator(application, path, headers=list(headers))
    connected, _ = await communicator.connect(timeout=5)
    await communicator.disconnect()
    return connected


async def test_a_script_with_a_token_and_no_origin_is_let_in():
    token = await token_for("scripter")
    assert await handshake(f"/ws/dashboard/?token={token}")


async def test_a_foreign_origin_is_refused_even_with_a_token():
    token = await token_for("scripter")
    assert not await handshake(f"/ws/dashboard/?token={token}", [(b"origin", b"http://evil.example")])
    assert await handshake(f"/ws/dashboard/?token={token}", [(b"origin", b"http://localhost")])


async def test_without_a_token_a_handshake_without_origin_is_still_refused():
    await token_for("scripter")
    assert not await handshake("/ws/dashboard/")


async def test_a_wrong_token_without_origin_gets_no_socket():
    assert not await handshake("/ws/dashboard/?token=not-a-token")
