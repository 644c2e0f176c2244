"""Runs reported by AsyncFlow scripts that run outside the studio (``campaigns_app.client.attach``).

An attached script becomes one campaign; each of its blocks (or its loose
tasks) becomes a run of that campaign; each report that adds tasks gives the
run a new version with the grown graph, since a version never changes.  Steps change state only through
``run_locked``, so the run page, the dashboard and websocket replays treat
these runs like any other, with gap-free ``seq``.

The studio never executes these steps: it records what the script reports.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Max

from ..models import Campaign, CampaignVersion, Run, RunState, Source, StepRun, StepState
from .errors import ServiceError
from .ledger import run_created, run_locked

EVENT_TYPES = ("created", "queued", "started", "completed", "failed", "cancelled", "finished")
# How far a step has come; a report that would move it back is ignored (reports may repeat).
STEP_RANK: dict[str, int] = {
    StepState.PENDING: 0,
    StepState.QUEUED: 1,
    StepState.RUNNING: 2,
    StepState.SUCCEEDED: 3,
    StepState.FAILED: 3,
    StepState.CANCELLED: 3,
    StepState.SKIPPED: 3,
}
TERMINAL_BY_EVENT = {"completed": StepState.SUCCEEDED, "failed": StepState.FAILED, "cancelled": StepState.CANCELLED}
RUN_FINAL = {"succeeded": RunState.SUCCEEDED, "failed": RunState.FAILED, "cancelled": RunState.CANCELLED}
MAX_EVENTS_PER_REPORT = 1000
RESULT_LIMIT_BYTES = 16384
EXTERNAL_DESCRIPTION = (
    "Reported live by an AsyncFlow script through attach(); the studio shows it but does not run "
    "it, so it cannot be launched from here."
)


class ExternalReportInvalid(ServiceError):
    """A report from an attached script does not fit the protocol; ``detail`` names the event and field."""


def _step_id(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]", "_", name or "task")[:56] or "task"
    if not re.match(r"[A-Za-z_]", base[0]):
        base = f"t_{base}"[:56]
    n = 1
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


def _when(raw: Any, now: datetime) -> datetime:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return min(datetime.fromtimestamp(raw, tz=UTC), now)
    return now


def _json_safe(value: Any) -> Any:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return {"repr": repr(value)[:RESULT_LIMIT_BYTES]}
    return value if len(text) <= RESULT_LIMIT_BYTES else {"repr": text[:RESULT_LIMIT_BYTES], "truncated": True}


@transaction.atomic
def external_run_create(
    *, owner, campaign_name: str, key: str, title: str = "", parameters: Any = None, campaign: Campaign | None = None
) -> Run:
    """Create an external run (and, the first time, its campaign) with an empty graph that reports fill in."""
    if campaign is None:
        campaign = Campaign.objects.create(
            owner=owner,
            name=campaign_name[:200] or "AsyncFlow script",
            description=EXTERNAL_DESCRIPTION,
            version=0,
            source=Source.EXTERNAL,
        )
    else:
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.source != Source.EXTERNAL or campaign.owner_id != owner.pk:
            raise ExternalReportInvalid({"campaign": ["must be an attached script's campaign of yours"]})
    number = (campaign.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = CampaignVersion.objects.create(
        campaign=campaign, number=number, parameters=[], graph={"steps": [], "edges": []}, created_by=owner
    )
    campaign.version = number
    campaign.save(update_fields=["version", "updated_at"])
    run = Run.objects.create(
        campaign=campaign,
        version=version,
        owner=owner,
        state=RunState.QUEUED,
        parameters=_json_safe({"title": title, **(parameters or {})}),
        source=Source.EXTERNAL,
        external_key=key[:200],
    )
    with run_created(run) as ledger:
        ledger.record("run.state", RunState.QUEUED, data={"source": Source.EXTERNAL, "title": title})
    return run


def _check(events: Any) -> list[dict]:
    if not isinstance(events, list):
        raise ExternalReportInvalid({"events": ["must be a list"]})
    if len(events) > MAX_EVENTS_PER_REPORT:
        raise ExternalReportInvalid({"events": [f"at most {MAX_EVENTS_PER_REPORT} events per report"]})
    faults = {}
    for index, event in enumerate(events):
        if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES:
            faults[str(index)] = [f"type must be one of {', '.join(EVENT_TYPES)}"]
        elif event["type"] == "finished":
            if event.get("state") not in RUN_FINAL:
                faults[str(index)] = ["state must be succeeded, failed or cancelled"]
        elif not isinstance(event.get("task"), str) or not event["task"]:
            faults[str(index)] = ["task must be the AsyncFlow task uid"]
        elif event["type"] == "created" and not all(isinstance(d, str) for d in event.get("depends_on") or []):
            faults[str(index)] = ["depends_on must be a list of task uids"]
    if faults:
        raise ExternalReportInvalid({"events": faults})
    return events


def external_run_report(*, run: Run, events: Any) -> int:
    """Apply a script's reports to its run, in order, in one transaction; returns the run's last seq.

    Reports repeat and arrive late without harm: a step never moves back, and a
    step that ends without a reported start gets a start marked ``inferred``.
    """
    events = _check(events)
    with run_locked(run.pk) as ledger:
        run = ledger.run
        graph = copy.deepcopy(CampaignVersion.objects.get(pk=run.version_id).graph)
        by_uid = {s["task"]: s["id"] for s in graph["steps"]}
        steps = {sr.step_id: sr for sr in StepRun.objects.filter(run=run)}
        graph_changed = False
        for event in events:
            at = _when(event.get("at"), ledger.now)
            if event["type"] == "finished":
                _finish(ledger, steps, RUN_FINAL[event["state"]], at, event.get("error"))
                continue
            uid = event["task"]
            if event["type"] == "created":
                if uid in by_uid:
                    continue
                step_id = _step_id(event.get("name") or "task", set(steps))
                by_uid[uid] = step_id
                graph["steps"].append(
                    {
                        "id": step_id,
                        "name": f"{event.get('name') or 'task'} ({uid})",
                        "kind": "external",
                        "task": uid,
                        "task_type": event.get("task_type") or "function",
                    }
                )
                for dep in event.get("depends_on") or []:
                    if dep in by_uid:
                        graph["edges"].append({"source": by_uid[dep], "target": step_id})
                for dep in event.get("inferred_depends_on") or []:
                    if dep in by_uid:
                        graph["edges"].append({"source": by_uid[dep], "target": step_id, "inferred": True})
                graph_changed = True
                steps[step_id] = StepRun.objects.create(
                    run=run,
                    step_id=step_id,
                    name=event.get("name") or step_id,
                    order=len(steps),
                    backend=(event.get("backend") or "external")[:32],
                    state=StepState.PENDING,
                )
                ledger.record(
                    "step.state",
                    StepState.PENDING,
                    step_id=step_id,
                    at=at,
                    data={
                        "task": uid,
                        "depends_on": [by_uid[d] for d in event.get("depends_on") or [] if d in by_uid],
                        "inferred_depends_on": [
                            by_uid[d] for d in event.get("inferred_depends_on") or [] if d in by_uid
                        ],
                    },
                )
                continue
            known = by_uid.get(uid)
            if known is None:
                continue  # a state for a task whose creation was not reported (created before attach)
            _step_event(ledger, run, steps[known], event, at)
        if graph_changed:
            _version_grow(run, graph)
    return ledger.run.last_seq


def _version_grow(run: Run, graph: dict) -> None:
    """The run moves to a new version holding its grown graph; versions never change once written.

    ``services/definitions.py`` caches parsed versions by id on that promise.
    The campaign row lock numbers the versions of concurrent blocks one at a time.
    """
    campaign = Campaign.objects.select_for_update().get(pk=run.campaign_id)
    number = (campaign.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = CampaignVersion.objects.create(
        campaign=campaign,
        number=number,
        parameters=[],
        graph=graph,
        created_by_id=run.owner_id,
        note=f"tasks reported by run {run.pk}",
    )
    Campaign.objects.filter(pk=campaign.pk).update(version=number)
    Run.objects.filter(pk=run.pk).update(version=version)
    run.version = version


def _step_event(ledger, run: Run, step: StepRun, event: dict, at: datetime) -> None:
    kind = event["type"]
    target = {"queued": StepState.QUEUED, "started": StepState.RUNNING}.get(kind) or TERMINAL_BY_EVENT[kind]
    was = step.state
    if STEP_RANK[target] <= STEP_RANK[was]:
        return
    inferred = bool(event.get("inferred"))
    fields: dict[str, Any] = {}

    def record(state: str, marked: bool, **data: Any) -> None:
        ledger.record(
            "step.state",
            state,
            step_id=step.step_id,
            at=at,
            data={"attempt": 1, **({"inferred": True} if marked else {}), **data},
        )

    # States the script skipped (its backend reports no start, say) are
    # filled in at the time of the next report and marked inferred.
    if was == StepState.PENDING:
        fields["queued_at"] = at
        record(StepState.QUEUED, inferred or target != StepState.QUEUED)
    if STEP_RANK[target] >= 2 and STEP_RANK[was] < 2:
        if ledger.run.state == RunState.QUEUED:
            ledger.set_run_state(RunState.RUNNING, started_at=at)
        fields["started_at"], fields["attempts"] = at, 1
        record(StepState.RUNNING, inferred or target != StepState.RUNNING)
    if STEP_RANK[target] == 3:
        data: dict[str, Any] = {}
        if target == StepState.SUCCEEDED and "result" in event:
            fields["result"] = data["result"] = _json_safe(event["result"])
        if target != StepState.SUCCEEDED:
            fields["error"] = data["error"] = str(event.get("error") or kind)[:4000]
        fields["finished_at"] = at
        record(target, inferred, **data)
    step.state = fields["state"] = target
    StepRun.objects.filter(pk=step.pk).update(**fields)


def _finish(ledger, steps: dict[str, StepRun], final: str, at: datetime, error: Any) -> None:
    # The block returned: whatever it left unfinished will not be reported any more.
    for step in steps.values():
        if STEP_RANK[step.state] < 3:
            state = StepState.CANCELLED if step.state != StepState.PENDING else StepState.SKIPPED
            ledger.record(
                "step.state",
                state,
                step_id=step.step_id,
                at=at,
                data={"attempt": step.attempts, "error": "the script's block ended without it"},
            )
            StepRun.objects.filter(pk=step.pk).update(state=state, finished_at=at)
            step.state = state
    if ledger.run.state == RunState.QUEUED:
        ledger.set_run_state(RunState.RUNNING, started_at=at)
    if ledger.run.state not in (RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED):
        ledger.set_run_state(final, finished_at=at)
        if error:
            ledger.record("run.error", final, data={"error": str(error)[:4000]})
