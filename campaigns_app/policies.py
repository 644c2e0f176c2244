"""Who may see and do what: each rule once, with the words that explain a refusal.

The visibility rule is written here as a ``Q`` (for querysets), as a
predicate (for one object) and as the audience of a run (for broadcasts);
the permission classes of the API, the services, the consumers and
``events`` all ask this module.  What a user may not see answers 404;
what they may see but not do answers 403 with the rule's message.

Executable steps run commands on the workers, so the right to hold them is
given by a site admin (``is_staff``), never taken:

* in a team: the team must have been allowed by a site admin
  (``Team.may_run_executables``), and the user's role in it must reach the
  team's ``executable_min_role`` (editor unless its admins chose otherwise);
* outside any team: only site admins, and users a site admin allowed
  (``UserCapabilities.may_run_executables``).

The rule is asked at save, import, fork, restore, launch, retry and for a
child run (:func:`executables_refusal`), always of the user doing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from .models import Membership, Role, Team, UserCapabilities, Visibility, role_at_least

# --- who the user is -----------------------------------------------------------------------------


def user_team_roles(user) -> dict[int, str]:
    """``{team_id: role}`` for the user's memberships, cached on the user object for one request."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, "_studio_team_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user_id=user.pk).values_list("team_id", "role"))
        user._studio_team_roles = cached
    return cached


def user_team_roles_forget(user) -> None:
    """Drop the cached roles (and rights) after a change in the same request or socket."""
    for attribute in ("_studio_team_roles", "_studio_capabilities"):
        if hasattr(user, attribute):
            delattr(user, attribute)


