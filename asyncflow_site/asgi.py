import gc
import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from tempfile import SpooledTemporaryFile

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asyncflow_site.settings")
# Django must be set up before the consumers (and their models) are imported.
django_handler = get_wsgi_application()

from asgiref.sync import sync_to_async  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from asyncflow_site.celery import broker_warm_up  # noqa: E402
from campaigns_app.events import broadcaster_warm_up, channel_layer_warm_up  # noqa: E402
from campaigns_app.routing import websocket_urlpatterns  # noqa: E402
from campaigns_app.ws_auth import (  # noqa: E402
    HandshakeAdmission,
    OriginValidatorUnlessToken,
    TokenOrSessionAuthMiddleware,
)


def _warm_up() -> None:
    # The first launch would otherwise connect to the broker and load the channel layer (~300 ms).
    broker_warm_up()
    broadcaster_warm_up()


threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
channel_layer_warm_up()
# Everything imported so far lives as long as the process: out of the
# collector's sight, a full collection no longer walks it (about 100 ms of
# stalled requests and launches every few seconds under load, here).
get_resolver().url_patterns  # noqa: B018 (read for its imports) the views, serializers and DRF, which Django imports on the first request
gc.collect()
gc.freeze()


class BodyTooLarge(Exception):
    pass


class OneHopHttp:
    """Django's request handling with the whole request in one thread hop, on a pool of threads.

    Every view and middleware of the studio is synchronous.  Django's ASGI
    handler runs middleware hooks, the view, rendering, signals and closing in
    thread hops of their own (about 0.2 ms each on a small machine, 2-3 ms a
    request); here Django's standard WSGI handler runs the request in one hop
    on one of ``STUDIO_WEB_THREADS`` threads, and the response is sent from the
    event loop.  The WSGI handler is thread-safe (each thread has its own
    database connection), so a slow request holds one thread while the others
    serve everyone else.  Responses are buffered, as Django's ASGI handler does
    with the synchronous file iterators of static files anyway.

    A body past ``STUDIO_MAX_BODY_BYTES`` is refused with a JSON 413 naming the
    limit, as soon as its length says so, without reading the rest.
    """

    def __init__(self, handler, threads: int | None = None) -> None:
        self.handler = handler
        self.executor = ThreadPoolExecutor(
            max_workers=threads or settings.STUDIO_WEB_THREADS, thread_name_prefix="http"
        )

    async def __call__(self, scope, receive, send) -> None:
        limit = settings.STUDIO_MAX_BODY_BYTES
        # Like Django's ASGI handler: small bodies in memory, big ones on disk.
        with SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as body:
            try:
                if _declared_length(scope) > limit:
                    raise BodyTooLarge
                size = 0
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        raise BodyTooLarge
                    body.write(chunk)
                    if not message.get("more_body"):
                        break
            except BodyTooLarge:
                await _send_json(
                    send,
                    413,
                    {
                        "detail": (
                            f"the request body is larger than {limit} bytes, the limit set by STUDIO_MAX_BODY_BYTES"
                        ),
                        "limit": limit,
                        "setting": "STUDIO_MAX_BODY_BYTES",
                    },
                )
                return
            body.seek(0)
            respond = sync_to_async(self._respond, thread_sensitive=False, executor=self.executor)
            status, headers, chunks = await respond(scope, body)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        # A HEAD response has headers only (a WSGI server drops the body too).
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else b"".join(chunks)})

    def _respond(self, scope, body) -> tuple[int, list, list[bytes]]:
        started: dict = {}

        def start_response(status, response_headers, exc_info=None):
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [
                (name.lower().encode("latin1"), value.encode("latin1")) for name, value in response_headers
            ]

        result = self.handler(wsgi_environ(scope, body), start_response)
        try:
            chunks = [bytes(chunk) for chunk in result]
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return started["status"], started["headers"], chunks


def _declared_length(scope) -> int:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


async def _send_json(send, status: int, payload: dict) -> None:
    content = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


def wsgi_environ(scope, body) -> dict:
    """The PEP 3333 environ of an ASGI HTTP scope."""
    script_name = scope.get("root_path", "").encode("utf8").decode("latin1")
    path_info = scope["path"].encode("utf8").decode("latin1")
    if path_info.startswith(script_name):
        path_info = path_info[len(script_name) :]
    server = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": scope["query_string"].decode("latin1"),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = scope["client"][0], str(scope["client"][1])
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin1").upper().replace("-", "_"), raw_value.decode("latin1")
        if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = f"HTTP_{name}"
        # Repeated headers are joined, as a server would (PEP 3333 has one value per name).
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    # The server has already taken the body apart (chunked or not): its length is what arrived.
    environ["CONTENT_LENGTH"] = str(body.seek(0, 2))
    body.seek(0)
    return environ


application = ProtocolTypeRouter(
    {
        "http": OneHopHttp(django_handler),
        "websocket": HandshakeAdmission(
            OriginValidatorUnlessToken(TokenOrSessionAuthMiddleware(URLRouter(websocket_urlpatterns))),
            limit=settings.STUDIO_WS_HANDSHAKES_AT_ONCE,
        ),
    }
)
