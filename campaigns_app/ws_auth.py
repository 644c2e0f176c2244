"""Websocket auth: the session cookie, or ``?token=KEY`` (a personal API token or the login token) for scripts."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
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


def TokenOrSessionAuthMiddleware(inner):
    # The session middleware sets scope["user"] lazily; the token one runs
    # inside it so an explicit token wins over the cookie.
    return AuthMiddlewareStack(_TokenAuthMiddleware(inner))
