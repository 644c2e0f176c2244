"""The campaigns that workflow steps name, looked up for a user: for saving, importing and exporting."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from .. import selectors
from ..graph.workflows import ChildCampaign, ChildResolver, WorkflowLimits
from ..models import Campaign, CampaignVersion, Source


def _campaign_id(ref: Any) -> int | None:
    if isinstance(ref, bool):
        return None
    if isinstance(ref, int):
        return ref
    if isinstance(ref, str) and ref.isdigit():
        return int(ref)
    return None


def _by_reference(ref: Any, user) -> Campaign | str:
    """A campaign by id, or by an export's ``{"id", "name"}`` (the name decides when the id is another campaign's)."""
    visible = selectors.campaigns_visible_to(user) if user is not None else Campaign.objects.all()
    if isinstance(ref, dict):
        name = ref.get("name")
        if not isinstance(name, str) or not name.strip():
            return 'campaign must be a campaign id, or {"name": ...} naming one you may see'
        exported_id = _campaign_id(ref.get("id"))
        by_id = visible.filter(pk=exported_id, name=name).first() if exported_id is not None else None
        if by_id is not None:
            return by_id
        named = list(visible.filter(name=name).order_by("pk")[:2])
        if not named:
            return f"no campaign named {name!r} that you may see"
        if len(named) > 1:
            return f"several campaigns you may see are named {name!r}: give its id"
        return named[0]
    campaign_id = _campaign_id(ref)
    if campaign_id is None:
        return f"campaign must be a campaign id, not {ref!r}"
    campaign = visible.filter(pk=campaign_id).first()
    if campaign is None:
        return f"no campaign {campaign_id} that you may see"
    return campaign


def child_campaign(campaign: Campaign, version: CampaignVersion) -> ChildCampaign:
    calls = tuple(
        (s["id"], s["campaign"], s["version"])
        for s in version.graph.get("steps", [])
        if s.get("kind") == "workflow" and isinstance(s.get("campaign"), int)
    )
    return ChildCampaign(
        id=campaign.pk, name=campaign.name, version=version.number, parameters=tuple(version.parameters), calls=calls
    )


def child_resolver(user) -> ChildResolver:
    """Resolve workflow steps' campaigns as ``user`` sees them; a missing version pins the current one."""

    def resolve(ref: Any, version: Any) -> ChildCampaign | str:
        campaign = _by_reference(ref, user)
        if isinstance(campaign, str):
            return campaign
        if campaign.source == Source.EXTERNAL:
            return f"campaign {campaign.name!r} mirrors an attached AsyncFlow script and cannot run as a step"
        number = campaign.version if version is None else version
        found = CampaignVersion.objects.filter(campaign=campaign, number=number).first()
        if found is None:
            return f"campaign {campaign.name!r} has no version {number} (1 to {campaign.version})"
        return child_campaign(campaign, found)

    return resolve


def workflow_limits(campaign: Campaign | None) -> WorkflowLimits:
    return WorkflowLimits(
        max_depth=settings.STUDIO_MAX_WORKFLOW_DEPTH,
        max_items=settings.STUDIO_MAX_FOR_EACH_ITEMS,
        campaign_id=campaign.pk if campaign is not None else None,
        campaign_name=campaign.name if campaign is not None else "this campaign",
    )


def graph_with_named_children(graph: dict) -> dict:
    """A graph whose workflow steps name their campaign as ``{"id", "name"}``, for a document another studio reads."""
    ids = {s["campaign"] for s in graph.get("steps", []) if s.get("kind") == "workflow"}
    if not ids:
        return graph
    names = dict(Campaign.objects.filter(pk__in=ids).values_list("pk", "name"))
    steps = [
        {**s, "campaign": {"id": s["campaign"], "name": names.get(s["campaign"], "")}}
        if s.get("kind") == "workflow"
        else s
        for s in graph["steps"]
    ]
    return {**graph, "steps": steps}
