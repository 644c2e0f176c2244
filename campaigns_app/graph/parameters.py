"""A campaign's declared parameters and the plain-JSON check every stored value passes.

Pure Python like the rest of ``graph/``: the declarations are normalised (every fault named by parameter), a
value is checked against its declaration, and any value is checked for being JSON that can be stored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import FaultCollector, GraphError, GraphFault

PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
PARAMETER_TYPES = ("string", "integer", "number", "boolean", "choice", "json")
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


def json_value_faults(value: Any, *, where: str, field: str, max_depth: int) -> list[GraphFault]:
    """Faults for anything in ``value`` that is not plain JSON, or nests deeper than ``max_depth``.

    Iterative, so no nesting can exhaust the stack; YAML's dates, sets and binary values, non-finite
    numbers, non-string keys, and text with NUL characters or unpaired surrogates (which no database
    column stores) are named by their path.
    """
    faults: list[GraphFault] = []
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack and len(faults) < 20:
        item, path, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= max_depth:
                faults.append(GraphFault(f"{path} nests deeper than {max_depth} levels", field=field))
                continue
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        faults.append(GraphFault(f"{path} has a key {key!r} that is not a string", field=field))
                    elif UNSTORABLE_TEXT.search(key):
                        faults.append(
                            GraphFault(f"{path} has a key with a NUL character or an unpaired surrogate", field=field)
                        )
                    else:
                        stack.append((child, f"{path}.{key}", depth + 1))
            else:
                stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
        elif isinstance(item, str):
            if UNSTORABLE_TEXT.search(item):
                faults.append(GraphFault(f"{path} holds a NUL character or an unpaired surrogate", field=field))
        elif isinstance(item, float):
            if not math.isfinite(item):
                faults.append(GraphFault(f"{path} is {item!r}, not a finite number", field=field))
        elif item is not None and not isinstance(item, (str, int, bool)):
            faults.append(GraphFault(f"{path} is a {type(item).__name__}, not a JSON value", field=field))
    return faults


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parameter_value_error(spec: Mapping[str, Any], value: Any) -> str | None:
    """Why ``value`` does not fit parameter ``spec``, or None when it does."""
    kind = spec["type"]
    if kind == "string" and not isinstance(value, str):
        return "must be a string"
    if kind == "integer" and not (isinstance(value, int) and not isinstance(value, bool)):
        return "must be an integer"
    if kind == "number" and not is_number(value):
        return "must be a number"
    if kind == "boolean" and not isinstance(value, bool):
        return "must be true or false"
    if kind == "choice" and value not in spec.get("choices", []):
        return f"must be one of {spec.get('choices', [])}"
    return None


def normalize_parameters(parameters: Any) -> list[dict]:
    """Validate parameter declarations; raise GraphError naming each bad one."""
    out = FaultCollector()
    if parameters is None:
        return []
    if not isinstance(parameters, list):
        raise GraphError([GraphFault("parameters must be a list", field="parameters")])
    normalized: list[dict] = []
    seen: set[str] = set()
    for index, raw in enumerate(parameters):
        where = f"parameters[{index}]"
        if not isinstance(raw, Mapping):
            out.add(f"{where} must be an object", field="parameters")
            continue
        name = raw.get("name")
        if not isinstance(name, str) or not PARAM_NAME.match(name):
            out.add(f"{where}: name {name!r} must be an identifier (letters, digits, _)", field="parameters")
            continue
        if name in seen:
            out.add(f"parameter {name!r} is declared twice", field="parameters")
            continue
        seen.add(name)
        kind = raw.get("type", "string")
        if kind not in PARAMETER_TYPES:
            out.add(
                f"parameter {name!r}: unknown type {kind!r} (one of {', '.join(PARAMETER_TYPES)})", field="parameters"
            )
            continue
        spec = {
            "name": name,
            "type": kind,
            "default": raw.get("default"),
            "description": raw.get("description", "") or "",
            "required": bool(raw.get("required", False)),
        }
        if not isinstance(spec["description"], str):
            out.add(f"parameter {name!r}: description must be a string", field="parameters")
        if kind == "choice":
            choices = raw.get("choices")
            if not isinstance(choices, list) or not choices:
                out.add(f"parameter {name!r}: a choice needs a non-empty list of choices", field="parameters")
                continue
            spec["choices"] = choices
        if spec["default"] is not None:
            problem = parameter_value_error(spec, spec["default"])
            if problem:
                out.add(f"parameter {name!r}: default {problem}", field="parameters")
        normalized.append(spec)
    if out.faults:
        raise GraphError(out.faults)
    return normalized
