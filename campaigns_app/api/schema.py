"""The shapes that DRF cannot see (graph documents, websocket messages) as OpenAPI components.

Each shape is a ``TypedDict`` next to the code that builds it
(``graph/shapes.py``, ``event_messages.py``); ``component_ref`` points a
serializer field at one, and ``shapes_postprocess`` (a drf-spectacular hook)
writes every registered shape into ``components.schemas``, so the generated
frontend types and the server's checks read one definition.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from drf_spectacular.extensions import OpenApiSerializerExtension

from ..event_messages import EVENT_MESSAGES
from ..graph import shapes

# Every shape published, by component name; nested shapes become $refs.
SHAPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (shapes.Position, shapes.StepResources, shapes.GraphStep, shapes.GraphBlock, shapes.GraphEdge,
                shapes.Graph, shapes.CampaignParameter, shapes.ForkedFrom, shapes.RunBlock,
                shapes.CampaignPermissions, shapes.RunPermissions, *EVENT_MESSAGES)
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
    if origin is dict:
        return {"type": "object", "additionalProperties": type_schema(args[1])}
    raise TypeError(f"no schema for type hint {hint!r}")


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
        "discriminator": {"propertyName": "type", "mapping": {
            get_args(get_type_hints(cls)["type"])[0]: f"#/components/schemas/{cls.__name__}"
            for cls in EVENT_MESSAGES}},
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


__all__ = ["EVENT_MESSAGE_COMPONENT", "SHAPES", "component_ref", "shapes_postprocess", "type_schema"]


class RunEventSerializerExtension(OpenApiSerializerExtension):
    """``RunEventSerializer`` reads stored events; its shape is the websocket message's, typed per event type."""

    target_class = "campaigns_app.api.serializers.RunEventSerializer"

    def map_serializer(self, auto_schema, direction):
        return {"$ref": f"#/components/schemas/{EVENT_MESSAGE_COMPONENT}"}
