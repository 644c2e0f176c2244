from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import policies, selectors
from ..graph.shapes import (
    CampaignParameter,
    CampaignPermissions,
    ChildRunProgress,
    ForkedFrom,
    Graph,
    RunBlock,
    RunParent,
    RunPermissions,
)
from ..models import (
    ApiToken,
    AuditEntry,
    Campaign,
    CampaignVersion,
    Membership,
    Role,
    Run,
    RunEvent,
    StepItem,
    StepRun,
    Team,
    Visibility,
)
from .params import MAX_ID
from .schema import component_ref


class TextField(serializers.CharField):
    """DRF's CharField without turning numbers into text: ``{"name": 0}`` is a 400, as the schema says."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class FlagField(serializers.BooleanField):
    """DRF's BooleanField without reading ``0``, ``"yes"`` or ``"on"`` as a boolean: JSON says true or false."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


def _request_user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class ExecutableRightSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    reason = TextField(allow_null=True, help_text="why not, and whom to ask")


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class TagsField(serializers.JSONField):
    pass


@extend_schema_field({"type": "object", "additionalProperties": {}})
class ParameterValuesField(serializers.JSONField):
    """A run's parameter values by name."""


class CampaignSerializer(serializers.ModelSerializer):
    tags = TagsField(read_only=True)
    owner = TextField(source="owner.username", read_only=True)
    team_name = serializers.SerializerMethodField()
    parameters = serializers.SerializerMethodField()
    graph = serializers.SerializerMethodField()
    forked_from = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()
    denials = serializers.SerializerMethodField()
    executables = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = ["id", "name", "description", "version", "owner", "team", "team_name", "visibility", "tags",
                  "forked_from", "permissions", "denials", "executables", "parameters", "graph", "created_at",
                  "updated_at", "last_used_at"]
        read_only_fields = fields

    def _version(self, campaign):
        # The list prefetches it (``CampaignViewSet.get_queryset``); otherwise one query per campaign.
        prefetched = getattr(campaign, "current_versions", None)
        if prefetched:
            return prefetched[0]
        cached = getattr(campaign, "_current_version_cache", None)
        if cached is None:
            cached = campaign._current_version_cache = campaign.current_version
        return cached

    @extend_schema_field(TextField(allow_null=True))
    def get_team_name(self, campaign):
        return campaign.team.name if campaign.team_id else None

    @extend_schema_field(component_ref(CampaignParameter, many=True))
    def get_parameters(self, campaign):
        return self._version(campaign).parameters

    @extend_schema_field(component_ref(Graph))
    def get_graph(self, campaign):
        return self._version(campaign).graph

    @extend_schema_field(component_ref(ForkedFrom, nullable=True))
    def get_forked_from(self, campaign):
        """The campaign and version this one was forked from; name and owner only while visible."""
        if campaign.forked_from_version is None:
            return None
        parent = campaign.forked_from
        user = _request_user(self)
        visible = parent is not None and user is not None and policies.campaign_visible(parent, user)
        return {"id": campaign.forked_from_id, "version": campaign.forked_from_version,
                "name": parent.name if visible else None, "owner": parent.owner.username if visible else None,
                "deleted": parent is None}

    @extend_schema_field(component_ref(CampaignPermissions))
    def get_permissions(self, campaign):
        user = _request_user(self)
        if user is None:
            return {}
        version = self._version(campaign)
        return policies.campaign_permissions(campaign, user, version.graph if version is not None else {})

    @extend_schema_field(serializers.DictField(child=serializers.CharField(allow_null=True)))
    def get_denials(self, campaign):
        """Why the user may not launch, edit or fork it, and what to do (null where they may)."""
        user = _request_user(self)
        if user is None:
            return {}
        version = self._version(campaign)
        return policies.campaign_denials(campaign, user, version.graph if version is not None else {})

    @extend_schema_field(ExecutableRightSerializer)
    def get_executables(self, campaign):
        """May this user save, launch and retry executable steps in this campaign (its team, or none)?"""
        user = _request_user(self)
        if user is None:
            return None
        reason = policies.executables_reason(user, campaign.team if campaign.team_id else None)
        return {"allowed": reason is None, "reason": reason}


