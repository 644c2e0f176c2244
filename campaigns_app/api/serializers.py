from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import selectors
from ..models import Campaign, Run, RunEvent, StepRun


class CampaignSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    parameters = serializers.SerializerMethodField()
    graph = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = ["id", "name", "description", "version", "owner", "parameters", "graph", "created_at",
                  "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.JSONField())
    def get_parameters(self, campaign):
        return campaign.current_version.parameters

    @extend_schema_field(serializers.JSONField())
    def get_graph(self, campaign):
        return campaign.current_version.graph


class CampaignWriteSerializer(serializers.Serializer):
    """Shape of create/update bodies; the definition itself is checked by the graph validator."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, default="")
    parameters = serializers.JSONField(required=False)
    graph = serializers.JSONField()


class StepRunSerializer(serializers.ModelSerializer):
    step = serializers.CharField(source="step_id")

    class Meta:
        model = StepRun
        fields = ["step", "name", "backend", "state", "attempts", "queued_at", "started_at", "finished_at",
                  "result", "error", "reclaims"]


class RunSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number")
    campaign_name = serializers.CharField(source="campaign.name")
    owner = serializers.CharField(source="owner.username")
    steps = StepRunSerializer(source="step_runs", many=True)

    class Meta:
        model = Run
        fields = ["id", "campaign", "campaign_name", "version", "owner", "batch", "state", "parameters", "max_parallel",
                  "created_at",
                  "started_at", "finished_at", "last_seq", "steps"]
        read_only_fields = fields


class RunDetailSerializer(RunSerializer):
    graph = serializers.SerializerMethodField()
    blocks = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "graph", "blocks"]
        read_only_fields = fields

    @extend_schema_field(serializers.JSONField())
    def get_graph(self, run):
        return run.version.graph

    @extend_schema_field(serializers.JSONField())
    def get_blocks(self, run):
        return selectors.run_blocks(run)


class LaunchSerializer(serializers.Serializer):
    """Either one run (``parameters``) or a batch of runs (``instances``)."""

    parameters = serializers.JSONField(required=False, default=dict)
    instances = serializers.JSONField(required=False)
    max_parallel = serializers.JSONField(required=False, default=None)

    def validate(self, attrs):
        if "instances" in attrs and "parameters" in self.initial_data:
            raise serializers.ValidationError({"instances": ["send either parameters or instances, not both"]})
        return attrs


class RetrySerializer(serializers.Serializer):
    steps = serializers.ListField(child=serializers.CharField(), required=False, allow_empty=False)


class BulkRunsSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, allow_empty=False)
    batch = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        if ("ids" in attrs) == ("batch" in attrs):
            raise serializers.ValidationError({"ids": ["send either ids or batch"]})
        return attrs


class BatchRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    parameters = serializers.JSONField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class BatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.IntegerField()
    campaign_name = serializers.CharField()
    owner = serializers.CharField()
    created_at = serializers.DateTimeField()
    state = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    runs = BatchRunSerializer(many=True)


class RunEventSerializer(serializers.ModelSerializer):
    run = serializers.IntegerField(source="run_id")
    step = serializers.CharField(source="step_id", allow_null=True)

    class Meta:
        model = RunEvent
        fields = ["seq", "run", "step", "type", "state", "at", "data"]


class FunctionSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    schema = serializers.JSONField()


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
