from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..services import ServiceError


def exception_handler(exc, context):
    """Domain errors become 4xx answers that name the field or step at fault."""
    if isinstance(exc, ServiceError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"detail": exc.detail}
        return Response(detail, status=getattr(exc, "status", status.HTTP_400_BAD_REQUEST))
    return drf_exception_handler(exc, context)
