"""The OpenAPI schema: every answer the API gives, errors included, and the shapes DRF cannot see.

Each shape is a ``TypedDict`` next to the code that builds it
(``graph/shapes.py``, ``event_messages.py``); ``component_ref`` points a
serializer field at one, and ``shapes_postprocess`` (a drf-spectacular hook)
writes every registered shape into ``components.schemas``, so the generated
frontend types and the server's checks read one definition.

Each operation lists the 4xx answers it can give with the error body they share (``detail``, or field →
messages): 400 for bad input, 401 without valid credentials, 403 for what the user may see but not do,
404 for what they may not see (or a page past the last), 409 for conflicts, 413 for a body past
``STUDIO_MAX_BODY_BYTES``, 415 for a body that is neither JSON nor a well-formed form.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from ..event_messages import EVENT_MESSAGES, FEED_SHAPES
from ..graph import layout, shapes

# Every shape published, by component name; nested shapes become $refs.
SHAPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        shapes.Position,
        shapes.StepResources,
        shapes.WorkflowCampaignRef,
        shapes.GraphStep,
        shapes.GraphBlock,
        shapes.GraphEdge,
        shapes.Graph,
        shapes.CampaignParameter,
        shapes.ForkedFrom,
        shapes.RunBlock,
        shapes.CampaignPermissions,
        shapes.RunPermissions,
        shapes.RunParent,
        shapes.ChildRunProgress,
        layout.StickyNote,
        layout.CampaignLayout,
        *EVENT_MESSAGES,
        *FEED_SHAPES,
    )
}
for _cls in EVENT_MESSAGES:
    for _hint in get_type_hints(_cls).values():
        if is_typeddict(_hint):
            SHAPES[_hint.__name__] = _hint

EVENT_MESSAGE_COMPONENT = "RunEventMessage"


def component_ref(shape: type, *, many: bool = False, nullable: bool = False) -> dict:
    """The schema of a serializer field holding ``shape`` (for ``extend_schema_field``)."""
    if SHAPES.get(shape.__name__) is not shape:
        raise LookupError(f"{shape.__name__} is not a published shape (add it to SHAPES)")
    ref: dict = {"$ref": f"#/components/schemas/{shape.__name__}"}
    if many:
        ref = {"type": "array", "items": ref}
    if nullable:
        ref = {"oneOf": [ref, {"type": "null"}]} if "$ref" in ref else {**ref, "nullable": True}
    return ref


def type_schema(hint: Any) -> dict:
    """JSON schema (OpenAPI 3.0 flavour) of a type hint built from the few types the shapes use."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return {}
    if hint is type(None) or hint is None:
        return {"enum": [None], "nullable": True}
    if is_typeddict(hint) and hint.__name__ in SHAPES and SHAPES[hint.__name__] is hint:
        return {"$ref": f"#/components/schemas/{hint.__name__}"}
    if is_typeddict(hint):
        return _typeddict_schema(hint)
    if hint in (str, int, float, bool):
        return {"type": {str: "string", int: "integer", float: "number", bool: "boolean"}[hint]}
    if origin is Literal:
        values = list(args)
        kinds = {type(v) for v in values}
        schema: dict = {"enum": values}
        if kinds == {str}:
            schema["type"] = "string"
        return schema
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        nullable = len(options) < len(args)
        if len(options) == 1:
            schema = type_schema(options[0])
        else:
            schema = {"oneOf": [type_schema(a) for a in options]}
        if nullable:
            schema = {"allOf": [schema], "nullable": True} if "$ref" in schema else {**schema, "nullable": True}
        return schema
    if origin is list:
        return {"type": "array", "items": type_schema(args[0])}
    if origin is tuple and args and args[-1] is not Ellipsis:
        # A fixed row: JSON Schema's prefixItems, which openapi-typescript turns into a TypeScript tuple.
        return {
            "type": "array",
            "items": {},
            "prefixItems": [_tuple_member_schema(a) for a in args],
            "minItems": len(args),
            "maxItems": len(args),
        }
    if origin is dict:
        return {"type": "object", "additionalProperties": type_schema(args[1])}
    raise TypeError(f"no schema for type hint {hint!r}")


