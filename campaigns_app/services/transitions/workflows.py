"""Workflow steps: a step that runs another campaign as a child run, once or once per item (an ensemble).

No worker runs a workflow step.  When it becomes ready it goes straight to
``running`` and its child run is created in the same transaction, owned by the
parent run's owner; the child's end wakes the parent after the child's
transaction has committed (``workflow_child_ended``, under the parent's own
lock, so locks are never taken child before parent).  Cancelling the parent
cancels the children inside the parent's transaction (parent before child).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q

from ...graph import TemplateError, render_value
from ...graph.templating import json_type_name
from ...models import (
    RUN_TERMINAL,
    Campaign,
    CampaignVersion,
    Run,
    RunState,
    StepItem,
    StepRun,
    StepState,
)
from ..definitions import VersionDefinition, run_definition, version_definition
from .ledger import RunLedger
from .runs import run_start


class ChildRefused(Exception):
    """The child run cannot start; the message says why, for the step's error."""


def is_workflow(definition: VersionDefinition, step_id: str) -> bool:
    return definition.steps[step_id]["kind"] == "workflow"


def results_for(run_id: int, definition: VersionDefinition, step_id: str) -> dict:
    if step_id not in definition.reads_results:
        return {}
    ancestors = definition.dag.ancestors(step_id)
    return dict(StepRun.objects.filter(run_id=run_id, step_id__in=ancestors).values_list("step_id", "result"))


def for_each_items(step: dict, parameters: dict, results: dict) -> list:
    """The items of a ``for_each`` step: the list, or what its placeholder renders to; ChildRefused otherwise."""
    try:
        items = render_value(step["for_each"], parameters, results)
    except TemplateError as exc:
        raise ChildRefused(f"for_each: {exc}") from None
    if not isinstance(items, list):
        raise ChildRefused(f"for_each gave {json_type_name(items)} {_short(items)}, not a list")
    limit = settings.STUDIO_MAX_FOR_EACH_ITEMS
    if len(items) > limit:
        raise ChildRefused(f"for_each gave {len(items)} items, over the limit of {limit} (STUDIO_MAX_FOR_EACH_ITEMS)")
    return items


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _child_create(
    ledger: RunLedger, step_run: StepRun, step: dict, results: dict, *, index: int | None = None, item: Any = None
) -> Run:
    """A new child run of the step's campaign version, queued in this transaction; ChildRefused when it may not."""
    from ... import policies
    from ..errors import ParametersInvalid
    from ..runs import parameters_resolve
    from .launch import runs_queue_new

    parent = ledger.run
    owner = parent.owner
    # The version with its campaign in one read; the campaign alone only to say which one is missing.
    version = (
        CampaignVersion.objects.select_related("campaign__team")
        .filter(campaign_id=step["campaign"], number=step["version"])
        .first()
    )
    campaign = version.campaign if version is not None else Campaign.objects.filter(pk=step["campaign"]).first()
    if campaign is None or not policies.campaign_visible(campaign, owner):
        raise ChildRefused(
            f"campaign {step['campaign']} no longer exists or is no longer visible to "
            f"{owner.get_username()}, who launched this run"
        )
    if version is None:
        raise ChildRefused(f"campaign {campaign.name!r} has no version {step['version']} any more")
    definition = version_definition(version.pk)
    denial = policies.executables_refusal(
        owner, campaign.team if campaign.team_id else None, definition.graph, "start as a child run"
    )
    if denial:
        raise ChildRefused(f"campaign {campaign.name!r}: {denial}")
    bindings = None if index is None else {"item": item, "index": index}
    try:
        given = render_value(step.get("parameters") or {}, parent.parameters, results, bindings)
        values = parameters_resolve(definition.parameters, given)
    except TemplateError as exc:
        raise ChildRefused(f"parameters: {exc}") from None
    except ParametersInvalid as exc:
        faults = exc.detail.get("parameters", exc.detail)
        text = "; ".join(f"{k} {', '.join(v)}" for k, v in faults.items()) if isinstance(faults, dict) else faults
        raise ChildRefused(f"parameters of campaign {campaign.name!r}: {text}") from None
    child = Run(
        campaign=campaign,
        version=version,
        owner=owner,
        parameters=values,
        state=RunState.QUEUED,
        batch=None,
        parent=parent,
        parent_step_id=step_run.step_id,
        parent_item=index,
    )
    runs_queue_new([child], definition)
    return child


