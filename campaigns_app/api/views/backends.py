"""The configured execution backends and whether workers serve them."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from ...services.backend_status import backends_overview


class BackendSerializer(serializers.Serializer):
    name = serializers.CharField()
    queue = serializers.CharField()
    up = serializers.BooleanField()
    state = serializers.CharField()
    error = serializers.CharField(allow_null=True)
    workers = serializers.ListField(child=serializers.DictField())
    queue_depth = serializers.IntegerField()
    queued_steps = serializers.IntegerField()
    running_steps = serializers.IntegerField()
    resources = serializers.DictField()


@extend_schema(responses=BackendSerializer(many=True))
@api_view(["GET"])
def backends_list(request):
    """Each backend a step may name: up or not (a worker serves it and its engine started), queue depth, resources."""
    return Response(backends_overview())
