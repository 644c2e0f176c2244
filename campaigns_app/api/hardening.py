"""Web hardening that is not DRF's: the Content Security Policy header and the admin login's throttle."""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse

from .throttling import login_username, login_wait


class ContentSecurityPolicyMiddleware:
    """Adds ``STUDIO_CSP`` to every response that has no policy of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.STUDIO_CSP:
            response.headers.setdefault("Content-Security-Policy", settings.STUDIO_CSP)
        return response


class ApiNotFoundMiddleware:
    """A path under /api/ that no route matches answers JSON like every other API error, not Django's HTML page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return JsonResponse({"detail": f"no API endpoint at {request.path}"}, status=404)
        return response


class AdminLoginThrottleMiddleware:
    """The admin's login form under the API logins' throttle (failures are counted by the same signal)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.path = None

    def __call__(self, request):
        if request.method == "POST":
            self.path = self.path or reverse("admin:login")
            if request.path == self.path:
                wait = login_wait(request, login_username(request))
                if wait is not None:
                    response = HttpResponse(
                        "Too many failed logins: try again later.\n",
                        status=429,
                        content_type="text/plain; charset=utf-8",
                    )
                    response["Retry-After"] = str(max(1, math.ceil(wait)))
                    return response
        return self.get_response(request)
