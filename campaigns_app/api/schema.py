"""The OpenAPI schema states every answer the API gives, errors included.

Each operation lists the 4xx answers it can give with the error body they share (``detail``, or field →
messages): 400 for bad input, 401 without valid credentials, 403 for what the user may see but not do,
404 for what they may not see, 409 for conflicts, 413 for a body past ``STUDIO_MAX_BODY_BYTES``,
415 for a body that is neither JSON nor a well-formed form.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

ERROR_SCHEMA = {
    "type": "object",
    "description": "``detail`` says what went wrong; a bad field or step is named by its key.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
ERROR_DESCRIPTIONS = {
    "400": "Bad input, naming the field or step at fault.",
    "401": "No valid credentials (a session or an `Authorization: Token` header).",
    "403": "Allowed to see this but not to do this; `detail` says why.",
    "404": "No such thing, or one you may not see.",
    "409": "In conflict with the current state (an edit based on an old version, runs still active).",
    "413": "The request body is larger than STUDIO_MAX_BODY_BYTES.",
    "415": "The body is not JSON (or a well-formed form).",
    "429": "Too many failed logins from this address or for this username; see Retry-After.",
}
THROTTLED = {429: OpenApiResponse(description=ERROR_DESCRIPTIONS["429"])}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class StudioAutoSchema(AutoSchema):
    """drf-spectacular's schema, with the error answers every operation can give."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        codes = ["400", "401", "403"]
        if "{" in path:
            codes.append("404")
        if method in WRITE_METHODS:
            codes += ["409", "413", "415"]
        responses = operation.setdefault("responses", {})
        for code in codes:
            responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code],
                                        "content": {"application/json": {"schema": ERROR_SCHEMA}}})
        if "429" in responses:
            responses["429"]["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                                           "description": "seconds to wait"}}
            responses["429"]["content"] = {"application/json": {"schema": ERROR_SCHEMA}}
        return operation
