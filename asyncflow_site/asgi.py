import gc
import os
import sys
import threading
from tempfile import SpooledTemporaryFile

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asyncflow_site.settings")
# Django must be set up before the consumers (and their models) are imported.
django_handler = get_wsgi_application()

from asgiref.sync import sync_to_async  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from asyncflow_site.celery import broker_warm_up  # noqa: E402
from campaigns_app.events import broadcaster_warm_up  # noqa: E402
from campaigns_app.routing import websocket_urlpatterns  # noqa: E402
from campaigns_app.ws_auth import TokenOrSessionAuthMiddleware  # noqa: E402


def _warm_up() -> None:
    # The first launch would otherwise connect to the broker and load the channel layer (~300 ms).
    broker_warm_up()
    broadcaster_warm_up()


threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
# Everything imported so far lives as long as the process: out of the
# collector's sight, a full collection no longer walks it (about 100 ms of
# stalled requests and launches every few seconds under load, here).
get_resolver().url_patterns  # noqa: B018 (read for its imports) the views, serializers and DRF, which Django imports on the first request
gc.collect()
gc.freeze()


class OneHopHttp:
    """Django's request handling with the whole request in one thread hop.

    Every view and middleware of the studio is synchronous.  Django's ASGI
    handler runs middleware hooks, the view, rendering, signals and closing in
    thread hops of their own (about 0.2 ms each on a small machine, 2-3 ms a
    request); here Django's standard WSGI handler runs the request on the same
    single thread-sensitive executor in one hop, and the response is sent
    from the event loop.  Responses are buffered, as Django's ASGI handler
    does with the synchronous file iterators of static files anyway.
    """

    def __init__(self, handler) -> None:
        self.handler = handler

    async def __call__(self, scope, receive, send) -> None:
        # Like Django's ASGI handler: small bodies in memory, big ones on disk.
        with SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as body:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body.write(message.get("body", b""))
                if not message.get("more_body"):
                    break
            body.seek(0)
            status, headers, chunks = await sync_to_async(self._respond, thread_sensitive=True)(scope, body)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        # A HEAD response has headers only (a WSGI server drops the body too).
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else b"".join(chunks)})

    def _respond(self, scope, body) -> tuple[int, list, list[bytes]]:
        started: dict = {}

        def start_response(status, response_headers, exc_info=None):
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [(name.lower().encode("latin1"), value.encode("latin1"))
                                  for name, value in response_headers]

        result = self.handler(wsgi_environ(scope, body), start_response)
        try:
            chunks = [bytes(chunk) for chunk in result]
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return started["status"], started["headers"], chunks


def wsgi_environ(scope, body) -> dict:
    """The PEP 3333 environ of an ASGI HTTP scope."""
    script_name = scope.get("root_path", "").encode("utf8").decode("latin1")
    path_info = scope["path"].encode("utf8").decode("latin1")
    if path_info.startswith(script_name):
        path_info = path_info[len(script_name):]
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
        "websocket": AllowedHostsOriginValidator(TokenOrSessionAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
