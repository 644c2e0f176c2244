"""Launching runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ..graph.validation import parameter_value_error
from ..models import Batch, Campaign, CampaignVersion, Run, RunState, Source, StepRun
from .definitions import version_definition
from .errors import ParametersInvalid, ServiceError
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


def _run_create(*, campaign: Campaign, version: CampaignVersion, user, values: dict, batch: Batch | None) -> Run:
    definition = version_definition(version.pk)
    run = Run.objects.create(campaign=campaign, version=version, owner=user, parameters=values,
                             state=RunState.QUEUED, batch=batch)
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


@transaction.atomic
def run_launch(*, campaign: Campaign, user, parameters: Any = None, version: CampaignVersion | None = None) -> Run:
    """Create a run of the campaign's current version and queue its root steps after commit."""
    _refuse_external(campaign)
    version = version or campaign.current_version
    values = parameters_resolve(version_definition(version.pk).parameters, parameters)
    return _run_create(campaign=campaign, version=version, user=user, values=values, batch=None)


def _refuse_external(campaign: Campaign) -> None:
    if campaign.source == Source.EXTERNAL:
        raise ServiceError({"campaign": ["this campaign mirrors an attached AsyncFlow script: run the script to "
                                         "run it again"]})


MAX_INSTANCES = 1000


def batch_launch(*, campaign: Campaign, user, instances: Any) -> tuple[Batch, list[Run]]:
    """Launch one run per instance in one transaction: every instance is checked first, all or nothing."""
    if not isinstance(instances, list) or not instances:
        raise ParametersInvalid({"instances": ["must be a non-empty list of {\"parameters\": {...}}"]})
    if len(instances) > MAX_INSTANCES:
        raise ParametersInvalid({"instances": [f"at most {MAX_INSTANCES} instances per launch"]})
    _refuse_external(campaign)
    version = campaign.current_version
    declared = version_definition(version.pk).parameters
    resolved, faults = [], {}
    for index, instance in enumerate(instances):
        if not isinstance(instance, Mapping):
            faults[str(index)] = {"parameters": ["each instance must be an object with parameters"]}
            continue
        try:
            resolved.append(parameters_resolve(declared, instance.get("parameters")))
        except ParametersInvalid as exc:
            faults[str(index)] = exc.detail
    if faults:
        raise ParametersInvalid({"instances": faults})
    with transaction.atomic():
        batch = Batch.objects.create(campaign=campaign, owner=user)
        runs = [_run_create(campaign=campaign, version=version, user=user, values=values, batch=batch)
                for values in resolved]
    return batch, runs
