"""Creating, editing, sharing, forking and deleting campaigns.

Every change of graph or parameters is a new immutable version; every change
is audited; a campaign with executable steps is saved only by users
``policies.executables_refusal`` allows.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import policies
from ..backends import available_backends
from ..backends.registry import backend_refuses
from ..events import access_changed_on_commit
from ..graph import GraphError, validate_campaign
from ..graph.diff import definition_diff, diff_summary
from ..graph.errors import GraphFault
from ..graph.executables import ExecutableRules
from ..graph.validation import GraphLimits
from ..models import RUN_TERMINAL, Campaign, CampaignVersion, Team, Visibility
from ..step_functions import function_registry
from .audit import Action, audit_record, campaign_audit_team
from .errors import DefinitionInvalid, EditConflict, ServiceError, StateConflict, forbid
from .workflow_refs import child_resolver, workflow_limits

UNSET: Any = object()
MAX_TAGS = 20
MAX_TAG_LENGTH = 40


def definition_validate(
    *, parameters: Any, graph: Any, user=None, campaign: Campaign | None = None
) -> tuple[list[dict], dict]:
    """Normalised (parameters, graph), or DefinitionInvalid naming every fault.

    Workflow steps may run campaigns ``user`` may see (any, without a user);
    ``campaign`` is the one being saved, so that it cannot end up calling itself.
    """
    signatures = {name: fn.signature for name, fn in function_registry().items()}
    try:
        size_limits = GraphLimits(
            max_steps=settings.STUDIO_MAX_STEPS,
            max_value_bytes=settings.STUDIO_MAX_KWARGS_BYTES,
            max_depth=settings.STUDIO_MAX_JSON_DEPTH,
        )
        params, normalized = validate_campaign(
            parameters=parameters,
            graph=graph,
            functions=signatures,
            backends=available_backends(),
            resolve=child_resolver(user),
            limits=workflow_limits(campaign),
            size_limits=size_limits,
            rules=ExecutableRules(allow_unsafe_env=settings.STUDIO_STEP_ENV_ALLOW_UNSAFE),
        )
        backend_faults = steps_backend_faults(normalized["steps"])
        if backend_faults:
            raise GraphError(backend_faults)
        return params, normalized
    except GraphError as exc:
        raise DefinitionInvalid(exc.by_field()) from exc


def tags_normalize(tags: Any) -> list[str]:
    """Trimmed, de-duplicated tags in the order given; ServiceError naming ``tags`` otherwise."""
    if tags is None:
        return []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ServiceError({"tags": ["must be a list of strings"]})
    out: list[str] = []
    for tag in (t.strip() for t in tags):
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ServiceError({"tags": [f"tag {tag[:20]!r}… is longer than {MAX_TAG_LENGTH} characters"]})
        if tag.lower() not in {t.lower() for t in out}:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise ServiceError({"tags": [f"at most {MAX_TAGS} tags"]})
    return out


def team_for_campaigns(*, user, team_id: Any) -> Team | None:
    """The team a user may put campaigns in (editor or above), or None; ServiceError naming ``team``."""
    if team_id in (None, ""):
        return None
    if isinstance(team_id, Team):
        team = team_id
    else:
        if isinstance(team_id, bool) or not isinstance(team_id, (int, str)) or not str(team_id).isdigit():
            raise ServiceError({"team": ["must be a team id or null"]})
        team = Team.objects.filter(pk=int(team_id)).first()
    if team is None or (not user.is_superuser and team.pk not in policies.user_team_roles(user)):
        raise ServiceError({"team": [f"no team {team_id} among your teams"]})
    refusal = policies.TEAM_PLACE.refusal(team, user, team=team.name)
    if refusal:
        raise ServiceError({"team": [refusal]})
    return team


def _sharing_check(visibility: Any, team: Team | None) -> str:
    if visibility not in Visibility.values:
        raise ServiceError({"visibility": [f"must be one of {', '.join(Visibility.values)}"]})
    if visibility == Visibility.TEAM and team is None:
        raise ServiceError({"visibility": ["a team campaign needs a team: set team too"]})
    return visibility


def executables_check(*, user, team: Team | None, graph: dict, verb: str) -> None:
    """ActionForbidden unless ``policies.executables_refusal`` lets the user ``verb`` this graph in this team.

    The one check of the right to run executable steps, for saves, imports,
    forks, launches, retries and child runs alike.
    """
    forbid(
        policies.executables_refusal(user, team, graph, verb), executable_steps=policies.graph_executable_steps(graph)
    )


_VERB_OF_ACTION = {Action.CAMPAIGN_FORK: "fork", Action.CAMPAIGN_IMPORT: "import"}


def steps_backend_faults(steps: list[dict]) -> list[GraphFault]:
    """Steps their backend cannot run (a function on radical); resources are checked by the graph validator."""
    faults = []
    for step in steps:
        refused = backend_refuses(step.get("backend", "thread"), step["kind"])
        if refused:
            faults.append(GraphFault(f"step {step['id']!r}: {refused}", step=step["id"]))
    return faults


@transaction.atomic
def campaign_create(
    *,
    owner,
    name: str,
    description: str = "",
    parameters: Any = None,
    graph: Any,
    team: Team | None = None,
    visibility: str = Visibility.PRIVATE,
    tags: Any = None,
    forked_from: Campaign | None = None,
    note: str = "created",
    audit_action: str = Action.CAMPAIGN_CREATE,
    audit_details: dict | None = None,
) -> Campaign:
    """Create a campaign and its version 1; nothing is saved when anything is invalid or forbidden."""
    params, normalized = definition_validate(parameters=parameters or [], graph=graph, user=owner)
    visibility = _sharing_check(visibility, team)
    tags = tags_normalize(tags)
    executables_check(user=owner, team=team, graph=normalized, verb=_VERB_OF_ACTION.get(audit_action, "save"))
    campaign = Campaign.objects.create(
        owner=owner,
        name=name,
        description=description,
        version=1,
        team=team,
        visibility=visibility,
        tags=tags,
        forked_from=forked_from,
        forked_from_version=forked_from.version if forked_from else None,
    )
    CampaignVersion.objects.create(
        campaign=campaign, number=1, parameters=params, graph=normalized, created_by=owner, note=note
    )
    details = {"version": 1, "visibility": visibility, "team": team.name if team else None, **(audit_details or {})}
    audit_record(actor=owner, action=audit_action, target=campaign, campaign=campaign, details=details)
    return campaign


def _conflict(campaign: Campaign, base_version: int) -> EditConflict:
    base = campaign.versions.filter(number=base_version).first()
    current = campaign.current_version
    changes = definition_diff(
        {"parameters": base.parameters, "graph": base.graph} if base else {},
        {"parameters": current.parameters, "graph": current.graph},
    )
    return EditConflict(
        {
            "detail": (
                f"campaign {campaign.name!r} changed since version {base_version}: it is at version "
                f"{campaign.version} ({diff_summary(changes)}). Reload it, or send base_version "
                f"{campaign.version} to overwrite."
            ),
            "base_version": base_version,
            "current_version": campaign.version,
            "changes": changes,
            "current": {
                "version": campaign.version,
                "name": campaign.name,
                "description": campaign.description,
                "parameters": current.parameters,
                "graph": current.graph,
            },
        }
    )


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    user,
    name: str | None = None,
    description: str | None = None,
    parameters: Any = None,
    graph: Any = None,
    tags: Any = None,
    team: Any = UNSET,
    visibility: Any = UNSET,
    base_version: int | None = None,
) -> Campaign:
    """Change a campaign; a changed graph or parameters becomes a new immutable version.

    With ``base_version`` older than the current version nothing is changed
    and EditConflict carries what changed since.  Changing ``team`` or
    ``visibility`` needs the owner or a team admin; the rest an editor.
    """
    campaign = Campaign.objects.select_for_update(of=("self",)).select_related("team").get(pk=campaign.pk)
    if base_version is not None and base_version != campaign.version:
        raise _conflict(campaign, base_version)
    forbid(policies.CAMPAIGN_EDIT.refusal(campaign, user))
    before = {"team": campaign.team, "visibility": campaign.visibility}
    new_team = campaign.team
    if team is not UNSET:
        team_id = team.pk if isinstance(team, Team) else team
        if team_id in (None, ""):
            new_team = None
        elif str(team_id) != str(campaign.team_id):
            new_team = team_for_campaigns(user=user, team_id=team)
    new_visibility = campaign.visibility if visibility is UNSET else visibility
    sharing_changed = (new_team != campaign.team) or (new_visibility != campaign.visibility)
    if sharing_changed:
        forbid(policies.CAMPAIGN_SHARE.refusal(campaign, user))
        _sharing_check(new_visibility, new_team)

    current = campaign.current_version
    new_params = current.parameters if parameters is None else parameters
    new_graph = current.graph if graph is None else graph
    if parameters is not None or graph is not None:
        new_params, new_graph = definition_validate(
            parameters=new_params, graph=new_graph, user=user, campaign=campaign
        )
    new_tags = campaign.tags if tags is None else tags_normalize(tags)
    executables_check(user=user, team=new_team, graph=new_graph, verb="save")

    changed_fields = []
    definition_changed = new_params != current.parameters or new_graph != current.graph
    if definition_changed:
        campaign.version = current.number + 1
        CampaignVersion.objects.create(
            campaign=campaign, number=campaign.version, parameters=new_params, graph=new_graph, created_by=user
        )
        changed_fields.append("definition")
    for field, value in (("name", name), ("description", description)):
        if value is not None and getattr(campaign, field) != value:
            setattr(campaign, field, value)
            changed_fields.append(field)
    if new_tags != campaign.tags:
        campaign.tags = new_tags
        changed_fields.append("tags")
    campaign.team, campaign.visibility = new_team, new_visibility
    campaign.save()

    if changed_fields:
        details: dict[str, Any] = {"fields": changed_fields, "version": campaign.version}
        if definition_changed:
            details["changes"] = diff_summary(
                definition_diff(
                    {"parameters": current.parameters, "graph": current.graph},
                    {"parameters": new_params, "graph": new_graph},
                )
            )
        audit_record(actor=user, action=Action.CAMPAIGN_EDIT, target=campaign, campaign=campaign, details=details)
    if sharing_changed:
        old_team = before["team"]
        audit_record(
            actor=user,
            action=Action.CAMPAIGN_SHARE,
            target=campaign,
            campaign=campaign,
            team=campaign_audit_team(campaign) or (old_team if before["visibility"] != "private" else None),
            details={
                "from": {"visibility": before["visibility"], "team": old_team.name if old_team else None},
                "to": {"visibility": new_visibility, "team": new_team.name if new_team else None},
            },
        )
        # Open run sockets of people who just lost sight of it must close.
        access_changed_on_commit(campaign_ids=[campaign.pk])
    return campaign


@transaction.atomic
def campaign_version_restore(*, campaign: Campaign, user, number: int, base_version: int | None = None) -> Campaign:
    """Make an old version's definition current again, as a new version (history is never rewritten)."""
    campaign = Campaign.objects.select_for_update(of=("self",)).select_related("team").get(pk=campaign.pk)
    if base_version is not None and base_version != campaign.version:
        raise _conflict(campaign, base_version)
    forbid(policies.CAMPAIGN_EDIT.refusal(campaign, user))
    old = campaign.versions.filter(number=number).first()
    if old is None:
        raise ServiceError({"version": [f"campaign has no version {number} (1 to {campaign.version})"]})
    current = campaign.current_version
    if old.parameters == current.parameters and old.graph == current.graph:
        raise ServiceError({"version": [f"version {number} is the same as the current version {campaign.version}"]})
    # Re-validated: a function or backend may have been removed since.
    params, graph = definition_validate(parameters=old.parameters, graph=old.graph, user=user, campaign=campaign)
    executables_check(user=user, team=campaign.team, graph=graph, verb="restore")
    campaign.version = current.number + 1
    CampaignVersion.objects.create(
        campaign=campaign,
        number=campaign.version,
        parameters=params,
        graph=graph,
        created_by=user,
        note=f"restored version {number}",
    )
    campaign.save()
    audit_record(
        actor=user,
        action=Action.CAMPAIGN_RESTORE,
        target=campaign,
        campaign=campaign,
        details={"restored": number, "version": campaign.version},
    )
    return campaign


