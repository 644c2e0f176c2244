"""Websocket auth: the session cookie, or ``?token=KEY`` (a personal API token or the login token) for scripts."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def _user_for_token(key: str):
    from .services.tokens import api_token_user

    return api_token_user(key) or AnonymousUser()


class _TokenAuthMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode())
        if "token" in query:
            scope = dict(scope, user=await _user_for_token(query["token"][0]))
        return await self.inner(scope, receive, send)


def TokenOrSessionAuthMiddleware(inner):  # noqa: N802 - reads like the middleware classes it wraps
    # The session middleware sets scope["user"] lazily; the token one runs
    # inside it so an explicit token wins over the cookie.
    return AuthMiddlewareStack(_TokenAuthMiddleware(inner))


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