class CampaignWriteSerializer(serializers.Serializer):
    """Shape of create/update bodies; the definition itself is checked by the graph validator."""

    name = TextField(max_length=200)
    description = TextField(allow_blank=True, required=False, default="")
    parameters = serializers.JSONField(required=False)
    graph = serializers.JSONField()
    tags = serializers.JSONField(required=False)
    team = serializers.IntegerField(max_value=MAX_ID, required=False, allow_null=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    base_version = serializers.IntegerField(max_value=MAX_ID, required=False, min_value=1,
                                            help_text="the version this edit started from; 409 if it moved on")


class ForkSerializer(serializers.Serializer):
    name = TextField(max_length=200, required=False, allow_blank=True)
    team = serializers.IntegerField(max_value=MAX_ID, required=False, allow_null=True)


class RestoreSerializer(serializers.Serializer):
    base_version = serializers.IntegerField(max_value=MAX_ID, required=False, min_value=1)


class ImportSerializer(serializers.Serializer):
    document = serializers.JSONField(help_text="the file's text (JSON or YAML), or the document object")
    format = serializers.ChoiceField(choices=["json", "yaml"], required=False)
    name = TextField(max_length=200, required=False, allow_blank=True)
    team = serializers.IntegerField(max_value=MAX_ID, required=False, allow_null=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False, default=Visibility.PRIVATE)


class CampaignVersionSerializer(serializers.ModelSerializer):
    created_by = TextField(source="created_by.username")
    steps = serializers.SerializerMethodField()

    class Meta:
        model = CampaignVersion
        fields = ["number", "created_by", "created_at", "note", "steps"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField())
    def get_steps(self, version):
        return len(version.graph.get("steps", []))


@extend_schema_field(component_ref(Graph))
class GraphField(serializers.JSONField):
    pass


@extend_schema_field(component_ref(CampaignParameter, many=True))
class ParametersField(serializers.JSONField):
    pass


class CampaignVersionDetailSerializer(CampaignVersionSerializer):
    parameters = ParametersField(read_only=True)
    graph = GraphField(read_only=True)

    class Meta(CampaignVersionSerializer.Meta):
        fields = [*CampaignVersionSerializer.Meta.fields, "parameters", "graph"]


class StepRunSerializer(serializers.ModelSerializer):
    step = TextField(source="step_id")

    class Meta:
        model = StepRun
        fields = ["step", "name", "backend", "state", "attempts", "queued_at", "started_at", "finished_at",
                  "result", "error", "reclaims", "child_run"]
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
        fields = ["id", "campaign", "campaign_name", "version", "owner", "batch", "state", "parameters", "max_parallel",
                  "created_at", "started_at", "finished_at", "last_seq", "steps", "permissions", "parent"]
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
        return run.version.graph

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


class RetrySerializer(serializers.Serializer):
    steps = serializers.ListField(child=TextField(), required=False, allow_empty=False)


class BulkRunsSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
                                allow_empty=False)
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


class FunctionSerializer(serializers.Serializer):
    name = TextField()
    description = TextField()
    schema = serializers.JSONField()


class LoginSerializer(serializers.Serializer):
    username = TextField(max_length=150)
    # Bounded: hashing a megabyte-long guess would cost the server, not the guesser.
    password = TextField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = TextField()


class UserTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = TextField()
    role = TextField()
    may_run_executables = serializers.BooleanField(help_text="a site admin allowed this team executable steps")
    executables = ExecutableRightSerializer(help_text="whether you may use executable steps in this team")


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = TextField()
    is_staff = serializers.BooleanField()
    teams = UserTeamSerializer(many=True, required=False)
    executables = ExecutableRightSerializer(required=False,
                                            help_text="whether you may use executable steps outside any team")


class UserRightsSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = TextField(read_only=True)
    may_run_executables = FlagField(
        help_text="campaigns outside any team may hold executable steps for this user (site admins set it)")


class UserCreateSerializer(serializers.Serializer):
    username = TextField(max_length=150)
    password = TextField(style={"input_type": "password"})
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    is_staff = FlagField(required=False, default=False)


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = TextField()


class PasswordChangeSerializer(serializers.Serializer):
    old_password = TextField(style={"input_type": "password"})
    new_password = TextField(style={"input_type": "password"})


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "kind", "prefix", "created_at", "last_used_at"]
        read_only_fields = fields


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = TextField(help_text="the key; shown this once and never again")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class ApiTokenCreateSerializer(serializers.Serializer):
    name = TextField(max_length=100)


class MembershipSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.id")
    username = TextField(source="user.username")

    class Meta:
        model = Membership
        fields = ["user_id", "username", "role", "created_at"]
        read_only_fields = fields


class MemberWriteSerializer(serializers.Serializer):
    username = TextField(required=False)
    role = serializers.ChoiceField(choices=Role.choices)


class TeamSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()
    campaigns = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "name", "description", "may_run_executables", "executable_min_role", "role", "members",
                  "campaigns", "created_at"]
        read_only_fields = ["id", "may_run_executables", "role", "members", "campaigns", "created_at"]

    @extend_schema_field(TextField(allow_null=True))
    def get_role(self, team):
        user = _request_user(self)
        return selectors.team_role(team, user) if user else None

    @extend_schema_field(MembershipSerializer(many=True))
    def get_members(self, team):
        return MembershipSerializer(team.memberships.select_related("user").order_by("user__username"),
                                    many=True).data

    @extend_schema_field(serializers.IntegerField())
    def get_campaigns(self, team):
        return team.campaigns.exclude(visibility=Visibility.PRIVATE).count()


class TeamWriteSerializer(serializers.Serializer):
    name = TextField(max_length=100)
    description = TextField(required=False, allow_blank=True)
    executable_min_role = serializers.ChoiceField(choices=Role.choices, required=False)
    # Checked by the service: only site admins may set it (403 naming the field).
    may_run_executables = FlagField(required=False)


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = TextField(source="actor_name")
    team = serializers.IntegerField(source="team_id", allow_null=True)
    team_name = serializers.SerializerMethodField()
    campaign = serializers.IntegerField(source="campaign_id_ref", allow_null=True)
    target = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "action", "target", "team", "team_name", "campaign", "address", "details"]
        read_only_fields = fields

    @extend_schema_field(TextField(allow_null=True))
    def get_team_name(self, entry):
        return entry.team.name if entry.team_id else None

    @extend_schema_field(serializers.DictField())
    def get_target(self, entry):
        return {"type": entry.target_type, "id": entry.target_id, "name": entry.target_repr}
