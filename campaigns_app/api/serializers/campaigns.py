"""Campaigns, their versions, forks, imports."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ... import policies
from ...graph.layout import CampaignLayout, graph_with_positions
from ...graph.shapes import (
    CampaignParameter,
    CampaignPermissions,
    ForkedFrom,
    Graph,
)
from ...models import (
    Campaign,
    CampaignVersion,
    Visibility,
)
from ...services.campaigns.layout import layout_effective, layout_revision
from ..params import MAX_ID
from ..schema import component_ref
from .fields import (
    ExecutableRightSerializer,
    GraphField,
    ParametersField,
    TagsField,
    TextField,
    _request_user,
)


class CampaignSerializer(serializers.ModelSerializer):
    tags = TagsField(read_only=True)
    owner = TextField(source="owner.username", read_only=True)
    team_name = serializers.SerializerMethodField()
    parameters = serializers.SerializerMethodField()
    graph = serializers.SerializerMethodField()
    layout = serializers.SerializerMethodField()
    layout_revision = serializers.SerializerMethodField()
    forked_from = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()
    denials = serializers.SerializerMethodField()
    executables = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "description",
            "version",
            "owner",
            "team",
            "team_name",
            "visibility",
            "tags",
            "forked_from",
            "permissions",
            "denials",
            "executables",
            "parameters",
            "graph",
            "layout",
            "layout_revision",
            "created_at",
            "updated_at",
            "last_used_at",
        ]
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

    def _layout(self, campaign):
        cached = getattr(campaign, "_layout_cache", None)
        if cached is None:
            cached = campaign._layout_cache = layout_effective(campaign.layout, self._version(campaign).graph)
        return cached

    @extend_schema_field(component_ref(Graph))
    def get_graph(self, campaign):
        """The current version's graph, each step where the campaign's layout puts it now."""
        return graph_with_positions(self._version(campaign).graph, self._layout(campaign)["positions"])

    @extend_schema_field(component_ref(CampaignLayout))
    def get_layout(self, campaign):
        """Step positions and sticky notes: saved on the campaign, without a new version."""
        return self._layout(campaign)

    @extend_schema_field(serializers.IntegerField())
    def get_layout_revision(self, campaign):
        """Bumped by each change of the layout: send it back as ``layout_revision`` to have a stale save refused."""
        return layout_revision(campaign)

    @extend_schema_field(component_ref(ForkedFrom, nullable=True))
    def get_forked_from(self, campaign):
        """The campaign and version this one was forked from; name and owner only while visible."""
        if campaign.forked_from_version is None:
            return None
        parent = campaign.forked_from
        user = _request_user(self)
        visible = parent is not None and user is not None and policies.campaign_visible(parent, user)
        return {
            "id": campaign.forked_from_id,
            "version": campaign.forked_from_version,
            "name": parent.name if visible else None,
            "owner": parent.owner.username if visible else None,
            "deleted": parent is None,
        }

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
    layout = serializers.JSONField(
        required=False,
        help_text=(
            "{positions: {step id: {x, y}}, notes: [{id, text, x, y, width, height, color}]}: positions move the "
            "steps they name, notes replace the notes; neither makes a new version"
        ),
    )
    tags = serializers.JSONField(required=False)
    team = serializers.IntegerField(max_value=MAX_ID, required=False, allow_null=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    base_version = serializers.IntegerField(
        max_value=MAX_ID,
        required=False,
        min_value=1,
        help_text="the version this edit started from; 409 if it moved on",
    )
    layout_revision = serializers.IntegerField(
        max_value=MAX_ID,
        required=False,
        min_value=0,
        help_text=(
            "the layout revision this edit started from; 409 (code layout_conflict, with the current layout) "
            "if the save would change a layout changed since"
        ),
    )


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


class CampaignVersionDetailSerializer(CampaignVersionSerializer):
    parameters = ParametersField(read_only=True)
    graph = GraphField(read_only=True)

    class Meta(CampaignVersionSerializer.Meta):
        fields = [*CampaignVersionSerializer.Meta.fields, "parameters", "graph"]
