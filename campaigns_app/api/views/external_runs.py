"""Runs reported by AsyncFlow scripts through ``campaigns_app.client.attach`` (token auth)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ...models import Campaign, Run, Source
from ...services.external_runs import external_run_create, external_run_report
from ..serializers import TextField


class ExternalRunCreateSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="the campaign a first report created"
    )
    campaign_name = TextField(max_length=200, required=False, default="AsyncFlow script")
    key = TextField(max_length=200, help_text="the AsyncFlow component this run mirrors")
    title = TextField(max_length=500, required=False, allow_blank=True, default="")
    parameters = serializers.DictField(required=False, default=dict)


class ExternalEventsSerializer(serializers.Serializer):
    events = serializers.JSONField()


class ExternalRunViewSet(viewsets.GenericViewSet):
    """An attached script creates its runs here, then reports task states to ``events``."""

    lookup_value_regex = "[0-9]+"
    # OPTIONS describes the create body from it.
    serializer_class = ExternalRunCreateSerializer

    def get_queryset(self):
        return Run.objects.filter(owner=self.request.user, source=Source.EXTERNAL)

    @extend_schema(request=ExternalRunCreateSerializer, responses={201: OpenApiTypes.OBJECT})
    def create(self, request):
        body = ExternalRunCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        campaign = None
        if "campaign" in data:
            campaign = Campaign.objects.filter(pk=data["campaign"], owner=request.user, source=Source.EXTERNAL).first()
            if campaign is None:
                raise ValidationError({"campaign": ["no attached-script campaign of yours has this id"]})
        run = external_run_create(
            owner=request.user,
            campaign_name=data["campaign_name"],
            key=data["key"],
            title=data["title"],
            parameters=data["parameters"],
            campaign=campaign,
        )
        return Response(
            {"id": run.pk, "campaign": run.campaign_id, "url": f"/runs/{run.pk}"}, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=ExternalEventsSerializer,
        responses={200: OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"])
    def events(self, request, pk=None):
        run = self.get_object()
        body = ExternalEventsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        last_seq = external_run_report(run=run, events=body.validated_data["events"])
        return Response({"id": run.pk, "last_seq": last_seq})
