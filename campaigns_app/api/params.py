"""Whole numbers from query strings and paths: ASCII digits within the database's 64-bit range, or a 400."""

from __future__ import annotations

import re

from rest_framework.exceptions import ValidationError

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def whole_number(raw, name: str, *, low: int = 0, high: int = MAX_ID, what: str | None = None) -> int:
    """``raw`` as an int from ``low`` to ``high``; a 400 naming ``name`` otherwise."""
    value = int(raw) if isinstance(raw, str) and _DIGITS.fullmatch(raw) else None
    if value is None or not low <= value <= high:
        raise ValidationError({name: [what or f"must be a whole number from {low} to {high}"]})
    return value


def query_int(request, name: str, *, default=None, low: int = 0, high: int = MAX_ID, what: str | None = None):
    """A whole-number query parameter, ``default`` when absent (present but empty is a 400, as for any text)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    return whole_number(raw.strip(), name, low=low, high=high, what=what)


def query_ids(request, name: str, *, limit: int) -> list[int] | None:
    """A comma-separated list of ids, at most ``limit`` of them."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    parts = raw.split(",")
    if len(parts) > limit:
        raise ValidationError({name: [f"at most {limit} ids"]})
    return [whole_number(p.strip(), name, low=1, what="must be a comma-separated list of ids") for p in parts]
