"""Runs, their events, and batches of runs."""

from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ... import selectors, services
from ...graph.shapes import RunBlock
from ...models import RunKind, StepRun, StepState
from ..filters import STEPS_FORMS, RunFilter
from ..pagination import StudioPagination
from ..params import query_int
from ..permissions import RunOperatePermission
from ..schema import component_ref
from ..serializers import (
    BatchSerializer,
    BulkRunsSerializer,
    RetrySerializer,
    RunDetailSerializer,
    RunEventSerializer,
    RunSerializer,
    RunSummarySerializer,
    StepRunSerializer,
)

STEPS_PARAMETER = OpenApiParameter(
    "steps",
    str,
    enum=list(STEPS_FORMS),
    description="`summary`: no step rows, counts per state instead (page through rows at /runs/{id}/steps/)",
)


# ``?steps=summary`` answers the summary shape (no step rows, counts instead); the schema says which is which.
RUN_OR_SUMMARY = PolymorphicProxySerializer(
    component_name="RunOrSummary", serializers=[RunSerializer, RunSummarySerializer], resource_type_field_name=None
)
RUN_DETAIL_OR_SUMMARY = PolymorphicProxySerializer(
    component_name="RunDetailOrSummary",
    serializers=[RunDetailSerializer, RunSummarySerializer],
    resource_type_field_name=None,
)


class StepPagination(StudioPagination):
    page_size = 500


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RunSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RunFilter

    def _summary(self) -> bool:
        form = self.request.query_params.get("steps", "all")
        if form not in STEPS_FORMS:
            raise ValidationError({"steps": [f"must be one of {', '.join(STEPS_FORMS)}"]})
        return form == "summary" and self.action in ("list", "retrieve")

    def get_queryset(self):
        visible = selectors.runs_visible_to(self.request.user)
        if self.action == "list" and "kind" not in self.request.query_params:
            visible = visible.exclude(kind=RunKind.TEST)
        if self._summary() or self.action in ("events", "blocks"):
            # No step rows: a 20 000-step run's rows are megabytes, which a summary or an events poll never reads.
            return visible.select_related("campaign", "version", "owner")
        return selectors.runs_with_steps(visible)

    def get_serializer_class(self):
        if self._summary():
            return RunSummarySerializer
        return RunDetailSerializer if self.action == "retrieve" else RunSerializer

    def get_serializer(self, *args, **kwargs):
        if self._summary():
            runs = args[0] if args else kwargs.get("instance")
            ids = [run.pk for run in (runs if isinstance(runs, (list, tuple)) else [runs])]
            kwargs["context"] = {**self.get_serializer_context(), "step_counts": selectors.run_step_counts(ids)}
            return RunSummarySerializer(*args, **kwargs)
        return super().get_serializer(*args, **kwargs)

    @extend_schema(responses=RUN_OR_SUMMARY)
    def list(self, request, *args, **kwargs):
        """Runs with their step rows (default), or their ``summary`` (``?steps=summary``)."""
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[STEPS_PARAMETER], responses=RUN_DETAIL_OR_SUMMARY)
    def retrieve(self, request, *args, **kwargs):
        """The run with every step row (default), or its ``summary`` for runs too big to fetch whole."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "state",
                {"type": "array", "items": {"type": "string", "enum": [*StepState.values, ""]}},
                description="comma-separated step states (empty items are skipped)",
            )
        ],
        responses=StepRunSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="steps", pagination_class=StepPagination)
    def step_rows(self, request, pk=None):
        """The run's steps in graph order, a page at a time (``page``, ``page_size`` up to 2000)."""
        run = get_object_or_404(selectors.runs_visible_to(request.user), pk=pk)
        rows = StepRun.objects.filter(run_id=run.pk).order_by("order")
        states = [s for s in request.query_params.get("state", "").split(",") if s]
        if states:
            unknown = sorted(set(states) - set(StepState.values))
            if unknown:
                raise ValidationError({"state": [f"unknown state(s) {', '.join(unknown)}"]})
            rows = rows.filter(state__in=states)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(StepRunSerializer(page, many=True).data)

    @extend_schema(parameters=[OpenApiParameter("after", int)], responses=RunEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, pk=None):
        run = self.get_object()
        after = query_int(request, "after", default=0, what="must be a non-negative integer")
        return Response(selectors.run_events_after(run.pk, after))

    @extend_schema(responses={200: component_ref(RunBlock, many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def blocks(self, request, pk=None):
        """Each block of the run with its state folded from its steps' (``graph/states.py``), as in the detail.

        The run page asks again when a block's steps change state, so the browser shows the server's fold
        rather than folding the states itself.
        """
        return Response(selectors.run_blocks(self.get_object()))

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
        return Response(
            services.runs_apply(
                verb=verb,
                ids=body.validated_data.get("ids"),
                batch=body.validated_data.get("batch"),
                user=request.user,
                visible=selectors.runs_visible_to(request.user),
            )
        )

    @extend_schema(request=BulkRunsSerializer, responses=OpenApiTypes.OBJECT, operation_id="runs_cancel_many")
    @action(detail=False, methods=["post"], url_path="cancel")
    def cancel_many(self, request):
        """Cancel several runs: ``{"ids": [...]}`` or ``{"batch": id}``."""
        return self._bulk(request, "cancel")

    @extend_schema(request=BulkRunsSerializer, responses=OpenApiTypes.OBJECT, operation_id="runs_retry_many")
    @action(detail=False, methods=["post"], url_path="retry")
    def retry_many(self, request):
        """Resume every failed step of several runs: ``{"ids": [...]}`` or ``{"batch": id}``."""
        return self._bulk(request, "retry")


@extend_schema(parameters=[OpenApiParameter("tail", int)], responses={(200, "text/plain"): OpenApiTypes.STR})
@api_view(["GET"])
def step_log(request, run_id: int, step: str):
    """A step's whole log as plain text (every attempt), or its last ``tail`` lines."""
    run = get_object_or_404(selectors.runs_visible_to(request.user), pk=run_id)
    tail = query_int(request, "tail", what="must be a non-negative integer")
    text = selectors.step_log_text(run.pk, step, tail=tail)
    if text is None:
        raise NotFound(f"run {run.pk} has no step {step!r}")
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


class BatchViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BatchSerializer

    def get_queryset(self):
        return selectors.batches_visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        return Response(BatchSerializer(selectors.batch_summary(self.get_object())).data)
