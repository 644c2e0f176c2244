from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..services import ServiceError
from .params import MAX_ID


def _out_of_range(context) -> list[str]:
    """The path and query parameters whose whole-number values no 64-bit column can hold."""
    request = context.get("request")
    values = dict(context.get("kwargs") or {})
    if request is not None:
        values.update(request.query_params.items())
    return sorted(
        name
        for name, value in values.items()
        if isinstance(value, str) and value.strip().isdigit() and int(value.strip()) > MAX_ID
    )


def exception_handler(exc, context):
    """Domain errors become 4xx answers that name the field or step at fault."""
    if isinstance(exc, ServiceError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"detail": exc.detail}
        return Response(detail, status=getattr(exc, "status", status.HTTP_400_BAD_REQUEST))
    if isinstance(exc, OverflowError):
        # A number past 2^63-1 reached the database (views check the ones they know of first).
        names = _out_of_range(context)
        message = f"must be a whole number up to {MAX_ID}"
        body = {name: [message] for name in names} if names else {"detail": f"a number in the request {message}"}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
