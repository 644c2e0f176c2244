"""Channel-layer group names, and which groups a run's events and a user's sockets use.

The audience itself (who may see a run) is ``policies``'; this module only turns it into group names.
"""

from __future__ import annotations

from .. import policies

EVENT_MESSAGE_TYPE = "run.event"
ACCESS_MESSAGE_TYPE = "access.changed"
DASHBOARD_PUBLIC = "dashboard.public"
DASHBOARD_SUPERUSERS = "dashboard.superusers"


RUN_GROUP_PREFIX = "run."


def run_group(run_id: int) -> str:
    return f"{RUN_GROUP_PREFIX}{run_id}"


def dashboard_user_group(user_id: int) -> str:
    return f"dashboard.user.{user_id}"


def dashboard_team_group(team_id: int) -> str:
    return f"dashboard.team.{team_id}"


def access_user_group(user_id: int) -> str:
    """Sockets of one user, told to re-check what they may see after a membership change."""
    return f"access.user.{user_id}"


def access_campaign_group(campaign_id: int) -> str:
    """Run sockets of one campaign, told to re-check after its visibility or team changed."""
    return f"access.campaign.{campaign_id}"


def dashboard_groups_for_run(run) -> list[str]:
    """Dashboard groups whose members may see this run: ``policies.run_audience`` as group names.

    A test run reaches no dashboard: only its owner's run page follows it.
    """
    if run.kind == "test":
        return []
    audience = policies.run_audience(run)
    if audience.public:
        return [DASHBOARD_PUBLIC]
    groups = [DASHBOARD_SUPERUSERS, *(dashboard_user_group(u) for u in audience.user_ids)]
    if audience.team_id is not None:
        groups.append(dashboard_team_group(audience.team_id))
    return groups


def dashboard_groups_for_user(user, team_ids) -> list[str]:
    """Dashboard groups a user's dashboard socket joins.

    A user who sees every run (``policies.sees_every_run``) joins the superusers' group and the public one
    only: :func:`dashboard_groups_for_run` sends every other run to the first, so each event reaches such a
    socket once.  Anyone else joins their own group, their teams' and the public one.
    """
    if policies.sees_every_run(user):
        return [DASHBOARD_SUPERUSERS, DASHBOARD_PUBLIC]
    return [dashboard_user_group(user.pk), DASHBOARD_PUBLIC, *(dashboard_team_group(t) for t in sorted(team_ids))]


def dashboard_groups_overlap(user, team_ids) -> bool:
    """Can one run's events reach two of the user's dashboard groups?

    Only through a team: a run the user owns or launched, shared with one of their teams, goes to their own
    group and to the team's.  Without a team (or for a superuser) the groups share no run.
    """
    return not policies.sees_every_run(user) and bool(team_ids)
