"""The audit trail, for team admins (their teams' entries) and everyone (their own actions)."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, viewsets

from ... import selectors
from ..filters import AuditFilter
from ..serializers import AuditEntrySerializer


class AuditViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AuditEntrySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditFilter

    def get_queryset(self):
        return selectors.audit_visible_to(self.request.user)
