"""Teams, members and roles; a team you are not in answers 404."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from ... import policies, selectors, services
from ...models import UserCapabilities
from ..params import whole_number
from ..serializers import (
    MembershipSerializer,
    MemberWriteSerializer,
    TeamSerializer,
    TeamWriteSerializer,
    UserBriefSerializer,
    UserCreateSerializer,
    UserRightsSerializer,
)


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TeamSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.teams_visible_to(self.request.user).order_by("name")

    def _out(self, team, code=status.HTTP_200_OK):
        selectors.user_team_roles_forget(self.request.user)
        return Response(TeamSerializer(team, context={"request": self.request}).data, status=code)

    @extend_schema(request=TeamWriteSerializer, responses={201: TeamSerializer})
    def create(self, request):
        """Create a team; you become its admin."""
        body = TeamWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._out(services.team_create(user=request.user, **body.validated_data), status.HTTP_201_CREATED)

    @extend_schema(request=TeamWriteSerializer, responses=TeamSerializer)
    def partial_update(self, request, pk=None):
        team = self.get_object()
        body = TeamWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return self._out(services.team_update(team=team, user=request.user, **body.validated_data))

    def destroy(self, request, pk=None):
        services.team_delete(team=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=MemberWriteSerializer, responses={201: MembershipSerializer})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        """Add a member by username with a role (admins)."""
        team = self.get_object()
        body = MemberWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.member_add(
            team=team, user=request.user, username=request.data.get("username"), role=body.validated_data["role"]
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    def _membership(self, team, user_id):
        membership = team.memberships.select_related("user").filter(user_id=user_id).first()
        if membership is None:
            raise NotFound(f"user {user_id} is not a member of {team.name!r}")
        return membership

    @extend_schema(request=MemberWriteSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["patch", "delete"], url_path=r"members/(?P<user_id>\d+)")
    def member(self, request, pk=None, user_id=None):
        """Change a member's role, or remove them (admins; anyone may leave)."""
        team = self.get_object()
        membership = self._membership(team, whole_number(user_id, "user_id", what="must be a user id"))
        if request.method == "DELETE":
            services.member_remove(membership=membership, user=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        body = MemberWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.member_role_set(
            membership=membership, user=request.user, role=body.validated_data["role"]
        )
        return Response(MembershipSerializer(membership).data)


@extend_schema(methods=["GET"], parameters=[OpenApiParameter("search", str)], responses=UserBriefSerializer(many=True))
@extend_schema(methods=["POST"], request=UserCreateSerializer, responses={201: UserBriefSerializer})
@api_view(["GET", "POST"])
def users(request):
    """GET: your teammates by name, or everyone for staff; a search for an exact username also finds that
    user (to add them to a team); POST: create a user (administrators)."""
    if request.method == "POST":
        body = UserCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.user_create(actor=request.user, **body.validated_data)
        return Response({"id": user.pk, "username": user.username}, status=status.HTTP_201_CREATED)
    active = get_user_model().objects.filter(is_active=True)
    search = request.query_params.get("search", "").strip()
    if request.user.is_staff:
        queryset = active.filter(username__icontains=search) if search else active
    else:
        teammates = Q(memberships__team__memberships__user=request.user)
        queryset = active.filter(teammates & Q(username__icontains=search) if search else teammates)
        if search:
            queryset = active.filter(pk__in=queryset.values("pk")) | active.filter(username__iexact=search)
    queryset = queryset.distinct().order_by("username")
    return Response([{"id": u.pk, "username": u.username} for u in queryset[:20]])


def _rights(user) -> dict:
    allowed = UserCapabilities.objects.filter(user=user, may_run_executables=True).exists()
    return {"id": user.pk, "username": user.username, "may_run_executables": allowed}


@extend_schema(methods=["GET"], responses=UserRightsSerializer)
@extend_schema(methods=["PATCH"], request=UserRightsSerializer, responses=UserRightsSerializer)
@api_view(["GET", "PATCH"])
def user_rights(request, user_id: int):
    """A user's rights beyond their teams (site admins): may they run executable steps outside any team?"""
    refusal = policies.USER_MANAGE.refusal(None, request.user, verb="see or change what other users may do")
    if refusal:
        raise PermissionDenied(refusal)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id < 2**63 else None
    if user is None:
        raise NotFound(f"no user {user_id}")
    if request.method == "PATCH":
        body = UserRightsSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "may_run_executables" in body.validated_data:
            services.user_executables_set(
                actor=request.user, user=user, allowed=body.validated_data["may_run_executables"]
            )
    return Response(_rights(user))
