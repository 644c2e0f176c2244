"""``{{ params.NAME }}`` and ``{{ steps.ID.result }}`` placeholders.

A string that is exactly one placeholder becomes the value itself (keeping its
JSON type, so ``{"seconds": "{{ params.delay }}"}`` passes a number); inside a
longer string the value is interpolated as text (JSON for non-strings).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_ANY_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_REFERENCE = re.compile(
    r"^\s*(?:params\.(?P<param>[A-Za-z_][A-Za-z0-9_]*)|steps\.(?P<step>[A-Za-z_][A-Za-z0-9_-]*)\.result)\s*$"
)


class TemplateError(ValueError):
    pass


@dataclass(frozen=True)
class Placeholder:
    kind: str  # "params" or "steps"
    name: str
    text: str


def _parse(inner: str, text: str) -> Placeholder:
    match = _REFERENCE.match(inner)
    if not match:
        raise TemplateError(
            f"unknown placeholder {text!r}: use {{{{ params.NAME }}}} or {{{{ steps.ID.result }}}}"
        )
    if match["param"]:
        return Placeholder("params", match["param"], text)
    return Placeholder("steps", match["step"], text)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def placeholders_in(value: Any) -> list[Placeholder]:
    """Every placeholder in a JSON value; raises TemplateError on a malformed one."""
    found = []
    for text in _strings(value):
        for match in _ANY_PLACEHOLDER.finditer(text):
            found.append(_parse(match.group(1), match.group(0)))
    return found


def _lookup(ph: Placeholder, params: Mapping[str, Any], results: Mapping[str, Any]) -> Any:
    source = params if ph.kind == "params" else results
    if ph.name not in source:
        raise TemplateError(f"{ph.text} has no value")
    return source[ph.name]


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def render_value(value: Any, params: Mapping[str, Any], results: Mapping[str, Any]) -> Any:
    """Substitute placeholders everywhere in a JSON value."""
    if isinstance(value, str):
        whole = _ANY_PLACEHOLDER.fullmatch(value)
        if whole:
            return _lookup(_parse(whole.group(1), value), params, results)
        return _ANY_PLACEHOLDER.sub(
            lambda m: _as_text(_lookup(_parse(m.group(1), m.group(0)), params, results)), value
        )
    if isinstance(value, Mapping):
        return {k: render_value(v, params, results) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, params, results) for v in value]
    return value


def render_argv(argv: list[str], params: Mapping[str, Any], results: Mapping[str, Any]) -> list[str]:
    """argv entries must stay strings: a whole-placeholder number becomes its JSON text."""
    return [_as_text(render_value(arg, params, results)) for arg in argv]
