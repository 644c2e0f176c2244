"""The JSON request parser: every body is plain JSON of bounded nesting, or a 400 that says what is wrong."""

from __future__ import annotations

import codecs
import json
import math
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        # 1e999 parses as infinity, which no JSON column can store.
        raise ValueError(f"number {text[:40]} is out of range")
    return value


# Text no database column stores: PostgreSQL refuses NUL, and UTF-8 has no unpaired surrogates.
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


def json_body_fault(value, limit: int) -> str | None:
    """What makes a parsed body unacceptable (nesting past ``limit``, unstorable text), or None.

    Iterative: no nesting can exhaust the stack.  The fault names where it is (``graph.steps[2].name``).
    """
    stack: list[tuple[object, int, tuple]] = [(value, 1, ())]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE_TEXT.search(item):
                return f"{_path(where)} holds a NUL character or an unpaired surrogate"
            continue
        if isinstance(item, dict):
            for key in item:
                if UNSTORABLE_TEXT.search(key):
                    return f"a key in {_path(where)} holds a NUL character or an unpaired surrogate"
            children = item.items()
        elif isinstance(item, list):
            children = enumerate(item)
        else:
            continue
        if depth > limit:
            return f"JSON nests deeper than {limit} levels (STUDIO_MAX_JSON_DEPTH) at {_path(where)}"
        stack.extend(
            (child, depth + 1, (where, key)) for key, child in children if isinstance(child, (dict, list, str))
        )
    return None


def _path(where: tuple) -> str:
    keys = []
    while where:
        where, key = where
        keys.append(key)
    text = ""
    for key in reversed(keys):
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text or "the body"


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser that answers 400 for nesting past ``STUDIO_MAX_JSON_DEPTH`` and non-finite numbers.

    Python's decoder recurses per level and would raise RecursionError (a 500) about 1000 levels down.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.STUDIO_MAX_JSON_DEPTH
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            data = json.load(
                codecs.getreader(encoding)(stream), parse_constant=strict_constant, parse_float=_finite_float
            )
        except RecursionError:
            raise ParseError(f"JSON nests deeper than {limit} levels (STUDIO_MAX_JSON_DEPTH)") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        fault = json_body_fault(data, limit)
        if fault:
            raise ParseError(fault)
        return data
