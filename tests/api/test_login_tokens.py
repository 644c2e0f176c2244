"""Login tokens of POST /api/auth/token/ are shown once and stored hashed: the database holds no usable key."""

from __future__ import annotations

import hashlib

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from asyncflow_site.asgi import application
from campaigns_app.models import ApiToken

pytestmark = pytest.mark.django_db


def _login_token(username="alice"):
    answer = APIClient().post(
        "/api/auth/token/", {"username": username, "password": f"{username}-password-1"}, format="json"
    )
    assert answer.status_code == 200
    return answer.json()["token"]


def _as(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _every_stored_text() -> str:
    """Every value of every column of every table, as text."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(chunks)


def test_the_database_holds_no_usable_login_token(alice):
    key = _login_token()
    assert _as(key).get("/api/auth/me/").json()["username"] == "alice"
    stored = _every_stored_text()
    assert key not in stored and key[12:] not in stored
    assert hashlib.sha256(key.encode()).hexdigest() in stored
    # Neither the hash nor the shown prefix opens anything.
    token = ApiToken.objects.get(kind="login")
    assert _as(token.key_hash).get("/api/auth/me/").status_code in (401, 403)
    assert _as(token.prefix).get("/api/auth/me/").status_code in (401, 403)


def test_each_login_gives_a_new_key_and_old_ones_keep_working_up_to_the_limit(alice, settings):
    settings.STUDIO_LOGIN_TOKENS_KEPT = 2
    first, second = _login_token(), _login_token()
    assert first != second
    assert _as(first).get("/api/auth/me/").status_code == 200
    third = _login_token()
    assert _as(first).get("/api/auth/me/").status_code in (401, 403)  # the oldest past the limit is revoked
    assert [_as(k).get("/api/auth/me/").status_code for k in (second, third)] == [200, 200]
    listed = _as(third).get("/api/auth/tokens/").json()
    assert [t["kind"] for t in listed] == ["login", "login"]
    assert _as(third).delete(f"/api/auth/tokens/{listed[0]['id']}/").status_code == 204
    assert _as(third).get("/api/auth/me/").status_code in (401, 403)


@pytest.mark.django_db(transaction=True)
def test_a_login_token_opens_websockets(alice, seed_campaign):
    from campaigns_app.services import run_launch

    run = run_launch(campaign=seed_campaign, user=alice, parameters={"name": "A"})
    key = _login_token()

    async def connects(token):
        socket = WebsocketCommunicator(
            application, f"/ws/runs/{run.pk}/?token={token}", headers=[(b"origin", b"http://localhost")]
        )
        connected, _ = await socket.connect()
        await socket.disconnect()
        return connected

    assert async_to_sync(connects)(key) is True
    assert async_to_sync(connects)(hashlib.sha256(key.encode()).hexdigest()) is False


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_existing_clear_tokens_and_drops_their_table(alice):
    executor = MigrationExecutor(connection)
    executor.migrate([("campaigns_app", "0007_executable_rights")])
    clear_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.schema_editor() as editor:
        editor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with time zone "
            "NOT NULL, user_id integer NOT NULL)"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, CURRENT_TIMESTAMP, %s)",
            [clear_key, alice.pk],
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert "authtoken_token" not in connection.introspection.table_names()
    assert clear_key not in _every_stored_text()
    assert _as(clear_key).get("/api/auth/me/").json()["username"] == "alice"  # scripts holding one go on
