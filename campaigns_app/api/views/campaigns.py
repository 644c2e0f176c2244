"""Campaign definitions and launching runs of them."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ... import selectors, services
from ..permissions import CampaignEditPermission
from ..serializers import (
    CampaignSerializer,
    CampaignWriteSerializer,
    LaunchSerializer,
    RunDetailSerializer,
)


class CampaignViewSet(viewsets.ModelViewSet):
    serializer_class = CampaignSerializer
    permission_classes = [IsAuthenticated, CampaignEditPermission]

    def get_queryset(self):
        return selectors.campaigns_visible_to(self.request.user)

    @extend_schema(request=CampaignWriteSerializer, responses={201: CampaignSerializer})
    def create(self, request, *args, **kwargs):
        body = CampaignWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        campaign = services.campaign_create(owner=request.user, **body.validated_data)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CampaignWriteSerializer, responses={200: CampaignSerializer})
    def update(self, request, *args, **kwargs):
        campaign = self.get_object()
        body = CampaignWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if kwargs.get("partial"):
            data = {k: v for k, v in data.items() if k in request.data}
        campaign = services.campaign_update(campaign=campaign, user=request.user, **data)
        return Response(CampaignSerializer(campaign).data)

    def perform_destroy(self, instance):
        services.campaign_delete(campaign=instance)

    @extend_schema(request=LaunchSerializer, responses={201: RunDetailSerializer})
    @action(detail=True, methods=["post"], url_path="runs")
    def launch(self, request, pk=None):
        """Launch one run (``parameters``) or, with ``instances``, a batch of runs in one transaction."""
        campaign = self.get_object()
        body = LaunchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        visible = selectors.runs_with_steps(selectors.runs_visible_to(request.user))
        if "instances" in body.validated_data:
            batch, runs = services.batch_launch(campaign=campaign, user=request.user,
                                                instances=body.validated_data["instances"],
                                                max_parallel=body.validated_data["max_parallel"])
            runs = visible.filter(pk__in=[r.pk for r in runs]).order_by("pk")
            return Response({"batch": batch.pk, "runs": RunDetailSerializer(runs, many=True).data},
                            status=status.HTTP_201_CREATED)
        run = services.run_launch(campaign=campaign, user=request.user,
                                  parameters=body.validated_data.get("parameters"),
                                  max_parallel=body.validated_data["max_parallel"])
        return Response(RunDetailSerializer(visible.get(pk=run.pk)).data, status=status.HTTP_201_CREATED)