def _child_resume(child_id: int | None) -> bool:
    """Retry a failed or cancelled child run from where it stopped (its successes kept); False when it cannot."""
    from ..control import run_retry

    if child_id is None:
        return False
    state = Run.objects.filter(pk=child_id).values_list("state", flat=True).first()
    if state not in (RunState.FAILED, RunState.CANCELLED):
        return False
    run_retry(run_id=child_id)
    return True


def _running_now(ledger: RunLedger, step_run: StepRun, **extra) -> None:
    attempt = step_run.attempts + 1
    # A step that waited out its retry delay ``queued`` has its ``queued`` event (and time) already.
    waited = step_run.state == StepState.QUEUED
    ledger.step_write(
        step_run,
        state=StepState.RUNNING,
        queued_at=step_run.queued_at if waited else ledger.now,
        dispatched_at=ledger.now,
        started_at=ledger.now,
        finished_at=None,
        attempts=attempt,
        worker="",
        heartbeat_at=None,
        error=None,
        cancel_requested=False,
    )
    run_start(ledger)
    if not waited:
        ledger.record("step.state", StepState.QUEUED, step_id=step_run.step_id, data={"attempt": attempt})
    ledger.record("step.state", StepState.RUNNING, step_id=step_run.step_id, data={"attempt": attempt, **extra})


def workflow_steps_start(ledger: RunLedger, steps, step_runs: list[StepRun], dag, *, fresh: bool = False) -> None:
    """Ready workflow steps → running, each with its child run (or its items' child runs) created now.

    A step retried by the user (pending again, with a failed child) resumes
    that child; ``fresh`` (a retry after a failed attempt) starts a new one.
    A child that may not start fails the step, saying why.
    """
    from .steps import step_fail, step_succeed

    definition = run_definition(ledger.run)
    for step_run in step_runs:
        step = definition.steps[step_run.step_id]
        resume = not fresh and step_run.state == StepState.PENDING
        # Only a step that has run before can have a child to resume.
        previous_child = (
            StepRun.objects.filter(pk=step_run.pk).values_list("child_run_id", flat=True).first()
            if resume and step_run.attempts
            else None
        )
        results = results_for(ledger.run.pk, definition, step_run.step_id)
        try:
            if step.get("for_each") is not None:
                items = for_each_items(step, ledger.run.parameters, results)
                _running_now(ledger, step_run, items=len(items))
                if not items:
                    step_succeed(ledger, steps, step_run, dag, result=[], event_result={"result": []}, ended=ledger.now)
                    continue
                step_items_prepare(step_run.pk, items, keep_successes=resume)
                ensemble_fill(ledger, step_run, step, results, resume=resume)
                continue
            if resume and _child_resume(previous_child):
                _running_now(ledger, step_run, child_run=previous_child, resumed=True)
                continue
            _running_now(ledger, step_run)
            child = _child_create(ledger, step_run, step, results)
            ledger.step_write(step_run, child_run_id=child.pk)
            ledger.record(
                "step.child",
                StepState.RUNNING,
                step_id=step_run.step_id,
                data={"attempt": step_run.attempts, "child_run": child.pk},
            )
        except ChildRefused as exc:
            if step_run.state != StepState.RUNNING:
                _running_now(ledger, step_run)
            step_fail(ledger, steps, step_run, dag, error=str(exc), reason="child", ended=ledger.now)


def workflow_step_start_due(ledger: RunLedger, steps, step_run: StepRun, dag, *, attempt: int) -> bool:
    """A workflow step queued for ``attempt`` (its retry delay over) → running with a fresh child run.

    The queue message reaches a worker like a function step's; a compare-and-set on
    (state, attempts) makes a duplicate, or a message for a step cancelled meanwhile, start nothing.
    """
    if step_run.attempts != attempt - 1:
        return False
    if step_run.state == StepState.RUNNING:
        # An ensemble whose item waited out its retry delay: the item starts its fresh child now.
        return ensemble_fill_due(ledger, steps, step_run, dag)
    if step_run.state != StepState.QUEUED:
        return False
    workflow_steps_start(ledger, steps, [step_run], dag, fresh=True)
    return True


def ensemble_fill_due(ledger: RunLedger, steps, step_run: StepRun, dag) -> bool:
    """A running ensemble starts the children of its pending items that are due; a child refused fails the step."""
    from .child_ends import items_cancel_rest
    from .steps import step_fail

    step = run_definition(ledger.run).steps.get(step_run.step_id) or {}
    if step.get("kind") != "workflow" or step.get("for_each") is None or step_run.cancel_requested:
        return False
    results = results_for(ledger.run.pk, run_definition(ledger.run), step_run.step_id)
    try:
        ensemble_fill(ledger, step_run, step, results)
    except ChildRefused as exc:
        children_cancel(ledger, [step_run])
        items_cancel_rest(ledger, step_run)
        step_fail(ledger, steps, step_run, dag, error=str(exc), reason="child", ended=ledger.now)
    return True