def _tuple_member_schema(hint: Any) -> dict:
    """A tuple member's schema, null spelled as a type: OpenAPI 3.0's ``nullable`` is not read inside prefixItems
    by every validator (schemathesis took a null there for a violation)."""
    schema = type_schema(hint)
    if schema.get("nullable") and isinstance(schema.get("type"), str):
        schema = {k: v for k, v in schema.items() if k != "nullable"}
        schema["type"] = [schema["type"], "null"]
    return schema


def _typeddict_schema(cls: type) -> dict:
    hints = get_type_hints(cls)
    required = sorted(k for k in hints if k in cls.__required_keys__)  # type: ignore[attr-defined]
    schema: dict = {"type": "object", "properties": {name: type_schema(hint) for name, hint in hints.items()}}
    if required:
        schema["required"] = required
    if cls.__doc__ and cls.__doc__ != typing.TypedDict.__doc__:
        schema["description"] = " ".join(cls.__doc__.split())
    return schema


def shapes_components() -> dict[str, dict]:
    components = {name: _typeddict_schema(cls) for name, cls in sorted(SHAPES.items())}
    components[EVENT_MESSAGE_COMPONENT] = {
        "oneOf": [{"$ref": f"#/components/schemas/{cls.__name__}"} for cls in EVENT_MESSAGES],
        "discriminator": {
            "propertyName": "type",
            "mapping": {
                get_args(get_type_hints(cls)["type"])[0]: f"#/components/schemas/{cls.__name__}"
                for cls in EVENT_MESSAGES
            },
        },
    }
    return components


def shapes_postprocess(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the shapes to ``components.schemas``."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in shapes_components().items():
        if name in schemas and schemas[name] != schema:
            raise ValueError(f"schema component {name} is defined twice")
        schemas[name] = schema
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    return result


__all__ = [
    "ERROR_DESCRIPTIONS",
    "EVENT_MESSAGE_COMPONENT",
    "SHAPES",
    "THROTTLED",
    "StudioAutoSchema",
    "component_ref",
    "shapes_postprocess",
    "type_schema",
]


class RunEventSerializerExtension(OpenApiSerializerExtension):
    """``RunEventSerializer`` reads stored events; its shape is the websocket message's, typed per event type."""

    target_class = "campaigns_app.api.serializers.RunEventSerializer"

    def map_serializer(self, auto_schema, direction):
        return {"$ref": f"#/components/schemas/{EVENT_MESSAGE_COMPONENT}"}


class BulkRunsSerializerExtension(OpenApiSerializerExtension):
    """A bulk body names its runs by ``ids`` or by ``batch``, exactly one of them (``validate`` says so too)."""

    target_class = "campaigns_app.api.serializers.BulkRunsSerializer"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        return {**schema, "oneOf": [{"required": ["ids"]}, {"required": ["batch"]}]}


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

    def map_parsers(self):
        # Bodies are documented as JSON, the API's format.  Forms are still parsed (the browsable API), but a
        # form cannot carry the JSON types the schema states (``"0"`` for a boolean), so they are not offered.
        return ["application/json"]

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        codes = ["400", "401", "403"]
        # A paginated list answers 404 for a page past the last one.
        if "{" in path or (method == "GET" and self._is_list_view() and self._get_paginator() is not None):
            codes.append("404")
        if method in WRITE_METHODS:
            codes += ["409", "413", "415"]
        for parameter in operation.get("parameters", []):
            # A list in a query string is comma-separated (``state=failed,running``), as the views read it.
            if parameter["in"] == "query" and parameter["schema"].get("type") == "array":
                parameter.setdefault("style", "form")
                parameter["explode"] = False
        responses = operation.setdefault("responses", {})
        for code in codes:
            responses.setdefault(
                code,
                {"description": ERROR_DESCRIPTIONS[code], "content": {"application/json": {"schema": ERROR_SCHEMA}}},
            )
        if "429" in responses:
            responses["429"]["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}
            }
            responses["429"]["content"] = {"application/json": {"schema": ERROR_SCHEMA}}
        return operation
