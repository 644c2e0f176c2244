"""Campaign definitions: the library, editing with versions, sharing, forks, files, and launching runs."""

from django.db.models import F, Prefetch
from django.http import HttpResponse
from django.utils.text import slugify
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ... import selectors, services
from ...graph.diff import definition_diff, diff_summary
from ...models import Batch, CampaignVersion, Run, Visibility
from ..filters import CampaignFilter
from ..params import whole_number
from ..permissions import CampaignActionPermission
from ..query import ExportQuery, VersionRangeQuery, query_params
from ..serializers import (
    BatchLaunchSerializer,
    CampaignSerializer,
    CampaignVersionDetailSerializer,
    CampaignVersionSerializer,
    CampaignWriteSerializer,
    ForkSerializer,
    ImportSerializer,
    LaunchSerializer,
    RestoreSerializer,
    RunDetailSerializer,
    StepTestSerializer,
)

EXPORT_TYPES = {
    "json": ("application/json", "json"),
    "yaml": ("application/yaml", "yaml"),
    "asyncflow": ("text/x-python", "py"),
}


def _batch_answer(batch: Batch, runs: list[Run]) -> dict:
    """The compact answer from the launched rows in memory, in launch order; reads nothing back."""
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.state] = counts.get(run.state, 0) + 1
    return {
        "batch": batch.pk,
        "campaign": batch.campaign_id,
        "version": runs[0].version.number if runs else None,
        "count": len(runs),
        "counts": counts,
        "runs": [{"id": run.pk, "state": run.state} for run in runs],
    }