@transaction.atomic
def campaign_fork(*, campaign: Campaign, user, name: str | None = None, team: Any = None) -> Campaign:
    """Copy the current version into the user's space (private) or a team (team-visible), recording the lineage."""
    if not policies.campaign_visible(campaign, user):
        raise ServiceError({"detail": "not found"})
    target_team = team_for_campaigns(user=user, team_id=team)
    name = (name or "").strip() or f"{campaign.name} (fork)"
    if len(name) > 200:
        raise ServiceError({"name": ["at most 200 characters"]})
    version = campaign.current_version
    fork = campaign_create(
        owner=user,
        name=name,
        description=campaign.description,
        parameters=version.parameters,
        graph=version.graph,
        team=target_team,
        visibility=Visibility.TEAM if target_team else Visibility.PRIVATE,
        tags=campaign.tags,
        forked_from=campaign,
        note=f"forked from {campaign.name!r} version {version.number}",
        audit_action=Action.CAMPAIGN_FORK,
        audit_details={
            "forked_from": campaign.pk,
            "forked_from_name": campaign.name,
            "forked_from_version": version.number,
        },
    )
    if campaign_audit_team(campaign) is not None and campaign_audit_team(campaign) != campaign_audit_team(fork):
        # The source team's admins learn who copied their template.
        audit_record(
            actor=user,
            action=Action.CAMPAIGN_FORK,
            target=campaign,
            campaign=campaign,
            details={"fork": fork.pk, "fork_name": fork.name, "version": version.number},
        )
    return fork


@transaction.atomic
def campaign_delete(*, campaign: Campaign, user=None) -> None:
    """Delete a campaign with its versions and runs (owner or team admin); refused while runs are active."""
    if user is not None:
        forbid(policies.CAMPAIGN_DELETE.refusal(campaign, user))
    active = campaign.runs.exclude(state__in=RUN_TERMINAL).count()
    if active:
        raise StateConflict(
            {
                "detail": f"{active} run(s) of this campaign are still queued or running: cancel them first",
                "active_runs": active,
            }
        )
    audit_record(
        actor=user,
        action=Action.CAMPAIGN_DELETE,
        target=campaign,
        campaign=campaign,
        details={"runs": campaign.runs.count(), "version": campaign.version},
    )
    access_changed_on_commit(campaign_ids=[campaign.pk])
    campaign.delete()


def campaign_touch(*, campaign: Campaign) -> None:
    """Note a launch for the library's "recently used" order (no version, no audit)."""
    Campaign.objects.filter(pk=campaign.pk).update(last_used_at=timezone.now())
