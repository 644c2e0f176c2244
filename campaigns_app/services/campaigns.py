"""Creating and editing campaign definitions; every change of graph or parameters is a new version."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..backends import available_backends
from ..backends.registry import backend_refuses
from ..backends.resources import resource_problems
from ..graph import GraphError, validate_campaign
from ..graph.errors import GraphFault
from ..models import Campaign, CampaignVersion
from ..step_functions import function_registry
from .errors import DefinitionInvalid


def definition_validate(*, parameters: Any, graph: Any) -> tuple[list[dict], dict]:
    """Normalised (parameters, graph), or DefinitionInvalid naming every fault."""
    signatures = {name: fn.signature for name, fn in function_registry().items()}
    try:
        params, normalized = validate_campaign(parameters=parameters, graph=graph, functions=signatures,
                                               backends=available_backends())
        backend_faults = steps_backend_faults(normalized["steps"])
        if backend_faults:
            raise GraphError(backend_faults)
        return params, normalized
    except GraphError as exc:
        raise DefinitionInvalid(exc.by_field()) from exc


def steps_backend_faults(steps: list[dict]) -> list[GraphFault]:
    """Steps their backend cannot run (a function on radical) and malformed ``resources``."""
    faults = []
    for step in steps:
        refused = backend_refuses(step.get("backend", "thread"), step["kind"])
        if refused:
            faults.append(GraphFault(f"step {step['id']!r}: {refused}", step=step["id"]))
        for problem in resource_problems(step.get("resources")):
            faults.append(GraphFault(f"step {step['id']!r}: {problem}", step=step["id"]))
    return faults


@transaction.atomic
def campaign_create(*, owner, name: str, description: str = "", parameters: Any = None, graph: Any) -> Campaign:
    """Create a campaign and its version 1; nothing is saved when the definition is invalid."""
    params, normalized = definition_validate(parameters=parameters or [], graph=graph)
    campaign = Campaign.objects.create(owner=owner, name=name, description=description, version=1)
    CampaignVersion.objects.create(campaign=campaign, number=1, parameters=params, graph=normalized,
                                   created_by=owner)
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, user, name: str | None = None, description: str | None = None,
                    parameters: Any = None, graph: Any = None) -> Campaign:
    """Change a campaign; a changed graph or parameters becomes a new immutable version."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    current = campaign.current_version
    new_params = current.parameters if parameters is None else parameters
    new_graph = current.graph if graph is None else graph
    if parameters is not None or graph is not None:
        new_params, new_graph = definition_validate(parameters=new_params, graph=new_graph)
    if new_params != current.parameters or new_graph != current.graph:
        campaign.version = current.number + 1
        CampaignVersion.objects.create(campaign=campaign, number=campaign.version, parameters=new_params,
                                       graph=new_graph, created_by=user)
    if name is not None:
        campaign.name = name
    if description is not None:
        campaign.description = description
    campaign.save()
    return campaign


def campaign_delete(*, campaign: Campaign) -> None:
    """Delete a campaign with its versions and runs."""
    campaign.delete()
