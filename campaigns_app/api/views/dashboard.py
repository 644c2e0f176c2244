"""The campaigns dashboard's feed: every running and recent run with its steps, compactly."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from ... import selectors
from ...event_messages import DashboardFeed
from ..query import DashboardQuery, query_params
from ..schema import component_ref


@extend_schema(responses={200: component_ref(DashboardFeed)}, parameters=[DashboardQuery])
@api_view(["GET"])
def dashboard_feed(request):
    """Runs for the dashboard timeline; times are epoch milliseconds, steps are compact rows."""
    query = query_params(DashboardQuery, request)
    now = timezone.now()
    feed = selectors.dashboard_feed(
        request.user,
        since=now - timedelta(minutes=query["minutes"]),
        campaign=query["campaign"],
        states=query["state"],
        owner=query["owner"] or None,
        ids=query["ids"],
        limit=query["limit"],
    )
    return Response({"now": int(now.timestamp() * 1000), **feed})
