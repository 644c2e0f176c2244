"""Brute-force throttling of every login path: failed logins per client address and per username.

Only failures count (Django's ``user_login_failed``, sent by every ``authenticate``: the API's token and
session logins and the admin's login form), so a person who types their password right is never slowed
down.  Counts live in the default cache (Redis), which every web process shares.  Past the rate a login path
answers 429 with ``Retry-After``, before the password is even hashed.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from rest_framework.throttling import SimpleRateThrottle


class _LoginFailureThrottle(SimpleRateThrottle):
    """A DRF throttle that checks the failures recorded for its key, and records only when told to."""

    rate_setting = ""

    def get_rate(self):
        return getattr(settings, self.rate_setting)

    def key_of(self, request, username: str | None) -> str | None:
        raise NotImplementedError

    def get_cache_key(self, request, view):
        return self.key_of(request, login_username(request))

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        return self.wait_for(request, login_username(request)) is None

    def wait_for(self, request, username: str | None) -> float | None:
        """Seconds until this client may try again, or None when it may now."""
        self.key = self.key_of(request, username)
        if self.key is None:
            return None
        self.now = self.timer()
        self.history = [at for at in self.cache.get(self.key, []) if at > self.now - self.duration]
        if len(self.history) < self.num_requests:
            return None
        return self.wait()

    def record(self, request, username: str | None) -> None:
        key = self.key_of(request, username)
        if key is None:
            return
        now = self.timer()
        history = [at for at in self.cache.get(key, []) if at > now - self.duration]
        self.cache.set(key, [now, *history][: self.num_requests], self.duration)


class LoginAddressThrottle(_LoginFailureThrottle):
    scope = "login-address"
    rate_setting = "STUDIO_LOGIN_FAILURES_PER_ADDRESS"

    def key_of(self, request, username):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(_LoginFailureThrottle):
    scope = "login-username"
    rate_setting = "STUDIO_LOGIN_FAILURES_PER_USERNAME"

    def key_of(self, request, username):
        if not username:
            return None
        # Hashed: a username is any text a client sends, a cache key should be short and plain.
        digest = hashlib.sha256(username.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}


LOGIN_THROTTLES = (LoginAddressThrottle, LoginUsernameThrottle)


def login_username(request) -> str | None:
    """The username a login request names (JSON body or form), if it names one."""
    data = getattr(request, "data", None)
    if data is None:
        data = request.POST
    username = data.get("username") if hasattr(data, "get") else None
    return username if isinstance(username, str) else None


def login_wait(request, username: str | None) -> float | None:
    """The longest wait any login throttle imposes on this request, or None."""
    waits = [
        wait for wait in (throttle().wait_for(request, username) for throttle in LOGIN_THROTTLES) if wait is not None
    ]
    return max(waits) if waits else None


@receiver(user_login_failed, dispatch_uid="studio-login-failure-throttle")
def login_failure_record(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    username = credentials.get("username")
    for throttle in LOGIN_THROTTLES:
        throttle().record(request, username if isinstance(username, str) else None)
