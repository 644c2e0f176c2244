"""Runs, their steps and items, launches, batches, events."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ... import policies, selectors
from ...graph.shapes import (
    ChildRunProgress,
    Graph,
    RunBlock,
    RunParent,
    RunPermissions,
)
from ...models import (
    Run,
    RunEvent,
    StepItem,
    StepRun,
)
from ...services.campaigns.layout import campaign_graph
from ...services.definitions import TEST_INPUTS_KEY
from ..params import MAX_ID
from ..schema import component_ref
from .fields import (
    ParameterValuesField,
    TextField,
    _request_user,
)


class StepRunSerializer(serializers.ModelSerializer):
    step = TextField(source="step_id")

    class Meta:
        model = StepRun
        fields = [
            "step",
            "name",
            "backend",
            "state",
            "attempts",
            "queued_at",
            "started_at",
            "finished_at",
            "result",
            "error",
            "reclaims",
            "child_run",
        ]
        read_only_fields = fields


class StepItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = StepItem
        fields = ["index", "value", "state", "attempts", "started_at", "finished_at", "result", "error", "child_run"]
        read_only_fields = fields


class RunSerializer(serializers.ModelSerializer):
    parameters = ParameterValuesField(read_only=True)
    version = serializers.IntegerField(source="version.number")
    campaign_name = TextField(source="campaign.name")
    owner = TextField(source="owner.username")
    steps = StepRunSerializer(source="step_runs", many=True)
    permissions = serializers.SerializerMethodField()
    parent = serializers.SerializerMethodField()

    class Meta:
        model = Run
        fields = [
            "id",
            "kind",
            "campaign",
            "campaign_name",
            "version",
            "owner",
            "batch",
            "state",
            "parameters",
            "max_parallel",
            "created_at",
            "started_at",
            "finished_at",
            "last_seq",
            "steps",
            "permissions",
            "parent",
        ]
        read_only_fields = fields

    @extend_schema_field(component_ref(RunParent, nullable=True))
    def get_parent(self, run):
        """For a child run: the run and workflow step (and for_each item) that started it."""
        if run.parent_id is None:
            return None
        return {"run": run.parent_id, "step": run.parent_step_id, "item": run.parent_item}

    @extend_schema_field(component_ref(RunPermissions))
    def get_permissions(self, run):
        """``operate``: may this user cancel or retry the run."""
        user = _request_user(self)
        return {"operate": bool(user and policies.run_operable_by(run, user))}


class RunDetailSerializer(RunSerializer):
    graph = serializers.SerializerMethodField()
    blocks = serializers.SerializerMethodField()

    items = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "graph", "blocks", "items", "children"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=StepItemSerializer(many=True)))
    def get_items(self, run):
        """The items of each for_each step, by step id."""
        out: dict[str, list] = {}
        for item in selectors.run_step_items(run):
            out.setdefault(item.step_run.step_id, []).append(StepItemSerializer(item).data)
        return out

    @extend_schema_field(component_ref(ChildRunProgress, many=True))
    def get_children(self, run):
        """Progress of each child run: ``{id, step, item, state, done, total}``."""
        return selectors.run_children_progress(run)

    @extend_schema_field(component_ref(Graph))
    def get_graph(self, run):
        """What the run executes; a run of the current version is drawn where the campaign's layout puts its steps."""
        if run.test_graph is not None:
            return {k: v for k, v in run.test_graph.items() if k != TEST_INPUTS_KEY}
        return campaign_graph(run.campaign, run.version)

    @extend_schema_field(component_ref(RunBlock, many=True))
    def get_blocks(self, run):
        return selectors.run_blocks(run)


class RunSummarySerializer(RunSerializer):
    """A run without its step rows: how many steps are in each state (``?steps=summary``)."""

    step_counts = serializers.SerializerMethodField()
    step_total = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [f for f in RunSerializer.Meta.fields if f != "steps"] + ["step_counts", "step_total"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_step_counts(self, run):
        return self.context["step_counts"].get(run.pk, {})

    def get_step_total(self, run) -> int:
        return sum(self.context["step_counts"].get(run.pk, {}).values())


class LaunchSerializer(serializers.Serializer):
    """Either one run (``parameters``) or a batch of runs (``instances``)."""

    parameters = serializers.JSONField(required=False, default=dict)
    instances = serializers.JSONField(required=False)
    max_parallel = serializers.JSONField(required=False, default=None)

    def validate(self, attrs):
        if "instances" in attrs and "parameters" in self.initial_data:
            raise serializers.ValidationError({"instances": ["send either parameters or instances, not both"]})
        return attrs


class StepTestSerializer(serializers.Serializer):
    """One step of the campaign, as the editor has it (unsaved), with sample values to run it with."""

    step = serializers.JSONField(help_text="the step definition, as in graph.steps")
    parameters = serializers.JSONField(required=False, default=dict, help_text="sample campaign parameter values")
    upstream = serializers.JSONField(
        required=False, default=dict, help_text="sample results of upstream steps, by step id ({{ steps.ID.result }})"
    )


class RetrySerializer(serializers.Serializer):
    # min_length puts minItems in the schema (allow_empty=False alone would not).
    steps = serializers.ListField(child=TextField(), required=False, allow_empty=False, min_length=1)


class BulkRunsSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, allow_empty=False, min_length=1
    )
    batch = serializers.IntegerField(max_value=MAX_ID, required=False, min_value=1)

    def validate(self, attrs):
        if ("ids" in attrs) == ("batch" in attrs):
            raise serializers.ValidationError({"ids": ["send either ids or batch"]})
        return attrs


class BatchRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = TextField()
    parameters = ParameterValuesField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class BatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.IntegerField()
    campaign_name = TextField()
    owner = TextField()
    created_at = serializers.DateTimeField()
    state = TextField()
    counts = serializers.DictField(child=serializers.IntegerField())
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    runs = BatchRunSerializer(many=True)


class LaunchedRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()


class BatchLaunchSerializer(serializers.Serializer):
    """The answer to a batch launch: what a client needs to follow the runs, not the runs themselves."""

    batch = serializers.IntegerField()
    campaign = serializers.IntegerField()
    version = serializers.IntegerField()
    count = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    runs = LaunchedRunSerializer(many=True)


class RunEventSerializer(serializers.ModelSerializer):
    """A stored event as the websocket sends it; its schema is ``RunEventMessage`` (``api/schema.py``)."""

    run = serializers.IntegerField(source="run_id")
    step = TextField(source="step_id", allow_null=True)

    class Meta:
        model = RunEvent
        fields = ["seq", "run", "step", "type", "state", "at", "data"]