def step_items_prepare(step_run_id: int, items: list, *, keep_successes: bool) -> None:
    """The step's item rows for this attempt: kept when a retry sees the same items (only failures run again)."""
    existing = list(StepItem.objects.filter(step_run_id=step_run_id).order_by("index"))
    if keep_successes and [i.value for i in existing] == items:
        StepItem.objects.filter(step_run_id=step_run_id).exclude(state=StepState.SUCCEEDED).update(
            state=StepState.PENDING, error=None, finished_at=None, due_at=None
        )
        return
    StepItem.objects.filter(step_run_id=step_run_id).delete()
    StepItem.objects.bulk_create([StepItem(step_run_id=step_run_id, index=i, value=v) for i, v in enumerate(items)])


def ensemble_fill(ledger: RunLedger, step_run: StepRun, step: dict, results: dict, *, resume: bool = False) -> None:
    """Start child runs for pending items, up to the step's ``max_parallel`` and the run's."""
    limits = [n for n in (step.get("max_parallel"), ledger.run.max_parallel) if n]
    active = StepItem.objects.filter(step_run_id=step_run.pk, state=StepState.RUNNING).count()
    room = (min(limits) - active) if limits else None
    # An item waiting its retry delay starts when its delayed message (or the sweep) finds it due.
    pending = (
        StepItem.objects.filter(step_run_id=step_run.pk, state=StepState.PENDING)
        .filter(Q(due_at__isnull=True) | Q(due_at__lte=ledger.now))
        .order_by("index")
    )
    for item in pending[:room] if room is not None else pending:
        if room is not None and room <= 0:
            break
        if resume and _child_resume(item.child_run_id):
            child_id = item.child_run_id
        else:
            child_id = _child_create(ledger, step_run, step, results, index=item.index, item=item.value).pk
        StepItem.objects.filter(pk=item.pk).update(
            state=StepState.RUNNING,
            due_at=None,
            child_run_id=child_id,
            attempts=item.attempts + 1,
            started_at=ledger.now,
            finished_at=None,
            error=None,
        )
        ledger.record(
            "step.item",
            StepState.RUNNING,
            step_id=step_run.step_id,
            data={"index": item.index, "attempt": item.attempts + 1, "child_run": child_id},
        )


def ensembles_cancel_idle(ledger: RunLedger, step_runs: list[StepRun]) -> None:
    """Running ensembles asked to cancel with no child running (their items wait a retry delay): cancelled now.

    No child's end will come to cancel them, as it does for the others.
    """
    from .child_ends import items_cancel_rest
    from .steps import step_cancelled

    definition = run_definition(ledger.run)
    # A function step's items wait in its worker, which sees the cancel itself.
    step_runs = [sr for sr in step_runs if is_workflow(definition, sr.step_id)]
    if not step_runs:
        return
    ids = [sr.pk for sr in step_runs]
    waiting = set(
        StepItem.objects.filter(step_run_id__in=ids, state=StepState.PENDING).values_list("step_run_id", flat=True)
    )
    busy = set(
        StepItem.objects.filter(step_run_id__in=ids, state=StepState.RUNNING).values_list("step_run_id", flat=True)
    )
    for step_run in step_runs:
        if step_run.pk in waiting and step_run.pk not in busy:
            items_cancel_rest(ledger, step_run)
            step_cancelled(ledger, step_run, error="cancelled by user", ended=ledger.now)


def children_cancel(ledger: RunLedger, step_runs: list[StepRun]) -> None:
    """Cancel the running child runs of these running workflow steps (parent lock held, then each child's)."""
    from ..control import run_cancel

    ids = set(
        StepRun.objects.filter(pk__in=[sr.pk for sr in step_runs], child_run__isnull=False).values_list(
            "child_run_id", flat=True
        )
    )
    ids |= set(
        StepItem.objects.filter(step_run_id__in=[sr.pk for sr in step_runs], state=StepState.RUNNING).values_list(
            "child_run_id", flat=True
        )
    )
    for child_id in Run.objects.filter(pk__in=ids).exclude(state__in=RUN_TERMINAL).values_list("pk", flat=True):
        run_cancel(run_id=child_id)
