"""HTTP through the real ``asgi.application``, as daphne serves it: API calls in one hop, static files streamed."""

import asyncio
import json
from http.cookies import SimpleCookie

import pytest
from asgiref.sync import async_to_sync

from asyncflow_site.asgi import application
from campaigns_app.models import AuditEntry, Run

# Requests run on the executor's thread: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


async def asgi_exchange(
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers=(),
    query: bytes = b"",
    chunks: int = 1,
    client=("203.0.113.7", 51000),
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One HTTP exchange with the ASGI app, as daphne would make it; the body arrives in ``chunks`` messages."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": client,
        "server": ("127.0.0.1", 8000),
    }
    size = max(1, -(-len(body) // chunks))
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    incoming = [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)]
    sent: list[dict] = []

    async def receive():
        if incoming:
            return incoming.pop(0)
        # The client stays connected until the response is complete.
        await asyncio.Event().wait()

    async def send(message):
        sent.append(message)

    await application(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], start["headers"], content


def call(method: str, path: str, **request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """``asgi_exchange`` from synchronous test code."""
    return async_to_sync(asgi_exchange)(method, path, **request)


def token_header(user) -> tuple[bytes, bytes]:
    from tests.conftest import login_token_for

    return b"authorization", f"Token {login_token_for(user)}".encode()


def launch_posted(user, campaign, parameters: dict, **request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A launch of ``campaign`` with ``parameters`` posted as JSON by ``user``."""
    return call(
        "POST",
        f"/api/campaigns/{campaign.pk}/runs/",
        body=json.dumps({"parameters": parameters}).encode(),
        headers=[token_header(user), (b"content-type", b"application/json")],
        **request,
    )


def test_a_launch_posted_in_several_body_chunks_is_created_and_audited_with_the_client_address(alice, seed_campaign):
    status, headers, content = launch_posted(alice, seed_campaign, {"name": "Campaign Ü"}, chunks=3)
    assert status == 201, content
    run = json.loads(content)
    assert Run.objects.get(pk=run["id"]).parameters == {"name": "Campaign Ü"}
    assert (b"content-type", b"application/json") in headers
    assert AuditEntry.objects.get(action="run.launch").address == "203.0.113.7"


def test_bad_input_gets_a_400_naming_the_parameter(alice, seed_campaign):
    status, _, content = launch_posted(alice, seed_campaign, {"nme": "typo"})
    assert status == 400
    assert "nme" in json.loads(content)["parameters"]
    assert not Run.objects.exists()


def test_query_strings_reach_the_view(alice, seed_campaign):
    status, _, content = call("GET", "/api/runs/", query=b"campaign=x", headers=[token_header(alice)])
    assert status == 400 and "campaign" in json.loads(content)


def cookies_of(headers) -> SimpleCookie:
    cookies = SimpleCookie()
    for name, value in headers:
        if name == b"set-cookie":
            cookies.load(value.decode())
    return cookies


def test_a_session_login_sets_both_cookies_and_the_session_then_authenticates(alice):
    login = {"username": "alice", "password": "alice-password-1"}
    status, _, content = call(
        "POST", "/api/auth/login/", headers=[(b"content-type", b"application/json")], body=json.dumps(login).encode()
    )
    assert status == 403 and "CSRF" in json.loads(content)["detail"]
    _, headers, _ = call("GET", "/api/auth/login/")
    csrf = cookies_of(headers)["csrftoken"].value
    status, headers, _ = call(
        "POST",
        "/api/auth/login/",
        body=json.dumps(login).encode(),
        headers=[
            (b"content-type", b"application/json"),
            (b"x-csrftoken", csrf.encode()),
            (b"cookie", f"csrftoken={csrf}".encode()),
        ],
    )
    assert status == 200
    cookies = SimpleCookie()
    for name, value in headers:
        if name == b"set-cookie":
            cookies.load(value.decode())
    assert {"sessionid", "csrftoken"} <= set(cookies)
    cookie = "; ".join(f"{k}={v.value}" for k, v in cookies.items()).encode()
    status, _, content = call("GET", "/api/auth/me/", headers=[(b"cookie", cookie)])
    assert status == 200 and json.loads(content)["username"] == "alice"


def test_without_credentials_the_api_refuses(db):
    status, _, _ = call("GET", "/api/runs/")
    assert status in (401, 403)


def test_the_spa_and_static_files_are_served(db, settings):
    status, _, content = call("GET", "/campaigns/7/edit")
    assert status == 200 and b"<html" in content.lower()
    from django.contrib.staticfiles import finders

    on_disk = open(finders.find("admin/js/vendor/jquery/jquery.js"), "rb").read()
    status, headers, content = call("GET", f"{settings.STATIC_URL}admin/js/vendor/jquery/jquery.js")
    assert status == 200 and content == on_disk


def test_a_head_request_gets_the_headers_without_a_body(db):
    status, headers, content = call("HEAD", "/campaigns")
    assert status == 200 and content == b""
    assert any(name == b"content-type" and value.startswith(b"text/html") for name, value in headers)
