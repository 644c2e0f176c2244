"""The web server under hostile load: requests in parallel, bounded bodies, throttled logins, hardened headers."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rest_framework.test import APIClient

from campaigns_app.models import Campaign
from tests.test_asgi_http import asgi_exchange, call, token_header

ROOT = Path(__file__).resolve().parents[2]
JSON = (b"content-type", b"application/json")


async def exchange(method: str, path: str, *, body: bytes = b"", headers=()) -> tuple[int, bytes]:
    status, _, content = await asgi_exchange(method, path, body=body, headers=headers, client=("198.51.100.4", 5000))
    return status, content


class WriteLock:
    """Another client holding the database's write lock (SQLite) or the campaign table's (PostgreSQL)."""

    def __init__(self):
        from django.db import connections

        self.connection = connections.create_connection("default")

    def __enter__(self):
        self.connection.ensure_connection()
        raw = self.connection.connection
        if self.connection.vendor == "sqlite":
            raw.execute("BEGIN IMMEDIATE")
        else:
            raw.autocommit = False
            raw.execute("LOCK TABLE campaigns_app_campaign IN EXCLUSIVE MODE")
        return self

    def __exit__(self, *exc):
        if self.connection.connection is not None:
            self.connection.connection.rollback()
            self.connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_request_stuck_on_the_database_does_not_delay_another_users_get(alice, bob):
    """One slow request (here: waiting for a lock another client holds) holds one thread, not the server."""
    create = json.dumps(
        {"name": "blocked", "graph": {"steps": [{"id": "a", "kind": "function", "function": "noop"}], "edges": []}}
    ).encode()

    header_alice, header_bob = token_header(alice), token_header(bob)  # tokens made outside the event loop
    # A token's first use notes when it was used (a write); Bob's GET under the lock must be a pure read.
    assert call("GET", "/api/auth/me/", headers=[header_bob])[0] == 200

    async def scenario():
        slow = asyncio.ensure_future(exchange("POST", "/api/campaigns/", body=create, headers=[header_alice, JSON]))
        await asyncio.sleep(0.2)
        status, content = await asyncio.wait_for(exchange("GET", "/api/auth/me/", headers=[header_bob]), 20)
        still_waiting = not slow.done()
        return status, content, still_waiting, slow

    with WriteLock() as lock:
        loop = asyncio.new_event_loop()
        try:
            status, content, still_waiting, slow = loop.run_until_complete(scenario())
            assert status == 200 and json.loads(content)["username"] == "bob"
            assert still_waiting, "the other user's GET waited for the blocked POST"
            lock.__exit__(None, None, None)
            created, _ = loop.run_until_complete(asyncio.wait_for(slow, 60))
        finally:
            loop.close()
    assert created == 201
    assert Campaign.objects.filter(name="blocked").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_past_the_limit_gets_json_naming_the_limit_and_its_setting(alice, settings, declared):
    settings.STUDIO_MAX_BODY_BYTES = 10_000
    body = json.dumps({"name": "x" * 20_000, "graph": {}}).encode()
    headers = [token_header(alice), JSON] + ([(b"content-length", str(len(body)).encode())] if declared else [])
    status, headers, content = call("POST", "/api/campaigns/", body=body, headers=headers, chunks=4)
    assert status == 413
    assert (b"content-type", b"application/json") in headers
    answer = json.loads(content)
    assert answer["setting"] == "STUDIO_MAX_BODY_BYTES" and answer["limit"] == 10_000
    assert "10000 bytes" in answer["detail"]
    assert not Campaign.objects.exists()


# --- logins ------------------------------------------------------------------------------------------------


def wrong_login(client, path, username="alice"):
    return client.post(path, {"username": username, "password": "guess"}, format="json")


def right_login(client, path):
    return client.post(path, {"username": "alice", "password": "alice-password-1"}, format="json")


@pytest.mark.parametrize("path", ["/api/auth/token/", "/api/auth/login/"])
def test_failed_logins_past_the_username_rate_answer_429_with_retry_after(alice, settings, path):
    settings.STUDIO_LOGIN_FAILURES_PER_USERNAME = "3/min"
    client = APIClient()
    assert [wrong_login(client, path).status_code for _ in range(3)] == [401, 401, 401]
    throttled = right_login(client, path)
    assert throttled.status_code == 429
    assert 1 <= int(throttled["Retry-After"]) <= 60
    # Another account from the same address is not locked out by Alice's guesser.
    assert wrong_login(client, path, "bob").status_code == 401


def test_failed_logins_past_the_address_rate_answer_429_for_every_username(alice, settings):
    settings.STUDIO_LOGIN_FAILURES_PER_ADDRESS = "4/min"
    client = APIClient()
    for username in ("u1", "u2", "u3", "u4"):
        assert wrong_login(client, "/api/auth/token/", username).status_code == 401
    assert wrong_login(client, "/api/auth/token/", "u5").status_code == 429
    elsewhere = APIClient(REMOTE_ADDR="198.51.100.9")
    ok = right_login(elsewhere, "/api/auth/token/")
    assert ok.status_code == 200


def test_successful_logins_are_never_throttled(alice, settings):
    settings.STUDIO_LOGIN_FAILURES_PER_USERNAME = "2/min"
    client = APIClient()
    for _ in range(5):
        ok = right_login(client, "/api/auth/token/")
        assert ok.status_code == 200


def test_the_admin_login_form_shares_the_throttle(alice, settings):
    settings.STUDIO_LOGIN_FAILURES_PER_USERNAME = "3/min"
    client = APIClient()
    for _ in range(3):
        answer = client.post("/admin/login/", {"username": "alice", "password": "guess"})
        assert answer.status_code == 200  # the form again, with its error
    assert client.post("/admin/login/", {"username": "alice", "password": "guess"}).status_code == 429
    # The count is in the cache every web process shares (Redis), not in this process's memory.
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    assert any(b"login-username" in key for key in cache._cache.get_client().keys(f"{cache.key_prefix}*"))


def test_bad_credentials_are_401_not_403(alice):
    assert APIClient().get("/api/campaigns/").status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token nope")
    answer = bad.get("/api/campaigns/")
    assert answer.status_code == 401 and answer["WWW-Authenticate"].startswith("Token")
    assert wrong_login(APIClient(), "/api/auth/login/").status_code == 401


def test_the_session_login_needs_the_csrf_token(alice):
    client = APIClient(enforce_csrf_checks=True)
    body = {"username": "alice", "password": "alice-password-1"}
    refused = client.post("/api/auth/login/", body, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    client.get("/api/auth/login/")
    token = client.cookies["csrftoken"].value
    assert client.post("/api/auth/login/", body, format="json", HTTP_X_CSRFTOKEN=token).status_code == 200


@pytest.mark.parametrize("password", ["alice123", "password123", "4815162342"])
def test_weak_passwords_are_refused(alice_api, password):
    answer = alice_api.post(
        "/api/auth/password/", {"old_password": "alice-password-1", "new_password": password}, format="json"
    )
    assert answer.status_code == 400


# --- headers and deployment -----------------------------------------------------------------------------


def test_every_response_carries_the_content_security_policy(alice_api, settings):
    answer = alice_api.get("/api/auth/me/")
    policy = answer["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    docs = alice_api.get("/api/docs/")
    assert docs.status_code == 200 and "Content-Security-Policy" in docs
    html = docs.content.decode()
    # Swagger UI runs under the policy: its scripts come from this origin, none inline.
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources)
    assert "<script>" not in html
    script = alice_api.get(sources[-1])
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def compose_environment() -> dict[str, str]:
    """The app's environment in docker-compose.yml, with each ``${VAR:-default}`` at its default."""
    app = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["x-app"]["environment"]
    return {name: re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value)) for name, value in app.items()}


def test_check_deploy_is_clean_in_the_compose_configuration(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "STUDIO_VAR_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "static"),
        **compose_environment(),
    }
    env["ALLOWED_HOSTS"] = "studio.example.org"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_compose_turns_on_secure_cookies_hsts_and_the_proxy_header():
    env = compose_environment()
    assert env["STUDIO_SECURE_COOKIES"] == "true" and env["STUDIO_BEHIND_HTTPS_PROXY"] == "true"
    assert int(env["STUDIO_HSTS_SECONDS"]) >= 31536000


# --- schema -------------------------------------------------------------------------------------------------


def test_the_schema_documents_errors_and_the_export_content_types(alice_api):
    schema = yaml.safe_load(alice_api.get("/api/schema/").content)
    paths = schema["paths"]
    update = paths["/api/campaigns/{id}/"]["put"]["responses"]
    assert {"400", "401", "403", "404", "409"} <= set(update)
    assert "detail" in update["404"]["content"]["application/json"]["schema"]["properties"]
    export = paths["/api/campaigns/{id}/export/{kind}/"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "application/yaml", "text/x-python"} <= set(export)
    assert "429" in paths["/api/auth/token/"]["post"]["responses"]
