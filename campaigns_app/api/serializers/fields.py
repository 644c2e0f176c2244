"""Fields every serializer shares: strict JSON types, the schema's shapes."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ...graph.shapes import (
    CampaignParameter,
    Graph,
)
from ..schema import component_ref


class TextField(serializers.CharField):
    """DRF's CharField without turning numbers into text: ``{"name": 0}`` is a 400, as the schema says.

    Its length is judged before surrounding whitespace is trimmed, so a value longer than the schema's
    ``maxLength`` is a 400 even when it is mostly whitespace (``\\x1c``-``\\x1f`` count as such).
    """

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class FlagField(serializers.BooleanField):
    """DRF's BooleanField without reading ``0``, ``"yes"`` or ``"on"`` as a boolean: JSON says true or false."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


def _request_user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class ExecutableRightSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    reason = TextField(allow_null=True, help_text="why not, and whom to ask")


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class TagsField(serializers.JSONField):
    pass


@extend_schema_field({"type": "object", "additionalProperties": {}})
class ParameterValuesField(serializers.JSONField):
    """A run's parameter values by name."""


@extend_schema_field(component_ref(Graph))
class GraphField(serializers.JSONField):
    pass


@extend_schema_field(component_ref(CampaignParameter, many=True))
class ParametersField(serializers.JSONField):
    pass
