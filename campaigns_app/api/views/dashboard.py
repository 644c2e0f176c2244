"""The campaigns dashboard's feed: every running and recent run with its steps, compactly."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ... import selectors
from ...models import RunState
from ..params import query_ids, query_int

MAX_WINDOW_MINUTES = 7 * 24 * 60


@extend_schema(responses=OpenApiTypes.OBJECT, parameters=[
    OpenApiParameter("minutes", int, description="finished runs younger than this (default 60)"),
    OpenApiParameter("campaign", int), OpenApiParameter("state", str, description="comma-separated run states"),
    OpenApiParameter("owner", str), OpenApiParameter("ids", str, description="only these run ids (comma-separated)"),
    OpenApiParameter("limit", int),
])
@api_view(["GET"])
def dashboard_feed(request):
    """Runs for the dashboard timeline; times are epoch milliseconds, steps are compact rows."""
    minutes = query_int(request, "minutes", default=60, low=1, high=MAX_WINDOW_MINUTES)
    limit = query_int(request, "limit", default=selectors.DASHBOARD_LIMIT, low=1, high=selectors.DASHBOARD_LIMIT)
    campaign = query_int(request, "campaign", what="must be a campaign id")
    states = [s for s in request.query_params.get("state", "").split(",") if s]
    unknown = sorted(set(states) - set(RunState.values))
    if unknown:
        raise ValidationError({"state": [f"unknown state(s) {', '.join(unknown)}"]})
    ids = query_ids(request, "ids", limit=selectors.DASHBOARD_LIMIT)
    now = timezone.now()
    feed = selectors.dashboard_feed(request.user, since=now - timedelta(minutes=minutes), campaign=campaign,
                                    states=states, owner=request.query_params.get("owner") or None, ids=ids,
                                    limit=limit)
    return Response({"now": int(now.timestamp() * 1000), **feed})
