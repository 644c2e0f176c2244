"""Object permissions of the API.

Visibility is decided by the querysets (``selectors.*_visible_to``): what a
user may not see is never found, so it answers 404.  These classes decide
what a user who *can* see an object may do with it, and answer 403 saying
why.  The services check the same rules again, so no other entry point
(commands, tasks) can skip them.
"""

from rest_framework.permissions import BasePermission

from .. import selectors

# Campaign actions → (check, message for a campaign); actions not listed only need visibility.
CAMPAIGN_ACTION_RULES = {
    "update": (selectors.campaign_editable_by, lambda c: selectors.role_denial(c, "edit")),
    "partial_update": (selectors.campaign_editable_by, lambda c: selectors.role_denial(c, "edit")),
    "restore": (selectors.campaign_editable_by, lambda c: selectors.role_denial(c, "edit")),
    "destroy": (selectors.campaign_manageable_by,
                lambda c: "only the campaign's owner or an admin of its team may delete it"),
    "launch": (selectors.campaign_launchable_by, lambda c: selectors.role_denial(c, "launch")),
}


class CampaignActionPermission(BasePermission):
    def has_object_permission(self, request, view, obj):
        rule = CAMPAIGN_ACTION_RULES.get(getattr(view, "action", None))
        if rule is None:
            return True
        check, message = rule
        if not check(obj, request.user):
            self.message = message(obj)
            return False
        return True


class RunOperatePermission(BasePermission):
    """For run verbs that change a run (cancel, retry): its launcher, or an operator of its campaign's team.

    Use on a RunViewSet action as ``permission_classes=[IsAuthenticated, RunOperatePermission]``;
    the run must come from ``get_object()`` (visible runs only) so an invisible run stays 404.
    """

    message = "you may view this run but not cancel or retry it (its launcher and its campaign's owner, " \
              "operators, editors and admins may)"

    def has_object_permission(self, request, view, obj):
        return selectors.run_operable_by(request.user, obj)
