"""The JSON request parser: every body is plain JSON of bounded nesting, or a 400 that says what is wrong."""

from __future__ import annotations

import codecs
import json
import math

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


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether lists and objects in ``value`` nest deeper than ``limit`` (iterative: no stack to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser that answers 400 for nesting past ``STUDIO_MAX_JSON_DEPTH`` and non-finite numbers.

    Python's decoder recurses per level and would raise RecursionError (a 500) about 1000 levels down.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.STUDIO_MAX_JSON_DEPTH
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            data = json.load(codecs.getreader(encoding)(stream), parse_constant=strict_constant,
                             parse_float=_finite_float)
        except RecursionError:
            raise ParseError(f"JSON nests deeper than {limit} levels (STUDIO_MAX_JSON_DEPTH)") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if json_depth_exceeds(data, limit):
            raise ParseError(f"JSON nests deeper than {limit} levels (STUDIO_MAX_JSON_DEPTH)")
        return data