class CampaignViewSet(viewsets.ModelViewSet):
    """A campaign the user may not see answers 404; one they may see but not change answers 403 saying why."""

    serializer_class = CampaignSerializer
    permission_classes = [IsAuthenticated, CampaignActionPermission]
    filter_backends = [DjangoFilterBackend]
    filterset_class = CampaignFilter

    def get_queryset(self):
        queryset = selectors.campaigns_visible_to(self.request.user)
        if self.action != "list":
            return queryset
        # Every listed campaign's current version in one query (the serializer reads ``current_versions``).
        current = CampaignVersion.objects.filter(number=F("campaign__version"))
        queryset = queryset.select_related("forked_from__owner").prefetch_related(
            Prefetch("versions", queryset=current, to_attr="current_versions")
        )
        return queryset

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "request": self.request}

    def _out(self, campaign, status_code=status.HTTP_200_OK):
        campaign = selectors.campaigns_visible_to(self.request.user).get(pk=campaign.pk)
        return Response(CampaignSerializer(campaign, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(request=CampaignWriteSerializer, responses={201: CampaignSerializer})
    def create(self, request, *args, **kwargs):
        body = CampaignWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("base_version", None)
        data.pop("layout_revision", None)
        team = services.team_for_campaigns(user=request.user, team_id=data.pop("team", None))
        campaign = services.campaign_create(
            owner=request.user, team=team, visibility=data.pop("visibility", Visibility.PRIVATE), **data
        )
        return self._out(campaign, status.HTTP_201_CREATED)

    @extend_schema(request=CampaignWriteSerializer, responses={200: CampaignSerializer, 409: None})
    def update(self, request, *args, **kwargs):
        campaign = self.get_object()
        partial = kwargs.get("partial", False)
        body = CampaignWriteSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if partial:
            data = {k: v for k, v in data.items() if k in request.data}
        else:
            # A full update leaves sharing alone unless the body says otherwise.
            data = {k: v for k, v in data.items() if k not in ("team", "visibility") or k in request.data}
        campaign = services.campaign_update(campaign=campaign, user=request.user, **data)
        return self._out(campaign)

    def destroy(self, request, *args, **kwargs):
        services.campaign_delete(campaign=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=LaunchSerializer,
        responses={201: PolymorphicProxySerializer("LaunchAnswer", [RunDetailSerializer, BatchLaunchSerializer], None)},
    )
    @action(detail=True, methods=["post"], url_path="runs")
    def launch(self, request, pk=None):
        """Launch one run (``parameters``) or, with ``instances``, a batch of runs in one transaction.

        A batch answers compactly (its id, counts, each run's id and state, in
        launch order): re-reading and serialising thousands of runs with their
        steps cost more than the launch itself.  ``GET /api/batches/{id}/`` and
        ``GET /api/runs/{id}/`` have the rest.
        """
        campaign = self.get_object()
        body = LaunchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if "instances" in body.validated_data:
            batch, runs = services.batch_launch(
                campaign=campaign,
                user=request.user,
                instances=body.validated_data["instances"],
                max_parallel=body.validated_data["max_parallel"],
            )
            return Response(BatchLaunchSerializer(_batch_answer(batch, runs)).data, status=status.HTTP_201_CREATED)
        run = services.run_launch(
            campaign=campaign,
            user=request.user,
            parameters=body.validated_data.get("parameters"),
            max_parallel=body.validated_data["max_parallel"],
        )
        visible = selectors.runs_with_steps(selectors.runs_visible_to(request.user))
        return Response(
            RunDetailSerializer(visible.get(pk=run.pk), context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=StepTestSerializer, responses={201: RunDetailSerializer})
    @action(detail=True, methods=["post"], url_path="test-step")
    def test_step(self, request, pk=None):
        """Run one step, as sent (unsaved), once on a worker: a run of kind ``test``, left out of run lists."""
        campaign = self.get_object()
        body = StepTestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = services.step_test_launch(campaign=campaign, user=request.user, **body.validated_data)
        visible = selectors.runs_with_steps(selectors.runs_visible_to(request.user))
        return Response(
            RunDetailSerializer(visible.get(pk=run.pk), context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ForkSerializer, responses={201: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def fork(self, request, pk=None):
        """Copy the current version into your space, or into a team (``team``), remembering where it came from."""
        campaign = self.get_object()
        body = ForkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fork = services.campaign_fork(
            campaign=campaign,
            user=request.user,
            name=body.validated_data.get("name"),
            team=body.validated_data.get("team"),
        )
        return self._out(fork, status.HTTP_201_CREATED)

    @extend_schema(responses=CampaignVersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request, pk=None):
        campaign = self.get_object()
        return Response(CampaignVersionSerializer(selectors.campaign_versions(campaign), many=True).data)

    def _version(self, campaign, number):
        version = campaign.versions.select_related("created_by").filter(number=number).first()
        if version is None:
            raise NotFound(f"campaign {campaign.pk} has no version {number}")
        return version

    @extend_schema(responses=CampaignVersionDetailSerializer)
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>\d+)")
    def version(self, request, pk=None, number=None):
        campaign = self.get_object()
        return Response(CampaignVersionDetailSerializer(self._version(campaign, whole_number(number, "number"))).data)

    @extend_schema(request=RestoreSerializer, responses={201: CampaignSerializer, 409: None})
    @action(detail=True, methods=["post"], url_path=r"versions/(?P<number>\d+)/restore")
    def restore(self, request, pk=None, number=None):
        """Make an old version current again, as a new version."""
        campaign = self.get_object()
        body = RestoreSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        campaign = services.campaign_version_restore(
            campaign=campaign,
            user=request.user,
            number=whole_number(number, "number"),
            base_version=body.validated_data.get("base_version"),
        )
        return self._out(campaign, status.HTTP_201_CREATED)

    @extend_schema(parameters=[VersionRangeQuery], responses={200: None})
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """What changed from version ``from`` (default: the one before ``to``) to ``to`` (default: current)."""
        campaign = self.get_object()
        query = query_params(VersionRangeQuery, request)
        to = query.get("to") or campaign.version
        start = query.get("from") or max(to - 1, 1)
        old, new = self._version(campaign, start), self._version(campaign, to)
        changes = definition_diff(
            {"parameters": old.parameters, "graph": old.graph}, {"parameters": new.parameters, "graph": new.graph}
        )
        return Response({"from": start, "to": to, "summary": diff_summary(changes), **changes})

    @extend_schema(responses={200: None})
    @action(detail=True, methods=["get"])
    def lineage(self, request, pk=None):
        """Where this campaign was forked from (nearest first) and the forks of it you may see."""
        return Response(selectors.campaign_lineage(self.get_object(), request.user))

    @extend_schema(
        parameters=[ExportQuery],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            # The YAML document is the JSON one's object, as a YAML reader (schemathesis too) reads it.
            (200, "application/yaml"): OpenApiTypes.OBJECT,
            (200, "text/x-python"): OpenApiTypes.STR,
        },
    )
    @action(detail=True, methods=["get"], url_path=r"export/(?P<kind>json|yaml|asyncflow)")
    def export(self, request, pk=None, kind=None):
        """The definition as a JSON or YAML file for import, or as a runnable AsyncFlow Python script."""
        campaign = self.get_object()
        number = query_params(ExportQuery, request).get("version")
        version = self._version(campaign, number) if number else None
        if kind == "asyncflow":
            text = services.campaign_script(campaign, version)
        else:
            text = services.document_dumps(services.campaign_document(campaign, version), kind)
        content_type, extension = EXPORT_TYPES[kind]
        response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
        number = version.number if version else campaign.version
        filename = f"{slugify(campaign.name) or 'campaign'}-v{number}"
        response["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
        return response

    @extend_schema(request=ImportSerializer, responses={201: CampaignSerializer})
    @action(detail=False, methods=["post"], url_path="import")
    def import_(self, request):
        """Create a campaign from an exported JSON or YAML file (sent as text in ``document``)."""
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        document = services.document_parse(data["document"], data.get("format"))
        team = services.team_for_campaigns(user=request.user, team_id=data.get("team"))
        campaign = services.campaign_import(
            user=request.user,
            document=document,
            team=team,
            visibility=data["visibility"],
            name=data.get("name") or None,
        )
        return self._out(campaign, status.HTTP_201_CREATED)
