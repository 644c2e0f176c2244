"""Session login for the browser, tokens for scripts, and the step-function catalogue."""

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.middleware.csrf import get_token
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.exceptions import AuthenticationFailed, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ... import policies, selectors, services
from ...models import ApiToken
from ...step_functions import function_registry
from ..schema import THROTTLED
from ..serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    FunctionSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    TokenSerializer,
    UserSerializer,
)
from ..throttling import LOGIN_THROTTLES


@extend_schema(responses=FunctionSerializer(many=True))
@api_view(["GET"])
def functions_list(request):
    return Response([fn.as_dict() for fn in sorted(function_registry().values(), key=lambda f: f.name)])


def _user_payload(user) -> dict:
    """Who the user is, their teams, and what they may do with executable steps (with the reasons why not)."""
    teams = list(selectors.teams_visible_to(user).filter(memberships__user_id=user.pk).order_by("name"))
    rights = policies.executable_rights(user, teams)
    return UserSerializer(
        {
            "id": user.pk,
            "username": user.get_username(),
            "is_staff": user.is_staff,
            "teams": [
                {
                    "id": t.pk,
                    "name": t.name,
                    "role": policies.team_role(t, user),
                    "may_run_executables": t.may_run_executables,
                    "executables": rights["teams"][str(t.pk)],
                }
                for t in teams
            ],
            "executables": rights["teamless"],
        }
    ).data


def _user_from_credentials(request):
    """The user a username/password body names; a 401 that says so when they do not match."""
    body = LoginSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    user = authenticate(request, **body.validated_data)
    if user is None:
        raise AuthenticationFailed("wrong username or password")
    return user


@extend_schema(request=LoginSerializer, responses={200: TokenSerializer, **THROTTLED})
@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes(LOGIN_THROTTLES)
def token_obtain(request):
    """Exchange a username and password for a new login token; its key is in this answer only."""
    return Response({"token": services.login_token_create(user=_user_from_credentials(request))})


@extend_schema(methods=["GET"], request=None, responses={204: None})
@extend_schema(methods=["POST"], request=LoginSerializer, responses={200: UserSerializer, **THROTTLED})
@api_view(["GET", "POST"])
@permission_classes([AllowAny])
@throttle_classes(LOGIN_THROTTLES)
def session_login(request):
    """POST signs this browser in, with the CSRF token of the ``csrftoken`` cookie in ``X-CSRFToken``
    (login CSRF); GET sets that cookie (the app's pages set it too)."""
    if request.method == "GET":
        get_token(request)
        return Response(status=status.HTTP_204_NO_CONTENT)
    SessionAuthentication().enforce_csrf(request)
    user = _user_from_credentials(request)
    login(request, user)
    return Response(_user_payload(user))


@extend_schema(request=None, responses={204: None})
@api_view(["POST"])
def session_logout(request):
    logout(request)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    responses={
        200: {
            "type": "object",
            "properties": {"authenticated": {"type": "boolean"}, "user": {"type": "object", "nullable": True}},
        }
    }
)
@api_view(["GET"])
@permission_classes([AllowAny])
def session(request):
    """Who this browser is signed in as; being signed out is an ordinary answer (a page asks on every load)."""
    if not request.user.is_authenticated:
        return Response({"authenticated": False, "user": None})
    return Response({"authenticated": True, "user": _user_payload(request.user)})


@extend_schema(responses=UserSerializer)
@api_view(["GET"])
def me(request):
    return Response(_user_payload(request.user))


@extend_schema(request=PasswordChangeSerializer, responses={204: None})
@api_view(["POST"])
def password_change(request):
    """Change your password; this browser session stays signed in."""
    body = PasswordChangeSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    services.password_change(user=request.user, **body.validated_data)
    if request.session is not None and request.user.is_authenticated:
        update_session_auth_hash(request, request.user)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(methods=["GET"], responses=ApiTokenSerializer(many=True))
@extend_schema(methods=["POST"], request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
@api_view(["GET", "POST"])
def tokens(request):
    """Your personal API tokens; a new token's key is in the POST answer only."""
    if request.method == "POST":
        body = ApiTokenCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, key = services.api_token_create(user=request.user, name=body.validated_data["name"])
        data = ApiTokenSerializer(token).data
        return Response({**data, "token": key}, status=status.HTTP_201_CREATED)
    return Response(ApiTokenSerializer(ApiToken.objects.filter(user=request.user), many=True).data)


@extend_schema(request=None, responses={204: None})
@api_view(["DELETE"])
def token_revoke(request, token_id: int):
    token = ApiToken.objects.filter(user=request.user, pk=token_id).first()
    if token is None:
        raise NotFound("no such token")
    services.api_token_revoke(user=request.user, token=token)
    return Response(status=status.HTTP_204_NO_CONTENT)
