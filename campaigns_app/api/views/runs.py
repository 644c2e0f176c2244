"""Runs, their events, and batches of runs."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ... import selectors
from ..serializers import BatchSerializer, RunDetailSerializer, RunEventSerializer, RunSerializer


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RunSerializer

    def get_queryset(self):
        queryset = selectors.runs_with_steps(selectors.runs_visible_to(self.request.user))
        state = self.request.query_params.get("state")
        if state:
            queryset = queryset.filter(state__in=state.split(","))
        campaign = self.request.query_params.get("campaign")
        if campaign:
            if not campaign.isdigit():
                raise ValidationError({"campaign": ["must be a campaign id"]})
            queryset = queryset.filter(campaign_id=int(campaign))
        owner = self.request.query_params.get("owner")
        if owner:
            queryset = queryset.filter(owner__username=owner)
        return queryset

    def get_serializer_class(self):
        return RunDetailSerializer if self.action == "retrieve" else RunSerializer

    @extend_schema(
        parameters=[OpenApiParameter("state", str), OpenApiParameter("campaign", int), OpenApiParameter("owner", str)],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[OpenApiParameter("after", int)], responses=RunEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, pk=None):
        run = self.get_object()
        raw = request.query_params.get("after", "0")
        if not raw.isdigit():
            raise ValidationError({"after": ["must be a non-negative integer"]})
        return Response(selectors.run_events_after(run.pk, int(raw)))


class BatchViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BatchSerializer

    def get_queryset(self):
        return selectors.batches_visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        return Response(BatchSerializer(selectors.batch_summary(self.get_object())).data)
