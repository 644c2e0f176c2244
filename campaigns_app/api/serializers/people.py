"""Users, logins, tokens, teams and the audit trail."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ... import selectors
from ...models import (
    ApiToken,
    AuditEntry,
    Membership,
    Role,
    Team,
    Visibility,
)
from .fields import (
    ExecutableRightSerializer,
    FlagField,
    TextField,
    _request_user,
)


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
    executables = ExecutableRightSerializer(
        required=False, help_text="whether you may use executable steps outside any team"
    )


class UserRightsSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = TextField(read_only=True)
    may_run_executables = FlagField(
        help_text="campaigns outside any team may hold executable steps for this user (site admins set it)"
    )


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
        fields = [
            "id",
            "name",
            "description",
            "may_run_executables",
            "executable_min_role",
            "role",
            "members",
            "campaigns",
            "created_at",
        ]
        read_only_fields = ["id", "may_run_executables", "role", "members", "campaigns", "created_at"]

    @extend_schema_field(TextField(allow_null=True))
    def get_role(self, team):
        user = _request_user(self)
        return selectors.team_role(team, user) if user else None

    @extend_schema_field(MembershipSerializer(many=True))
    def get_members(self, team):
        return MembershipSerializer(team.memberships.select_related("user").order_by("user__username"), many=True).data

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
    campaign = serializers.IntegerField(source="about_campaign_id", allow_null=True)
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
