"""Thin viewsets: they parse, check permissions and call one service or selector."""

from django.contrib.auth import authenticate, login, logout
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from .. import selectors, services
from ..step_functions import function_registry
from .permissions import CampaignEditPermission
from .serializers import (
    BatchSerializer,
    CampaignSerializer,
    CampaignWriteSerializer,
    FunctionSerializer,
    LaunchSerializer,
    LoginSerializer,
    RunDetailSerializer,
    RunEventSerializer,
    RunSerializer,
    UserSerializer,
)


class CampaignViewSet(viewsets.ModelViewSet):
    serializer_class = CampaignSerializer
    permission_classes = [IsAuthenticated, CampaignEditPermission]

    def get_queryset(self):
        return selectors.campaigns_visible_to(self.request.user)

    @extend_schema(request=CampaignWriteSerializer, responses={201: CampaignSerializer})
    def create(self, request, *args, **kwargs):
        body = CampaignWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        campaign = services.campaign_create(owner=request.user, **body.validated_data)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CampaignWriteSerializer, responses={200: CampaignSerializer})
    def update(self, request, *args, **kwargs):
        campaign = self.get_object()
        body = CampaignWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if kwargs.get("partial"):
            data = {k: v for k, v in data.items() if k in request.data}
        campaign = services.campaign_update(campaign=campaign, user=request.user, **data)
        return Response(CampaignSerializer(campaign).data)

    def perform_destroy(self, instance):
        services.campaign_delete(campaign=instance)

    @extend_schema(request=LaunchSerializer, responses={201: RunDetailSerializer})
    @action(detail=True, methods=["post"], url_path="runs")
    def launch(self, request, pk=None):
        """Launch one run (``parameters``) or, with ``instances``, a batch of runs in one transaction."""
        campaign = self.get_object()
        body = LaunchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        visible = selectors.runs_with_steps(selectors.runs_visible_to(request.user))
        if "instances" in body.validated_data:
            batch, runs = services.batch_launch(campaign=campaign, user=request.user,
                                                instances=body.validated_data["instances"])
            runs = visible.filter(pk__in=[r.pk for r in runs]).order_by("pk")
            return Response({"batch": batch.pk, "runs": RunDetailSerializer(runs, many=True).data},
                            status=status.HTTP_201_CREATED)
        run = services.run_launch(campaign=campaign, user=request.user,
                                  parameters=body.validated_data.get("parameters"))
        return Response(RunDetailSerializer(visible.get(pk=run.pk)).data, status=status.HTTP_201_CREATED)


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RunSerializer

    def get_queryset(self):
        queryset = selectors.runs_with_steps(selectors.runs_visible_to(self.request.user))
        state = self.request.query_params.get("state")
        if state:
            queryset = queryset.filter(state__in=state.split(","))
        campaign = self.request.query_params.get("campaign")
        if campaign:
            if not campaign.isdigit():
                raise ValidationError({"campaign": ["must be a campaign id"]})
            queryset = queryset.filter(campaign_id=int(campaign))
        return queryset

    def get_serializer_class(self):
        return RunDetailSerializer if self.action == "retrieve" else RunSerializer

    @extend_schema(
        parameters=[OpenApiParameter("state", str), OpenApiParameter("campaign", int)],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[OpenApiParameter("after", int)], responses=RunEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, pk=None):
        run = self.get_object()
        raw = request.query_params.get("after", "0")
        if not raw.isdigit():
            raise ValidationError({"after": ["must be a non-negative integer"]})
        return Response(selectors.run_events_after(run.pk, int(raw)))


class BatchViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BatchSerializer

    def get_queryset(self):
        return selectors.batches_visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        return Response(BatchSerializer(selectors.batch_summary(self.get_object())).data)


@extend_schema(responses=FunctionSerializer(many=True))
@api_view(["GET"])
def functions_list(request):
    return Response([fn.as_dict() for fn in sorted(function_registry().values(), key=lambda f: f.name)])


def _user_payload(user) -> dict:
    return UserSerializer({"id": user.pk, "username": user.get_username(), "is_staff": user.is_staff}).data


@extend_schema(request=LoginSerializer, responses={200: None})
@api_view(["POST"])
@permission_classes([AllowAny])
def token_obtain(request):
    """Exchange a username and password for the user's API token."""
    body = LoginSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    user = authenticate(request, **body.validated_data)
    if user is None:
        raise ValidationError({"detail": "wrong username or password"})
    token, _ = Token.objects.get_or_create(user=user)
    return Response({"token": token.key})


@extend_schema(request=LoginSerializer, responses=UserSerializer)
@api_view(["POST"])
@permission_classes([AllowAny])
def session_login(request):
    body = LoginSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    user = authenticate(request, **body.validated_data)
    if user is None:
        raise ValidationError({"detail": "wrong username or password"})
    login(request, user)
    return Response(_user_payload(user))


@extend_schema(request=None, responses={204: None})
@api_view(["POST"])
def session_logout(request):
    logout(request)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses=UserSerializer)
@api_view(["GET"])
def me(request):
    return Response(_user_payload(request.user))


