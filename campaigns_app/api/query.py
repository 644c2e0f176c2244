"""Query parameters of views that are not lists, as serializers, so they are checked once and reach the schema.

``query_params(Serializer, request)`` answers 400 naming the parameter; the
views list the same serializer in ``extend_schema(parameters=[...])``.
"""

from __future__ import annotations

from drf_spectacular.drainage import set_override
from rest_framework import serializers

from .. import selectors
from ..models import RunState
from .params import MAX_ID, WholeNumberField

MAX_WINDOW_MINUTES = 7 * 24 * 60


def query_params(serializer_class: type[serializers.Serializer], request) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def _whole(*, low: int, high: int = MAX_ID, **kwargs) -> serializers.IntegerField:
    message = f"must be a whole number from {low} to {high}"
    return WholeNumberField(
        min_value=low,
        max_value=high,
        required=False,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
        **kwargs,
    )


def _item_schema(item: serializers.Field) -> dict:
    # Empty items (``1,,2``, or the whole value empty) are skipped.
    if isinstance(item, serializers.ChoiceField):
        return {"type": "string", "enum": [*item.choices, ""]}
    number = {"type": "integer", "format": "int64", "minimum": item.min_value, "maximum": item.max_value}
    return {"anyOf": [number, {"type": "string", "enum": [""]}]}


class _CommaSeparated(serializers.CharField):
    def __init__(self, *, item: serializers.Field, max_items: int | None = None, **kwargs):
        self.item, self.max_items = item, max_items
        super().__init__(required=False, allow_blank=True, **kwargs)
        # In the schema a list of items (sent comma-separated: StudioAutoSchema), so that every value the
        # schema allows is one this field takes.
        schema: dict = {"type": "array", "items": _item_schema(item)}
        if max_items is not None:
            schema["maxItems"] = max_items
        set_override(self, "field", schema)

    def to_internal_value(self, data):
        parts = [p.strip() for p in super().to_internal_value(data).split(",") if p.strip()]
        if self.max_items is not None and len(parts) > self.max_items:
            raise serializers.ValidationError(f"at most {self.max_items} values")
        return [self.item.run_validation(p) for p in parts]


# ``from`` is a keyword, so this serializer is built from a dict of fields.
VersionRangeQuery = type(
    "VersionRangeQuery",
    (serializers.Serializer,),
    {
        "from": _whole(low=1, help_text="the older version (default: the one before `to`)"),
        "to": _whole(low=1, help_text="the newer version (default: the current one)"),
    },
)


class ExportQuery(serializers.Serializer):
    version = _whole(low=1, help_text="default: the current version")


class DashboardQuery(serializers.Serializer):
    minutes = _whole(low=1, high=MAX_WINDOW_MINUTES, default=60, help_text="finished runs younger than this")
    limit = _whole(low=1, high=selectors.DASHBOARD_LIMIT, default=selectors.DASHBOARD_LIMIT)
    campaign = _whole(low=1, allow_null=True, default=None)
    state = _CommaSeparated(
        item=serializers.ChoiceField(choices=RunState.choices), default=list, help_text="comma-separated run states"
    )
    owner = serializers.CharField(required=False, allow_blank=True, default="")
    ids = _CommaSeparated(
        item=_whole(low=1),
        max_items=selectors.DASHBOARD_LIMIT,
        default=None,
        help_text="only these run ids (comma-separated)",
    )
