"""Testing one step of a campaign alone, from the editor: a run of kind ``test`` that is never saved as a version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ..graph.templating import TemplateError, render_results
from ..models import Campaign, Run, RunKind, RunState
from .audit import Action, audit_record
from .campaigns import definition_validate
from .definitions import TEST_INPUTS_KEY, graph_definition
from .errors import DefinitionInvalid, ParametersInvalid
from .runs import external_campaign_refuse, launch_check, parameters_resolve
from .transitions import runs_queue_new

TESTABLE_KINDS = ("function", "executable")


def _step_alone(step: Any, upstream: Any) -> dict:
    """The step with its sample upstream results in place of ``{{ steps.X.result }}``, and no dependencies."""
    if not isinstance(step, Mapping) or not isinstance(step.get("id"), str) or not step["id"]:
        raise DefinitionInvalid({"step": ["must be a step object with an id"]})
    step_id = step["id"]
    if step.get("kind", "function") not in TESTABLE_KINDS:
        raise DefinitionInvalid(
            {"step": [f"step {step_id!r}: a {step.get('kind')} step cannot be tested alone; launch the campaign"]}
        )
    if upstream is None:
        upstream = {}
    if not isinstance(upstream, Mapping):
        raise DefinitionInvalid({"upstream": ["must be an object of step id: sample result"]})
    body = {k: v for k, v in step.items() if k not in ("depends_on", "id", "name")}
    try:
        rendered = render_results(body, upstream)
    except TemplateError as exc:
        raise DefinitionInvalid({"upstream": [f"step {step_id!r}: {exc}; give a sample result for it"]}) from exc
    return {**rendered, "id": step_id, "name": step.get("name") or step_id}


@transaction.atomic
def step_test_launch(*, campaign: Campaign, user, step: Any, parameters: Any = None, upstream: Any = None) -> Run:
    """Run one (unsaved) step once on a worker, as a run of kind ``test``: no save, no new version.

    The same rights as a launch (executable steps included) and the same validation as a save; the
    sample ``upstream`` results stand in for the steps this one depends on.
    """
    external_campaign_refuse(campaign)
    version = campaign.current_version
    alone = _step_alone(step, upstream)
    # Rights first, on the step as sent: a user who may not launch gets the 403, not a list of its faults.
    launch_check(campaign=campaign, user=user, graph={"steps": [alone]})
    declared, graph = definition_validate(
        parameters=version.parameters, graph={"steps": [alone], "edges": []}, user=user, campaign=campaign
    )
    if not isinstance(parameters, Mapping | None):
        raise ParametersInvalid({"parameters": ["must be an object of name: value"]})
    values = parameters_resolve(declared, parameters)
    run = Run(
        campaign=campaign,
        version=version,
        owner=user,
        parameters=values,
        state=RunState.QUEUED,
        kind=RunKind.TEST,
        # The samples also stand in for the step's ``inputs`` (its upstream results), which a lone step has none of.
        test_graph={**graph, TEST_INPUTS_KEY: dict(upstream or {})},
    )
    runs_queue_new([run], graph_definition(declared, graph))
    audit_record(
        actor=user,
        action=Action.RUN_TEST,
        target=run,
        target_repr=f"test run {run.pk} of step {alone['id']!r} of {campaign.name}",
        campaign=campaign,
        details={"version": version.number, "step": alone["id"], "parameters": values},
    )
    return run
