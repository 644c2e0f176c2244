"""API tokens: personal (named) and login ones, hashed at rest, shown once, revocable.

Only a token's SHA-256 is stored, so the database holds nothing a reader
could present as a credential.  ``POST /api/auth/token/`` hands out a new
login token each time; a user keeps the newest ``STUDIO_LOGIN_TOKENS_KEPT``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import ApiToken, TokenKind
from .audit import Action, audit_record
from .errors import ServiceError

TOKEN_PREFIX = "afs_"
MAX_TOKENS_PER_USER = 50
# last_used_at is a hint, not an audit trail: write it at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def is_api_token(key: str) -> bool:
    return key.startswith(TOKEN_PREFIX)


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns it with the key, which is never stored nor shown again."""
    name = (name or "").strip()
    if not name:
        raise ServiceError({"name": ["give the token a name, e.g. the script that will use it"]})
    if len(name) > 100:
        raise ServiceError({"name": ["at most 100 characters"]})
    if ApiToken.objects.filter(user=user, kind=TokenKind.PERSONAL).count() >= MAX_TOKENS_PER_USER:
        raise ServiceError({"name": [f"at most {MAX_TOKENS_PER_USER} tokens per user; revoke unused ones"]})
    key = _new_key()
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:12], key_hash=token_hash(key))
    audit_record(actor=user, action=Action.TOKEN_CREATE, target=token, target_repr=f"{name} ({token.prefix}…)")
    return token, key


def _new_key() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


LOGIN_TOKEN_NAME = "login token"


@transaction.atomic
def login_token_create(*, user) -> str:
    """A new login token's key (for ``POST /api/auth/token/``); the user's oldest ones past the limit go."""
    key = _new_key()
    ApiToken.objects.create(
        user=user, name=LOGIN_TOKEN_NAME, kind=TokenKind.LOGIN, prefix=key[:12], key_hash=token_hash(key)
    )
    kept = ApiToken.objects.filter(user=user, kind=TokenKind.LOGIN).order_by("-created_at", "-id")
    stale = list(kept.values_list("pk", flat=True)[settings.STUDIO_LOGIN_TOKENS_KEPT :])
    if stale:
        ApiToken.objects.filter(pk__in=stale).delete()
    return key


@transaction.atomic
def api_token_revoke(*, user, token: ApiToken) -> None:
    """Delete the token; requests carrying it are refused from now on."""
    audit_record(actor=user, action=Action.TOKEN_REVOKE, target=token, target_repr=f"{token.name} ({token.prefix}…)")
    token.delete()


def api_token_user(key: str):
    """The active user a token key belongs to, or None; notes when the token was last used."""
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
