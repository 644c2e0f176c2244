"""A function step's keyword arguments checked against the function's JSON schema.

The same check runs twice: when a version is saved (a placeholder string stands
for a value not known yet and passes) and when a run renders the placeholders
(every value is known, so every value is checked).  Both give the same message,
``step 's1': argument 'seconds' must be a number, got "abc"``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from .templating import PLACEHOLDER_PATTERN

_TYPE_WORDS = {
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "string": "a string",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


def _fits(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if kind == "string":
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, Mapping)
    return True


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def is_placeholder(value: Any) -> bool:
    """A string that is exactly one ``{{ … }}``: its type is known only when a run renders it."""
    return isinstance(value, str) and PLACEHOLDER_PATTERN.fullmatch(value.strip()) is not None


def argument_error(step_id: str, name: str, value: Any, prop: Mapping[str, Any]) -> str | None:
    """Why ``value`` does not fit the schema of argument ``name``, or None when it does."""
    declared = prop.get("type")
    if declared is None:
        return None
    kinds = list(declared) if isinstance(declared, list) else [declared]
    if any(_fits(value, kind) for kind in kinds):
        return None
    wanted = " or ".join(_TYPE_WORDS.get(kind, kind) for kind in kinds)
    return f"step {step_id!r}: argument {name!r} must be {wanted}, got {_shown(value)}"


def kwargs_errors(
    step_id: str, function: str, kwargs: Mapping[str, Any], schema: Mapping[str, Any], *, rendered: bool
) -> list[str]:
    """Every fault of ``kwargs`` against ``schema``: unknown names, missing required ones, wrong types.

    Before rendering (``rendered=False``) a whole-placeholder string is taken on trust.
    """
    properties: Mapping[str, Any] = schema.get("properties") or {}
    faults = []
    if not schema.get("additionalProperties", False):
        extra = sorted(set(kwargs) - set(properties))
        if extra:
            faults.append(f"step {step_id!r}: function {function!r} does not accept {', '.join(extra)}")
    missing = sorted(set(schema.get("required") or ()) - set(kwargs))
    if missing:
        faults.append(f"step {step_id!r}: function {function!r} needs {', '.join(missing)}")
    for name, value in kwargs.items():
        prop = properties.get(name)
        if prop is None or (not rendered and is_placeholder(value)):
            continue
        error = argument_error(step_id, name, value, prop)
        if error:
            faults.append(error)
    return faults
