"""Creating, editing, sharing, forking and deleting campaigns.

Every change of graph or parameters is a new immutable version; a change of
layout only (steps moved, sticky notes) is saved on the campaign without one
(``layout``); every change is audited; a campaign with executable steps is saved only by users
``policies.executables_refusal`` allows.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from ... import policies
from ...events import access_changed_on_commit
from ...graph.diff import definition_diff, diff_summary
from ...graph.layout import CampaignLayout, graph_positions, graph_with_positions, graph_without_layout
from ...models import RUN_TERMINAL, Campaign, CampaignVersion, Team, Visibility
from ..audit import Action, audit_record, campaign_audit_team
from ..errors import EditConflict, ServiceError, StateConflict, forbid
from .layout import campaign_graph, layout_conflict_check, layout_effective, layout_merge, layout_store
from .rules import (
    VERB_OF_ACTION,
    definition_validate,
    executables_check,
    sharing_check,
    tags_normalize,
    team_for_campaigns,
)

UNSET: Any = object()


def campaign_create(
    *,
    owner,
    name: str,
    description: str = "",
    parameters: Any = None,
    graph: Any,
    layout: Any = None,
    team: Team | None = None,
    visibility: str = Visibility.PRIVATE,
    tags: Any = None,
    forked_from: Campaign | None = None,
    note: str = "created",
    audit_action: str = Action.CAMPAIGN_CREATE,
    audit_details: dict | None = None,
) -> Campaign:
    """Create a campaign and its version 1; nothing is saved when anything is invalid or forbidden.

    ``layout`` (step positions, sticky notes) is checked against the graph and kept on the campaign.
    """
    params, normalized = definition_validate(parameters=parameters or [], graph=graph, user=owner)
    new_layout = layout_merge(layout_effective(None, normalized), graph=normalized, graph_sent=True, layout=layout)
    normalized = graph_with_positions(normalized, new_layout["positions"])
    visibility = sharing_check(visibility, team)
    tags = tags_normalize(tags)
    executables_check(user=owner, team=team, graph=normalized, verb=VERB_OF_ACTION.get(audit_action, "save"))
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
        layout=new_layout,
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
    layout: Any = None,
    tags: Any = None,
    team: Any = UNSET,
    visibility: Any = UNSET,
    base_version: int | None = None,
    layout_revision: int | None = None,
) -> Campaign:
    """Change a campaign; a changed graph or parameters becomes a new immutable version.

    Moved steps (in ``graph`` or ``layout.positions``) and ``layout.notes`` alone change the
    campaign's layout and keep its version; a new version carries the layout's positions.

    With ``base_version`` older than the current version nothing is changed
    and EditConflict carries what changed since; so it does with ``layout_revision`` older than
    the layout's when the save would change the layout (``layout.py``).  Changing ``team`` or
    ``visibility`` needs the owner or a team admin; the rest an editor.
    """
    campaign = Campaign.objects.select_for_update(of=("self",)).select_related("team").get(pk=campaign.pk)
    if base_version is not None and base_version != campaign.version:
        raise _conflict(campaign, base_version)
    forbid(policies.CAMPAIGN_EDIT.refusal(campaign, user))
    old_team, old_visibility = campaign.team, campaign.visibility
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
        sharing_check(new_visibility, new_team)

    current = campaign.current_version
    new_params = current.parameters if parameters is None else parameters
    new_graph = current.graph if graph is None else graph
    if parameters is not None or graph is not None:
        new_params, new_graph = definition_validate(
            parameters=new_params, graph=new_graph, user=user, campaign=campaign
        )
    stored_layout = layout_effective(campaign.layout, current.graph)
    new_layout = layout_merge(stored_layout, graph=new_graph, graph_sent=graph is not None, layout=layout)
    layout_conflict_check(campaign, stored=stored_layout, new=new_layout, base_revision=layout_revision)
    new_tags = campaign.tags if tags is None else tags_normalize(tags)
    executables_check(user=user, team=new_team, graph=new_graph, verb="save")

    changed_fields = []
    definition_changed = new_params != current.parameters or graph_without_layout(new_graph) != graph_without_layout(
        current.graph
    )
    if definition_changed:
        campaign.version = current.number + 1
        new_graph = graph_with_positions(new_graph, new_layout["positions"])
        CampaignVersion.objects.create(
            campaign=campaign, number=campaign.version, parameters=new_params, graph=new_graph, created_by=user
        )
        changed_fields.append("definition")
    if new_layout != stored_layout:
        changed_fields.append("layout")
    layout_store(campaign, new_layout, changed=new_layout != stored_layout)
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
        audit_record(
            actor=user,
            action=Action.CAMPAIGN_SHARE,
            target=campaign,
            campaign=campaign,
            team=campaign_audit_team(campaign) or (old_team if old_visibility != "private" else None),
            details={
                "from": {"visibility": old_visibility, "team": old_team.name if old_team else None},
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
    if old.parameters == current.parameters and graph_without_layout(old.graph) == graph_without_layout(current.graph):
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
    # The old version opens as it looked; the notes are the campaign's and stay.
    restored: CampaignLayout = {
        "positions": graph_positions(graph),
        "notes": layout_effective(campaign.layout, graph)["notes"],
    }
    layout_store(campaign, restored, changed=True)
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
        graph=campaign_graph(campaign, version),
        layout={"notes": layout_effective(campaign.layout, version.graph)["notes"]},
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
