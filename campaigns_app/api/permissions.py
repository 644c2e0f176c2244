"""Object permissions of the API, from the rules in ``policies``.

Visibility is decided by the querysets (``policies.visible_q``): what a user
may not see is never found, so it answers 404.  These classes decide what a
user who *can* see an object may do with it, and answer 403 with the rule's
message.  The services ask the same rules again, so no other entry point
(commands, tasks) can skip them.
"""

from rest_framework.permissions import BasePermission

from .. import policies

# Campaign actions → rule; actions not listed only need visibility.
CAMPAIGN_ACTION_RULES = {
    "update": policies.CAMPAIGN_EDIT,
    "partial_update": policies.CAMPAIGN_EDIT,
    "restore": policies.CAMPAIGN_EDIT,
    "destroy": policies.CAMPAIGN_DELETE,
    "launch": policies.CAMPAIGN_LAUNCH,
    "test_step": policies.CAMPAIGN_LAUNCH,
}


class CampaignActionPermission(BasePermission):
    def has_object_permission(self, request, view, obj):
        rule = CAMPAIGN_ACTION_RULES.get(getattr(view, "action", None))
        refusal = rule.refusal(obj, request.user) if rule else None
        if refusal:
            self.message = refusal
            return False
        return True


class RunOperatePermission(BasePermission):
    """For run verbs that change a run (cancel, retry): its launcher, or an operator of its campaign's team.

    Use on a RunViewSet action as ``permission_classes=[IsAuthenticated, RunOperatePermission]``;
    the run must come from ``get_object()`` (visible runs only) so an invisible run stays 404.
    """

    def has_object_permission(self, request, view, obj):
        refusal = policies.RUN_OPERATE.refusal(obj, request.user, verb=getattr(view, "action", None) or "change")
        if refusal:
            self.message = refusal
            return False
        return True
