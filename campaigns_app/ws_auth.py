"""Websocket auth: the session cookie, or ``?token=KEY`` (a personal API token or the login token) for scripts."""

from __future__ import annotations

import asyncio
import weakref
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def _user_for_token(key: str):
    from .services.tokens import api_token_user

    return api_token_user(key) or AnonymousUser()


class _TokenOrSession:
    def __init__(self, inner):
        self.inner = inner
        self.session_stack = AuthMiddlewareStack(inner)

    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode())
        if "token" in query:
            # The token decides alone: the session is not looked up (one database hop fewer per handshake).
            scope = dict(scope, user=await _user_for_token(query["token"][0]))
            return await self.inner(scope, receive, send)
        return await self.session_stack(scope, receive, send)


def TokenOrSessionAuthMiddleware(inner):
    # An explicit token wins over the cookie: an invalid one makes the user anonymous.
    return _TokenOrSession(inner)


def _has_token(scope) -> bool:
    return "token" in parse_qs(scope.get("query_string", b"").decode())


def _has_origin(scope) -> bool:
    return any(name == b"origin" for name, _ in scope.get("headers", ()))


class OriginValidatorUnlessToken:
    """The Origin check guards cookie sessions; a script's token handshake sends no Origin and needs none.

    A handshake with ``?token=`` is authenticated by the token alone (it wins over any cookie, an
    invalid one makes the user anonymous), so a page on another site gains nothing by omitting Origin.
    A foreign Origin is refused whether or not a token comes with it.
    """

    def __init__(self, inner):
        self.inner = inner
        self.checked = AllowedHostsOriginValidator(inner)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and _has_token(scope) and not _has_origin(scope):
            return await self.inner(scope, receive, send)
        return await self.checked(scope, receive, send)


class HandshakeAdmission:
    """At most ``limit`` websocket handshakes authenticate and join their groups at once; the rest wait in order.

    Every handshake takes two database hops (the token, the user's teams) on the one thread Channels gives
    the database, and a few channel-layer subscriptions.  With thousands arriving together those queues
    interleave them all, so each finishes only when nearly all have, and every one outlived daphne's
    handshake allowance (issue 10: 0 of 5,000 connected).  Admitted in arrival order, the first ones are
    done in milliseconds and the burst drains at the rate the server can go.  A socket leaves the
    admission when it is accepted or closed, or when its application ends.
    """

    def __init__(self, inner, limit: int):
        self.inner = inner
        self.limit = limit
        # One semaphore per event loop (tests run several loops in one process).
        self._slots: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.limit)
        await slots.acquire()
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                slots.release()

        async def send_and_release(message):
            if message["type"] in ("websocket.accept", "websocket.close"):
                release()
            return await send(message)

        try:
            return await self.inner(scope, receive, send_and_release)
        finally:
            release()
