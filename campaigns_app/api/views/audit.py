"""The audit trail, for team admins (their teams' entries) and everyone (their own actions)."""

from datetime import UTC, datetime, time

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError

from ... import selectors
from ...services.audit import ACTIONS
from ..params import query_int
from ..serializers import AuditEntrySerializer


def _moment(raw: str, name: str, end_of_day: bool = False):
    value = parse_datetime(raw)
    if value is None:
        day = parse_date(raw)
        if day is None:
            raise ValidationError({name: ["must be a date (2026-01-31) or an ISO date-time"]})
        value = datetime.combine(day, time.max if end_of_day else time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


class AuditViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AuditEntrySerializer

    def get_queryset(self):
        queryset = selectors.audit_visible_to(self.request.user)
        params = self.request.query_params
        team = query_int(self.request, "team", what="must be a team id")
        if team is not None:
            queryset = queryset.filter(team_id=team)
        campaign = query_int(self.request, "campaign", what="must be a campaign id")
        if campaign is not None:
            queryset = queryset.filter(campaign_id_ref=campaign)
        actor = params.get("actor", "").strip()
        if actor:
            queryset = queryset.filter(actor_name=actor)
        action = params.get("action", "").strip()
        if action:
            wanted = [a.strip() for a in action.split(",") if a.strip()]
            unknown = [a for a in wanted if a not in ACTIONS and not any(x.startswith(a + ".") for x in ACTIONS)]
            if unknown:
                raise ValidationError({"action": [f"unknown action(s) {', '.join(unknown)}; known: "
                                                  f"{', '.join(ACTIONS)}"]})
            exact = [a for a in wanted if a in ACTIONS]
            prefixes = [a for a in wanted if a not in ACTIONS]
            condition = Q(action__in=exact)
            for prefix in prefixes:
                condition |= Q(action__startswith=prefix + ".")
            queryset = queryset.filter(condition)
        if params.get("since"):
            queryset = queryset.filter(at__gte=_moment(params["since"], "since"))
        if params.get("until"):
            queryset = queryset.filter(at__lte=_moment(params["until"], "until", end_of_day=True))
        return queryset

    @extend_schema(parameters=[OpenApiParameter("team", int), OpenApiParameter("campaign", int),
                               OpenApiParameter("actor", str), OpenApiParameter("action", str),
                               OpenApiParameter("since", str), OpenApiParameter("until", str)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
