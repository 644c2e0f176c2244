"""Session login for the browser, tokens for scripts, and the step-function catalogue."""

from django.contrib.auth import authenticate, login, logout
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ...step_functions import function_registry
from ..serializers import FunctionSerializer, LoginSerializer, UserSerializer


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
