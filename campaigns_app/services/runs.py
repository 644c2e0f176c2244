"""Launching runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..graph.validation import parameter_value_error
from ..models import Campaign, CampaignVersion, Run, RunState, StepRun, StepState
from .definitions import version_definition
from .errors import ParametersInvalid
from .ledger import run_created
from .transitions import steps_queue


def parameters_resolve(declared: list[dict], given: Any) -> dict[str, Any]:
    """Launch values for every declared parameter: given, else default; ParametersInvalid names each fault."""
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise ParametersInvalid({"parameters": ["must be an object of name: value"]})
    faults: dict[str, list[str]] = {}
    known = {p["name"] for p in declared}
    for name in given:
        if name not in known:
            faults[name] = [f"unknown parameter (declared: {', '.join(sorted(known)) or 'none'})"]
    values: dict[str, Any] = {}
    for spec in declared:
        name = spec["name"]
        if name in given:
            problem = parameter_value_error(spec, given[name])
            if problem:
                faults[name] = [problem]
            values[name] = given[name]
        elif spec.get("default") is not None:
            values[name] = spec["default"]
        elif spec.get("required"):
            faults[name] = ["is required"]
        else:
            values[name] = None
    if faults:
        raise ParametersInvalid({"parameters": faults})
    return values


@transaction.atomic
def run_launch(*, campaign: Campaign, user, parameters: Any = None, version: CampaignVersion | None = None) -> Run:
    """Create a run of the campaign's current version and queue its root steps after commit."""
    version = version or campaign.current_version
    definition = version_definition(version.pk)
    values = parameters_resolve(definition.parameters, parameters)
    run = Run.objects.create(campaign=campaign, version=version, owner=user, parameters=values,
                             state=RunState.QUEUED)
    dag = definition.dag
    step_runs = [
        StepRun(run=run, step_id=step_id, name=definition.steps[step_id]["name"],
                backend=definition.steps[step_id].get("backend", "thread"), order=index)
        for index, step_id in enumerate(dag.topological_order())
    ]
    roots = set(dag.roots())
    with run_created(run) as ledger:
        ledger.record("run.state", RunState.QUEUED)
        # Queued before they are inserted, so one INSERT writes the final
        # state; their messages are sent after commit, when the ids exist.
        steps_queue(ledger, [sr for sr in step_runs if sr.step_id in roots])
        StepRun.objects.bulk_create(step_runs)
    return run
