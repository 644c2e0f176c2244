from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from typing import Any

from ..graph import FunctionSignature
from .builtins import BUILTINS

# Parameters the engine fills in itself; they never appear in a step's kwargs.
INJECTED = ("context", "inputs")

_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object", list: "array"}


def _schema_for(annotation: Any) -> dict:
    if annotation is inspect.Parameter.empty or annotation is Any:
        return {}
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        inner = _schema_for(options[0]) if len(options) == 1 else {}
        if "type" in inner and type(None) in typing.get_args(annotation):
            inner = {**inner, "type": [inner["type"], "null"]}
        return inner
    if origin in (list, dict):
        return {"type": _JSON_TYPES[origin]}
    if annotation in _JSON_TYPES:
        return {"type": _JSON_TYPES[annotation]}
    return {}


@dataclass(frozen=True)
class RegisteredFunction:
    name: str
    func: Callable[..., Any]
    description: str
    schema: dict
    signature: FunctionSignature
    wants: frozenset[str]

    def as_dict(self) -> dict:
        return {"name": self.name, "description": self.description, "schema": self.schema}


def register(name: str, func: Callable[..., Any]) -> RegisteredFunction:
    sig = inspect.signature(func)
    hints = typing.get_type_hints(func)
    properties: dict[str, dict] = {}
    required: list[str] = []
    var_kwargs = False
    for param in sig.parameters.values():
        if param.name in INJECTED:
            continue
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            var_kwargs = True
            continue
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        prop = _schema_for(hints.get(param.name, param.annotation))
        if param.default is inspect.Parameter.empty:
            required.append(param.name)
        else:
            prop["default"] = param.default
        properties[param.name] = prop
    schema = {"type": "object", "properties": properties, "required": required, "additionalProperties": var_kwargs}
    doc = inspect.getdoc(func) or ""
    return RegisteredFunction(
        name=name,
        func=func,
        description=doc.split("\n\n")[0],
        schema=schema,
        signature=FunctionSignature(name, frozenset(properties), frozenset(required), var_kwargs, schema),
        wants=frozenset(p for p in INJECTED if p in sig.parameters),
    )


def _import(dotted: str) -> Callable[..., Any]:
    module_name, _, attr = dotted.rpartition(".")
    return getattr(import_module(module_name), attr)


@lru_cache(maxsize=1)
def _cached_registry(extra: tuple[str, ...]) -> dict[str, RegisteredFunction]:
    registry = {name: register(name, func) for name, func in BUILTINS.items()}
    for dotted in extra:
        func = _import(dotted)
        name = getattr(func, "step_function_name", None) or dotted.rpartition(".")[2]
        registry[name] = register(name, func)
    return registry


def function_registry() -> dict[str, RegisteredFunction]:
    """Built-ins plus the functions named by ``settings.STUDIO_STEP_FUNCTIONS``."""
    from django.conf import settings

    return _cached_registry(tuple(getattr(settings, "STUDIO_STEP_FUNCTIONS", ())))


def get_function(name: str) -> RegisteredFunction:
    return function_registry()[name]
