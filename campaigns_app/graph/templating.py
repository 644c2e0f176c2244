"""``{{ params.NAME }}``, ``{{ steps.ID.result }}``, ``{{ item }}`` and ``{{ index }}`` placeholders.

A string that is exactly one placeholder becomes the value itself (keeping its
JSON type, so ``{"seconds": "{{ params.delay }}"}`` passes a number); inside a
longer string the value is interpolated as text (JSON for non-strings).

Every reference but ``index`` may go on with a path into its value:
``{{ steps.prep.result.files[0].name }}``, ``{{ item.key }}``,
``{{ params.config.size }}``.  A path that does not fit the value fails with
the path and what the value offers (its keys, or its length).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# The inside of a placeholder holds no braces pair, so "{{ a }}-{{ b }}" is two of them, never one.
PLACEHOLDER_PATTERN = re.compile(r"\{\{((?:(?!\{\{|\}\}).)*)\}\}", re.DOTALL)
_HEAD = re.compile(
    r"^\s*(?:params\.(?P<param>[A-Za-z_][A-Za-z0-9_]*)"
    r"|steps\.(?P<step>[A-Za-z_][A-Za-z0-9_-]*)\.result"
    r"|(?P<item>item)|(?P<index>index))"
    r"(?P<path>(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])*)\s*$"
)
_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]")
USAGE = "use {{ params.NAME }}, {{ steps.ID.result }}, {{ item }} or {{ index }}, with .key or [0] after them"


class TemplateError(ValueError):
    pass


@dataclass(frozen=True)
class Placeholder:
    kind: str  # "params", "steps", "item" or "index"
    name: str
    text: str
    # Keys (str) and list indexes (int) after the reference.
    path: tuple[str | int, ...] = ()

    @property
    def root(self) -> str:
        """How the reference itself reads, without its path."""
        if self.kind == "params":
            return f"params.{self.name}"
        if self.kind == "steps":
            return f"steps.{self.name}.result"
        return self.kind


def _parse(inner: str, text: str) -> Placeholder:
    match = _HEAD.match(inner)
    if not match:
        raise TemplateError(f"unknown placeholder {text!r}: {USAGE}")
    path = tuple(m[1] if m[1] is not None else int(m[2]) for m in _SEGMENT.finditer(match["path"]))
    if match["param"]:
        return Placeholder("params", match["param"], text, path)
    if match["step"]:
        return Placeholder("steps", match["step"], text, path)
    if match["index"]:
        if path:
            raise TemplateError(f"{text!r}: {{{{ index }}}} is a number and has no keys")
        return Placeholder("index", "index", text)
    return Placeholder("item", "item", text, path)


def _unterminated(text: str) -> str | None:
    """The start of a ``{{`` that no ``}}`` closes, if any."""
    rest = PLACEHOLDER_PATTERN.sub("", text)
    at = rest.find("{{")
    return None if at < 0 else rest[at : at + 40]


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
    """Every placeholder in a JSON value; raises TemplateError on a malformed or unterminated one."""
    found = []
    for text in _strings(value):
        open_start = _unterminated(text)
        if open_start is not None:
            raise TemplateError(f"unterminated placeholder {open_start!r}: close it with }}}}")
        for match in PLACEHOLDER_PATTERN.finditer(text):
            found.append(_parse(match.group(1), match.group(0)))
    return found


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def json_type_name(value: Any) -> str:
    """A JSON value's type as a user reads it (object, list, string, number, boolean, null)."""
    return _type_name(value)


def _keys_text(value: Mapping) -> str:
    keys = sorted(map(str, value))
    if not keys:
        return "it has no keys"
    shown = ", ".join(keys[:20]) + (", …" if len(keys) > 20 else "")
    return f"its keys: {shown}"


def follow_path(value: Any, path: tuple[str | int, ...], root: str) -> Any:
    """``value`` at ``path``; TemplateError naming the path reached and what the value there offers."""
    where = root
    for segment in path:
        if isinstance(segment, int):
            if not isinstance(value, list):
                raise TemplateError(f"{where} is {_article(value)}, not a list: [{segment}] does not apply")
            if segment >= len(value):
                raise TemplateError(f"{where}[{segment}] is out of range: {where} has {len(value)} item(s)")
            value, where = value[segment], f"{where}[{segment}]"
        else:
            if not isinstance(value, Mapping):
                raise TemplateError(f"{where} is {_article(value)}, not an object: .{segment} does not apply")
            if segment not in value:
                raise TemplateError(f"{where} has no key {segment!r} ({_keys_text(value)})")
            value, where = value[segment], f"{where}.{segment}"
    return value


def _article(value: Any) -> str:
    name = _type_name(value)
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def _lookup(
    ph: Placeholder, params: Mapping[str, Any], results: Mapping[str, Any], bindings: Mapping[str, Any] | None
) -> Any:
    if ph.kind in ("item", "index"):
        if bindings is None or ph.kind not in bindings:
            raise TemplateError(f"{ph.text} is only bound in a step with for_each")
        return follow_path(bindings[ph.kind], ph.path, ph.root)
    source = params if ph.kind == "params" else results
    if ph.name not in source:
        raise TemplateError(f"{ph.text} has no value")
    return follow_path(source[ph.name], ph.path, ph.root)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def render_value(
    value: Any, params: Mapping[str, Any], results: Mapping[str, Any], bindings: Mapping[str, Any] | None = None
) -> Any:
    """Substitute placeholders everywhere in a JSON value; ``bindings`` holds ``item`` and ``index``."""
    if isinstance(value, str):
        whole = PLACEHOLDER_PATTERN.fullmatch(value)
        if whole:
            return _lookup(_parse(whole.group(1), value), params, results, bindings)
        open_start = _unterminated(value)
        if open_start is not None:
            raise TemplateError(f"unterminated placeholder {open_start!r}")
        return PLACEHOLDER_PATTERN.sub(
            lambda m: _as_text(_lookup(_parse(m.group(1), m.group(0)), params, results, bindings)), value
        )
    if isinstance(value, Mapping):
        return {k: render_value(v, params, results, bindings) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, params, results, bindings) for v in value]
    return value


def render_argv(
    argv: list[str], params: Mapping[str, Any], results: Mapping[str, Any], bindings: Mapping[str, Any] | None = None
) -> list[str]:
    """argv entries must stay strings: a whole-placeholder number becomes its JSON text."""
    return [_as_text(render_value(arg, params, results, bindings)) for arg in argv]


def render_results(value: Any, results: Mapping[str, Any]) -> Any:
    """Substitute only ``{{ steps.ID.result… }}`` placeholders, leaving every other one for the run to render.

    A step tested alone has no upstream steps: its sample upstream results take their place.
    """

    def step_placeholder(inner: str, text: str) -> Placeholder | None:
        try:
            ph = _parse(inner, text)
        except TemplateError:
            return None  # the step's own validation names it
        return ph if ph.kind == "steps" else None

    if isinstance(value, str):
        whole = PLACEHOLDER_PATTERN.fullmatch(value)
        if whole:
            ph = step_placeholder(whole.group(1), value)
            return _lookup(ph, {}, results, None) if ph else value

        def substitute(m: re.Match) -> str:
            ph = step_placeholder(m.group(1), m.group(0))
            return _as_text(_lookup(ph, {}, results, None)) if ph else m.group(0)

        return PLACEHOLDER_PATTERN.sub(substitute, value)
    if isinstance(value, Mapping):
        return {k: render_results(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [render_results(v, results) for v in value]
    return value
