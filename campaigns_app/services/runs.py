"""Launching runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction

from .. import policies
from ..graph.parameters import parameter_value_error
from ..models import Batch, Campaign, CampaignVersion, Run, RunState, Source
from .audit import Action, audit_record, audit_run_record
from .campaigns import campaign_touch, executables_check
from .definitions import run_definition, version_definition
from .errors import ParametersInvalid, ServiceError, forbid
from .transitions import copies, runs_queue_new


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


def _runs_create(
    *,
    campaign: Campaign,
    version: CampaignVersion,
    user,
    values: list[dict],
    batch: Batch | None,
    max_parallel: int | None,
) -> list[Run]:
    """One run per parameter set, queued with its steps and first events (``transitions.runs_queue_new``)."""
    # One instance built, copied for every parameter set (a batch of 10,000 runs pays one ``__init__``).
    template = Run(
        campaign=campaign, version=version, owner=user, state=RunState.QUEUED, batch=batch, max_parallel=max_parallel
    )
    runs = copies(template, [{"parameters": v} for v in values])
    runs_queue_new(runs, version_definition(version.pk))
    return runs


def launch_check(*, campaign: Campaign, user, graph: dict) -> None:
    """ActionForbidden unless the user may launch this campaign, executable steps included."""
    forbid(policies.CAMPAIGN_LAUNCH.refusal(campaign, user))
    executables_check(user=user, team=campaign.team if campaign.team_id else None, graph=graph, verb="launch")


def run_operate_check(*, run: Run, user, verb: str) -> None:
    """ActionForbidden unless the user may ``verb`` ("cancel", "retry") this run.

    The run must already be one the user may see (``selectors.run_visible``),
    so that an invisible run answers 404 before this is asked.  Retrying
    starts work again, so it also needs the right to run executable steps
    when the run's version has any, like a launch.
    """
    forbid(policies.RUN_OPERATE.refusal(run, user, verb=verb))
    if verb == "retry":
        campaign = run.campaign
        executables_check(
            user=user,
            team=campaign.team if campaign.team_id else None,
            graph=run_definition(run).graph,
            verb="retry",
        )


@transaction.atomic
def run_launch(
    *,
    campaign: Campaign,
    user,
    parameters: Any = None,
    version: CampaignVersion | None = None,
    max_parallel: Any = None,
) -> Run:
    """Create a run of the campaign's current version and queue its root steps after commit.

    Refuses (ActionForbidden) users who may not launch it, and bad parameters
    (ParametersInvalid naming each); either way nothing is saved.
    """
    external_campaign_refuse(campaign)
    version = version or campaign.current_version
    definition = version_definition(version.pk)
    launch_check(campaign=campaign, user=user, graph=definition.graph)
    values = parameters_resolve(definition.parameters, parameters)
    [run] = _runs_create(
        campaign=campaign,
        version=version,
        user=user,
        values=[values],
        batch=None,
        max_parallel=max_parallel_check(max_parallel),
    )
    campaign_touch(campaign=campaign)
    audit_run_record(
        actor=user, action=Action.RUN_LAUNCH, run=run, details={"version": version.number, "parameters": values}
    )
    return run


def external_campaign_refuse(campaign: Campaign) -> None:
    if campaign.source == Source.EXTERNAL:
        raise ServiceError(
            {"campaign": ["this campaign mirrors an attached AsyncFlow script: run the script to run it again"]}
        )


def batch_launch(*, campaign: Campaign, user, instances: Any, max_parallel: Any = None) -> tuple[Batch, list[Run]]:
    """Launch one run per instance in one transaction: every instance is checked first, all or nothing."""
    max_parallel = max_parallel_check(max_parallel)
    if not isinstance(instances, list) or not instances:
        raise ParametersInvalid({"instances": ['must be a non-empty list of {"parameters": {...}}']})
    if len(instances) > settings.STUDIO_MAX_INSTANCES:
        raise ParametersInvalid(
            {"instances": [f"at most {settings.STUDIO_MAX_INSTANCES} instances per launch (STUDIO_MAX_INSTANCES)"]}
        )
    external_campaign_refuse(campaign)
    version = campaign.current_version
    definition = version_definition(version.pk)
    launch_check(campaign=campaign, user=user, graph=definition.graph)
    declared = definition.parameters
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
        # Before the runs: what the launch writes after its time is taken (``runs_queue_new``) stays short.
        campaign_touch(campaign=campaign)
        runs = _runs_create(
            campaign=campaign, version=version, user=user, values=resolved, batch=batch, max_parallel=max_parallel
        )
        audit_record(
            actor=user,
            action=Action.RUN_LAUNCH,
            target=batch,
            target_repr=f"batch {batch.pk} of {campaign.name}",
            campaign=campaign,
            details={"version": version.number, "runs": [r.pk for r in runs]},
        )
    return batch, runs
