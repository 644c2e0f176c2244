"""What a campaign definition must satisfy before it is saved: its graph, tags, team, sharing and executables."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from ... import policies
from ...backends import available_backends
from ...backends.registry import backend_refuses
from ...graph import GraphError, validate_campaign
from ...graph.errors import GraphFault
from ...graph.executables import ExecutableRules
from ...graph.validation import GraphLimits
from ...models import Campaign, Team, Visibility
from ...step_functions import function_registry
from ..audit import Action
from ..errors import DefinitionInvalid, ServiceError, forbid
from ..workflow_refs import child_resolver, workflow_limits

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
    team: Team | None
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


def sharing_check(visibility: Any, team: Team | None) -> str:
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


VERB_OF_ACTION = {Action.CAMPAIGN_FORK: "fork", Action.CAMPAIGN_IMPORT: "import"}


def steps_backend_faults(steps: list[dict]) -> list[GraphFault]:
    """Steps their backend cannot run (a function on radical); resources are checked by the graph validator."""
    faults = []
    for step in steps:
        refused = backend_refuses(step.get("backend", "thread"), step["kind"])
        if refused:
            faults.append(GraphFault(f"step {step['id']!r}: {refused}", step=step["id"]))
    return faults
