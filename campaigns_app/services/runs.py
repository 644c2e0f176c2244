"""Launching runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ..graph.validation import parameter_value_error
from ..models import Batch, Campaign, CampaignVersion, Run, RunState, StepRun
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


def max_parallel_check(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ParametersInvalid({"max_parallel": ["must be a positive integer or null"]})
    return value


def _run_create(*, campaign: Campaign, version: CampaignVersion, user, values: dict, batch: Batch | None,
                max_parallel: int | None) -> Run:
    definition = version_definition(version.pk)
    run = Run.objects.create(campaign=campaign, version=version, owner=user, parameters=values,
                             state=RunState.QUEUED, batch=batch, max_parallel=max_parallel)
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
        ready = [sr for sr in step_runs if sr.step_id in roots]
        steps_queue(ledger, ready[:max_parallel] if max_parallel else ready)
        StepRun.objects.bulk_create(step_runs)
    return run


@transaction.atomic
def run_launch(*, campaign: Campaign, user, parameters: Any = None, version: CampaignVersion | None = None,
               max_parallel: Any = None) -> Run:
    """Create a run of the campaign's current version and queue its root steps after commit."""
    version = version or campaign.current_version
    values = parameters_resolve(version_definition(version.pk).parameters, parameters)
    return _run_create(campaign=campaign, version=version, user=user, values=values, batch=None,
                       max_parallel=max_parallel_check(max_parallel))


MAX_INSTANCES = 1000


def batch_launch(*, campaign: Campaign, user, instances: Any, max_parallel: Any = None) -> tuple[Batch, list[Run]]:
    """Launch one run per instance in one transaction: every instance is checked first, all or nothing."""
    max_parallel = max_parallel_check(max_parallel)
    if not isinstance(instances, list) or not instances:
        raise ParametersInvalid({"instances": ["must be a non-empty list of {\"parameters\": {...}}"]})
    if len(instances) > MAX_INSTANCES:
        raise ParametersInvalid({"instances": [f"at most {MAX_INSTANCES} instances per launch"]})
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
        runs = [_run_create(campaign=campaign, version=version, user=user, values=values, batch=batch,
                            max_parallel=max_parallel) for values in resolved]
    return batch, runs
