"""Runs, their events, and batches of runs."""

from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ... import selectors, services
from ..filters import RunFilter
from ..permissions import RunOperatePermission
from ..serializers import (
    BatchSerializer,
    BulkRunsSerializer,
    RetrySerializer,
    RunDetailSerializer,
    RunEventSerializer,
    RunSerializer,
)


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RunSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RunFilter

    def get_queryset(self):
        return selectors.runs_with_steps(selectors.runs_visible_to(self.request.user))

    def get_serializer_class(self):
        return RunDetailSerializer if self.action == "retrieve" else RunSerializer

    @extend_schema(parameters=[OpenApiParameter("after", int)], responses=RunEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, pk=None):
        run = self.get_object()
        raw = request.query_params.get("after", "0")
        if not raw.isdigit():
            raise ValidationError({"after": ["must be a non-negative integer"]})
        return Response(selectors.run_events_after(run.pk, int(raw)))

    def _detail(self, run_id: int):
        run = self.get_queryset().get(pk=run_id)
        return Response(RunDetailSerializer(run, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=RunDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, RunOperatePermission])
    def cancel(self, request, pk=None):
        """Cancel the run: waiting steps at once, running ones as soon as they stop."""
        run = self.get_object()
        services.run_cancel(run_id=run.pk, user=request.user)
        return self._detail(run.pk)

    @extend_schema(request=RetrySerializer, responses=RunDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, RunOperatePermission])
    def retry(self, request, pk=None):
        """Resume from failure; with ``steps``, re-run those steps and everything downstream."""
        run = self.get_object()
        body = RetrySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.run_retry(run_id=run.pk, step_ids=body.validated_data.get("steps"), user=request.user)
        return self._detail(run.pk)

    def _bulk(self, request, verb: str):
        body = BulkRunsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(services.runs_apply(verb=verb, ids=body.validated_data.get("ids"),
                                            batch=body.validated_data.get("batch"), user=request.user,
                                            visible=selectors.runs_visible_to(request.user)))

    @extend_schema(request=BulkRunsSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"], url_path="cancel")
    def cancel_many(self, request):
        """Cancel several runs: ``{"ids": [...]}`` or ``{"batch": id}``."""
        return self._bulk(request, "cancel")

    @extend_schema(request=BulkRunsSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"], url_path="retry")
    def retry_many(self, request):
        """Resume every failed step of several runs: ``{"ids": [...]}`` or ``{"batch": id}``."""
        return self._bulk(request, "retry")


@extend_schema(parameters=[OpenApiParameter("tail", int)], responses={(200, "text/plain"): OpenApiTypes.STR})
@api_view(["GET"])
def step_log(request, run_id: int, step: str):
    """A step's whole log as plain text (every attempt), or its last ``tail`` lines."""
    run = get_object_or_404(selectors.runs_visible_to(request.user), pk=run_id)
    raw = request.query_params.get("tail")
    if raw is not None and not raw.isdigit():
        raise ValidationError({"tail": ["must be a non-negative integer"]})
    text = selectors.step_log_text(run.pk, step, tail=int(raw) if raw is not None else None)
    if text is None:
        raise NotFound(f"run {run.pk} has no step {step!r}")
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


class BatchViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BatchSerializer

    def get_queryset(self):
        return selectors.batches_visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        return Response(BatchSerializer(selectors.batch_summary(self.get_object())).data)