def is_site_admin(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def team_role(team: Team, user) -> str | None:
    if user.is_superuser:
        return Role.ADMIN
    return user_team_roles(user).get(team.pk)


def _user_may_run_executables_teamless(user) -> bool:
    cached = getattr(user, "_studio_capabilities", None)
    if cached is None:
        cached = UserCapabilities.objects.filter(user_id=user.pk, may_run_executables=True).exists()
        user._studio_capabilities = cached
    return cached


# --- visibility ----------------------------------------------------------------------------------


def visible_q(user, prefix: str = "") -> Q:
    """The one visibility rule, for querysets: own, public, or team-shared with one of the user's teams.

    Superusers see everything; callers skip the filter for them.
    """
    return (
        Q(**{f"{prefix}owner_id": user.pk})
        | Q(**{f"{prefix}visibility": Visibility.PUBLIC})
        | Q(**{f"{prefix}visibility": Visibility.TEAM, f"{prefix}team_id__in": list(user_team_roles(user))})
    )


def sees_every_run(user) -> bool:
    """Superusers see every campaign and run, whoever owns it and whatever its visibility."""
    return bool(user.is_authenticated and user.is_superuser)


def campaign_visible(campaign, user) -> bool:
    """The same rule as :func:`visible_q`, for one campaign."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or campaign.owner_id == user.pk or campaign.visibility == Visibility.PUBLIC:
        return True
    return campaign.visibility == Visibility.TEAM and campaign.team_id in user_team_roles(user)


@dataclass(frozen=True)
class RunAudience:
    """Who sees a run, as the broadcasts need it: everyone, or these users and this team's members.

    Superusers see every run.  The same rule as :func:`visible_q` on the
    run's campaign, plus the run's own launcher (runs are visible to whoever
    launched them, see ``selectors.runs_visible_to``).
    """

    public: bool
    user_ids: tuple[int, ...] = ()
    team_id: int | None = None


def run_audience(run) -> RunAudience:
    """Reads ``run.campaign`` (the ledger loads it with the locked run, so it is as of this transaction)."""
    campaign = run.campaign
    if campaign.visibility == Visibility.PUBLIC:
        return RunAudience(public=True)
    users = (campaign.owner_id,) if run.owner_id == campaign.owner_id else (campaign.owner_id, run.owner_id)
    team = campaign.team_id if campaign.visibility == Visibility.TEAM else None
    return RunAudience(public=False, user_ids=users, team_id=team)


def teams_visible_q(user) -> Q | None:
    """Teams a user sees: their own; site admins see every team (to grant rights).  None: no filter."""
    if is_site_admin(user):
        return None
    return Q(memberships__user_id=user.pk)


# --- campaign and run permissions ----------------------------------------------------------------


def campaign_team_role(campaign, user) -> str | None:
    """The user's role in the campaign's team, counted only while the campaign is shared with it."""
    if campaign.team_id is None or campaign.visibility == Visibility.PRIVATE:
        return None
    return user_team_roles(user).get(campaign.team_id)


def _campaign_allows(campaign, user, minimum: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or campaign.owner_id == user.pk:
        return True
    return role_at_least(campaign_team_role(campaign, user), minimum)


def campaign_launchable_by(campaign, user) -> bool:
    """Operators of the team launch; public campaigns may be launched by anyone, in their own name."""
    if campaign.visibility == Visibility.PUBLIC and user.is_authenticated:
        return True
    return _campaign_allows(campaign, user, Role.OPERATOR)


def campaign_editable_by(campaign, user) -> bool:
    return _campaign_allows(campaign, user, Role.EDITOR)


def campaign_manageable_by(campaign, user) -> bool:
    """Changing who sees it (visibility, team) and deleting: the owner or an admin of its team."""
    return _campaign_allows(campaign, user, Role.ADMIN)


def run_operable_by(run, user) -> bool:
    """May the user cancel or retry this run?  Its launcher, and whoever may launch its campaign as an operator.

    A public campaign lets anyone launch, but only their own runs: an
    outsider may not cancel someone else's run of it.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser or run.owner_id == user.pk:
        return True
    return _campaign_allows(run.campaign, user, Role.OPERATOR)


def team_manageable_by(team, user) -> bool:
    return team_role(team, user) == Role.ADMIN


def team_placeable_by(team, user) -> bool:
    """May the user put campaigns in this team?  Its editors and admins."""
    return role_at_least(team_role(team, user), Role.EDITOR)


@dataclass(frozen=True)
class Rule:
    """A predicate over (object, user) and what to tell a user it refuses.

    ``message`` may name the object's fields (``{team}`` is the team's name, ``{verb}`` what was tried).
    """

    allows: Callable[..., bool]
    message: str
    # What to do about a refusal of this object (whom to ask), added after the message.
    advice: Callable[..., str] | None = None

    def refusal(self, obj, user, **words) -> str | None:
        """None when the rule allows it, else the message (and what to do about it)."""
        if self.allows(obj, user):
            return None
        message = self.message.format(**words)
        return f"{message}: {self.advice(obj)}" if self.advice else message


def _ask_for_role(role: str) -> Callable[..., str]:
    def advice(campaign) -> str:
        if campaign.team_id and campaign.visibility != Visibility.PRIVATE:
            return f"ask an admin of team {campaign.team.name!r} for the {role} role"
        return "fork it to work on your own copy"

    return advice


CAMPAIGN_EDIT = Rule(
    campaign_editable_by,
    "you may view this campaign but not edit it (its owner and its team's editors and admins may)",
    _ask_for_role("editor"),
)
CAMPAIGN_LAUNCH = Rule(
    campaign_launchable_by,
    "you may view this campaign but not launch it (its owner and its team's operators, editors and admins may)",
    _ask_for_role("operator"),
)
CAMPAIGN_SHARE = Rule(
    campaign_manageable_by, "only the campaign's owner or an admin of its team may change who sees it"
)
CAMPAIGN_DELETE = Rule(campaign_manageable_by, "only the campaign's owner or an admin of its team may delete it")
RUN_OPERATE = Rule(
    run_operable_by,
    "you may view this run but not {verb} it (its launcher and its campaign's owner, operators, "
    "editors and admins may)",
)
TEAM_MANAGE = Rule(team_manageable_by, "only admins of {team!r} may manage its members and settings")
TEAM_PLACE = Rule(team_placeable_by, "only editors and admins of {team!r} may put campaigns in it")
USER_MANAGE = Rule(lambda _obj, user: is_site_admin(user), "only site admins may {verb}")
TEAM_GRANT_EXECUTABLES = Rule(
    lambda _team, user: is_site_admin(user), "only a site admin may allow or stop a team's executable steps"
)
USER_GRANT_EXECUTABLES = Rule(
    lambda _user, actor: is_site_admin(actor), "only a site admin may allow or stop a user's executable steps"
)


def campaign_permissions(campaign, user, graph: dict | None = None) -> dict[str, bool]:
    """What the user may do with a campaign, for the UI to show or hide actions (``graph``: its current one)."""
    return {
        "launch": campaign_launchable_by(campaign, user),
        "edit": campaign_editable_by(campaign, user),
        "manage": campaign_manageable_by(campaign, user),
        "fork": campaign_visible(campaign, user) and fork_refusal(campaign, user, graph) is None,
        "run_executables": may_run_executables(user, campaign.team if campaign.team_id else None),
    }


def fork_refusal(campaign, user, graph: dict | None = None) -> str | None:
    """Why every place a fork could go (the user's own space, a team they may put it in) refuses its
    executable steps, or None when there is one that takes it."""
    if graph is None:
        version = campaign.current_version
        graph = version.graph if version is not None else {}
    refusal = executables_refusal(user, None, graph, "fork")
    if refusal is None:
        return None
    roles = user_team_roles(user)
    if roles:
        for team in Team.objects.filter(pk__in=list(roles), may_run_executables=True):
            if team_placeable_by(team, user) and may_run_executables(user, team):
                return None
    return refusal


def campaign_denials(campaign, user, graph: dict | None = None) -> dict[str, str | None]:
    """For each action the user may not take, the reason shown before the click (None where allowed)."""
    return {
        "launch": CAMPAIGN_LAUNCH.refusal(campaign, user),
        "edit": CAMPAIGN_EDIT.refusal(campaign, user),
        "fork": fork_refusal(campaign, user, graph),
    }


# --- executable steps ----------------------------------------------------------------------------


def graph_executable_steps(graph: dict) -> list[str]:
    return [s["id"] for s in graph.get("steps", []) if s.get("kind") == "executable"]


def may_run_executables(user, team: Team | None) -> bool:
    """May the user save or start work with executable steps in this team (or, with None, outside any team)?"""
    if not user.is_authenticated:
        return False
    if is_site_admin(user):
        return True
    if team is None:
        return _user_may_run_executables_teamless(user)
    return team.may_run_executables and role_at_least(user_team_roles(user).get(team.pk), team.executable_min_role)


def _roles_from(minimum: str) -> str:
    return " and ".join(f"{r.value}s" for r in Role if role_at_least(r.value, minimum))


def executables_reason(user, team: Team | None, verb: str = "run") -> str | None:
    """Why the user may not use executable steps here, and what to do about it; None when they may."""
    if may_run_executables(user, team):
        return None
    if team is None:
        return (
            f"outside a team only site admins, and users a site admin allowed, may {verb} campaigns with "
            "executable steps: ask a site admin to allow you executable steps, or put the campaign in a team "
            "that may run them"
        )
    if not team.may_run_executables:
        return (
            f"team {team.name!r} may not run executable steps: ask a site admin to allow executable steps "
            f"for team {team.name!r}"
        )
    return (
        f"team {team.name!r} lets only {_roles_from(team.executable_min_role)} {verb} such campaigns: ask an "
        f"admin of {team.name!r} for that role"
    )


def executables_refusal(user, team: Team | None, graph: dict, verb: str) -> str | None:
    """Why the user may not ``verb`` this graph (it holds executable steps), or None.

    ``verb`` is what is being done ("save", "import", "fork", "launch",
    "retry", "start as a child run"); ``team`` is the team of the campaign
    the work belongs to (None: outside any team).  Child runs ask it with the
    launcher of the parent run and the child campaign's team.
    """
    steps = graph_executable_steps(graph)
    if not steps:
        return None
    reason = executables_reason(user, team, verb)
    if reason is None:
        return None
    named = ", ".join(repr(s) for s in steps[:5]) + (f" and {len(steps) - 5} more" if len(steps) > 5 else "")
    return f"executable step(s) {named} run commands on the workers; {reason}"


def executable_rights(user, teams) -> dict:
    """What the user may do with executable steps, outside any team and in each given team, with the reasons."""

    def entry(team):
        reason = executables_reason(user, team)
        return {"allowed": reason is None, "reason": reason}

    return {"teamless": entry(None), "teams": {str(t.pk): entry(t) for t in teams}}
