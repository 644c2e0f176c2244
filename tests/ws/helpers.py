"""What the socket tests share: a same-site Origin header and a login token fetched off the event loop."""

from asgiref.sync import sync_to_async

from tests.conftest import login_token_for

# The browser's handshake: AllowedHostsOriginValidator refuses a cookie session from any other origin.
ORIGIN = [(b"origin", b"http://localhost")]


@sync_to_async
def token_for(user):
    return login_token_for(user)
