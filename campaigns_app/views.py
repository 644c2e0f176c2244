from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie

MISSING_BUILD = """<!doctype html><title>AsyncFlow Studio</title>
<h1>The frontend is not built</h1><p>Run <code>make run</code> (or <code>cd frontend && npm ci && npm run build</code>).
The API is at <a href="/api/docs/">/api/docs/</a>.</p>"""


@ensure_csrf_cookie
def spa_index(request, *args, **kwargs):
    """Serve the single-page app for every client-side route; it sets the CSRF cookie the app sends back."""
    index = settings.FRONTEND_DIST / "index.html"
    if not index.exists():
        return HttpResponse(MISSING_BUILD, status=503)
    return HttpResponse(index.read_text(), content_type="text/html")
