from rest_framework.permissions import SAFE_METHODS, BasePermission

from .. import selectors


class CampaignEditPermission(BasePermission):
    """Anyone who can see a campaign may read and launch it; only its owner (or staff) changes it."""

    message = "only the campaign's owner can change it"

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS or getattr(view, "action", None) == "launch":
            return True
        return selectors.campaign_editable_by(obj, request.user)
