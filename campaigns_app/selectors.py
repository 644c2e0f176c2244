"""Read-side queries: what a user may see, and the shapes the API and consumers read."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from . import policies
from .graph.blocks import block_members
from .graph.states import children_state
from .logformat import log_lines
from .models import (
    RUN_TERMINAL,
    AuditEntry,
    Batch,
    Campaign,
    CampaignVersion,
    Role,
    Run,
    RunEvent,
    RunKind,
    StepItem,
    StepLogChunk,
    StepRun,
    StepState,
    Team,
)
from .policies import (  # noqa: F401 - the rules live in policies; callers long read them here
    campaign_editable_by,
    campaign_launchable_by,
    campaign_manageable_by,
    campaign_permissions,
    campaign_team_role,
    campaign_visible,
    graph_executable_steps,
    team_role,
    user_team_roles,
    user_team_roles_forget,
)
from .timefmt import iso

EVENTS_PAGE_LIMIT = 10000


def _visible_q(user, prefix: str = "") -> Q:
    return policies.visible_q(user, prefix)


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    """Campaigns the user may see (``policies.visible_q``; superusers: all)."""
    if not user.is_authenticated:
        return Campaign.objects.none()
    queryset = Campaign.objects.select_related("owner", "team", "forked_from")
    if user.is_superuser:
        return queryset
    return queryset.filter(_visible_q(user))


def runs_visible_to(user) -> QuerySet[Run]:
    """Runs of campaigns the user may see, and runs the user launched; a test run only to its owner."""
    if not user.is_authenticated:
        return Run.objects.none()
    if user.is_superuser:
        return Run.objects.all()
    return Run.objects.filter((_visible_q(user, "campaign__") & ~Q(kind=RunKind.TEST)) | Q(owner_id=user.pk))


def run_operable_by(user, run: Run) -> bool:
    return policies.run_operable_by(run, user)


def runs_with_steps(queryset: QuerySet[Run]) -> QuerySet[Run]:
    return queryset.select_related("campaign", "version", "owner").prefetch_related(
        Prefetch("step_runs", queryset=StepRun.objects.order_by("order"))
    )


def run_step_items(run: Run) -> QuerySet[StepItem]:
    """The for_each items of a run's steps, in step then item order."""
    return StepItem.objects.filter(step_run__run=run).select_related("step_run").order_by("step_run__order", "index")


def run_children_progress(run: Run) -> list[dict]:
    """Each child run of a run: its step (and item), state, and how many of its steps have ended of how many."""
    children = list(
        Run.objects.filter(parent=run).order_by("pk").values("pk", "parent_step_id", "parent_item", "state")
    )
    counts: dict[int, list[int]] = {c["pk"]: [0, 0] for c in children}
    for run_id, state, n in (
        StepRun.objects.filter(run_id__in=list(counts))
        .values_list("run_id", "state")
        .annotate(n=Count("id"))
        .values_list("run_id", "state", "n")
    ):
        counts[run_id][1] += n
        if state == StepState.SUCCEEDED:
            counts[run_id][0] += n
    return [
        {
            "id": c["pk"],
            "step": c["parent_step_id"],
            "item": c["parent_item"],
            "state": c["state"],
            "done": counts[c["pk"]][0],
            "total": counts[c["pk"]][1],
        }
        for c in children
    ]


def run_visible(user, run_id: int) -> Run | None:
    return runs_visible_to(user).filter(pk=run_id).first()


def run_events_after(run_id: int, after: int, limit: int = EVENTS_PAGE_LIMIT) -> list[dict]:
    events = RunEvent.objects.filter(run_id=run_id, seq__gt=after).order_by("seq")[:limit]
    return [e.as_message() for e in events]


def run_state_counts(queryset: QuerySet[Run]) -> dict[str, int]:
    return dict(queryset.values_list("state").annotate(n=Count("id")).values_list("state", "n"))


def batches_visible_to(user) -> QuerySet[Batch]:
    if not user.is_authenticated:
        return Batch.objects.none()
    queryset = Batch.objects.select_related("campaign", "owner")
    if user.is_superuser:
        return queryset
    return queryset.filter(_visible_q(user, "campaign__") | Q(owner_id=user.pk))


def batch_summary(batch: Batch) -> dict:
    """A batch's runs, counts by state, derived state and time span."""
    runs = list(batch.runs.order_by("pk").values("id", "state", "parameters", "started_at", "finished_at"))
    counts: dict[str, int] = {}
    for run in runs:
        counts[run["state"]] = counts.get(run["state"], 0) + 1
    state = children_state(counts)
    started = [r["started_at"] for r in runs if r["started_at"]]
    finished = [r["finished_at"] for r in runs if r["finished_at"]]
    return {
        "id": batch.pk,
        "campaign": batch.campaign_id,
        "campaign_name": batch.campaign.name,
        "owner": batch.owner.get_username(),
        "created_at": batch.created_at,
        "state": str(state),
        "counts": counts,
        "started_at": min(started) if started else None,
        "finished_at": max(finished) if finished and state in RUN_TERMINAL else None,
        "runs": runs,
    }


DASHBOARD_LIMIT = 2000


def _epoch_ms(value) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def dashboard_feed(
    user,
    *,
    since,
    campaign: int | None = None,
    states: list[str] | None = None,
    owner: str | None = None,
    ids: list[int] | None = None,
    limit: int = DASHBOARD_LIMIT,
) -> dict:
    """Every unfinished run plus those created or finished since ``since``, in one compact shape.

    Times are epoch milliseconds and steps are rows ``[id, name, state, attempts, queued, started, finished]``
    so that a thousand runs of four steps stay small enough to fetch and parse in one go.
    """
    from django.db.models import Q

    queryset = runs_visible_to(user).exclude(kind=RunKind.TEST)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    else:
        queryset = queryset.filter(~Q(state__in=RUN_TERMINAL) | Q(created_at__gte=since) | Q(finished_at__gte=since))
    if campaign is not None:
        queryset = queryset.filter(campaign_id=campaign)
    if owner:
        queryset = queryset.filter(owner__username=owner)
    counts = run_state_counts(queryset.order_by())
    if states:
        queryset = queryset.filter(state__in=states)
    rows = list(
        queryset.order_by("-created_at", "-id").values(
            "id",
            "campaign_id",
            "campaign__name",
            "batch_id",
            "owner__username",
            "state",
            "parameters",
            "created_at",
            "started_at",
            "finished_at",
            "last_seq",
            "parent_id",
        )[: limit + 1]
    )
    truncated = len(rows) > limit
    rows = rows[:limit]
    steps: dict[int, list] = {row["id"]: [] for row in rows}
    step_rows = (
        StepRun.objects.filter(run_id__in=list(steps))
        .order_by("run_id", "order")
        .values_list("run_id", "step_id", "name", "state", "attempts", "queued_at", "started_at", "finished_at")
    )
    for run_id, step_id, name, state, attempts, queued, started, finished in step_rows.iterator(chunk_size=4000):
        steps[run_id].append(
            [step_id, name, state, attempts, _epoch_ms(queued), _epoch_ms(started), _epoch_ms(finished)]
        )
    runs = [
        {
            "id": row["id"],
            "campaign": row["campaign_id"],
            "campaign_name": row["campaign__name"],
            "batch": row["batch_id"],
            "owner": row["owner__username"],
            "state": row["state"],
            "parameters": row["parameters"],
            "created_at": _epoch_ms(row["created_at"]),
            "started_at": _epoch_ms(row["started_at"]),
            "finished_at": _epoch_ms(row["finished_at"]),
            "last_seq": row["last_seq"],
            "parent": row["parent_id"],
            "steps": steps[row["id"]],
        }
        for row in rows
    ]
    return {"runs": runs, "counts": counts, "truncated": truncated}


def step_log_text(run_id: int, step_id: str, *, tail: int | None = None) -> str | None:
    """A step's log over all attempts (a header line per attempt), or its last ``tail`` lines; None: no such step."""
    step_run = StepRun.objects.filter(run_id=run_id, step_id=step_id).only("pk").first()
    if step_run is None:
        return None
    lines = log_lines(
        StepLogChunk.objects.filter(step_run=step_run).order_by("pk").values_list("attempt", "stream", "text")
    )
    if tail is not None:
        lines = lines[-tail:] if tail else []
    return "\n".join(lines) + ("\n" if lines else "")


def run_blocks(run: Run) -> list[dict]:
    """Each block of the run's graph with its derived state and the time span of its steps."""
    graph = run.version.graph
    if not graph.get("blocks"):
        return []
    members = block_members(graph)
    step_runs = {sr.step_id: sr for sr in run.step_runs.all()}
    out = []
    for block in graph["blocks"]:
        inside = [step_runs[s] for s in sorted(members[block["id"]]) if s in step_runs]
        state = children_state([sr.state for sr in inside])
        starts = [sr.started_at for sr in inside if sr.started_at]
        ends = [sr.finished_at for sr in inside if sr.finished_at]
        done = state in (StepState.SUCCEEDED, StepState.FAILED, StepState.CANCELLED, StepState.SKIPPED)
        out.append(
            {
                **block,
                "state": str(state),
                "steps": [sr.step_id for sr in inside],
                "started_at": iso(min(starts)) if starts else None,
                "finished_at": iso(max(ends)) if ends and done else None,
            }
        )
    return out


def teams_visible_to(user) -> QuerySet[Team]:
    """Teams the user belongs to (site admins: all, to grant rights)."""
    if not user.is_authenticated:
        return Team.objects.none()
    where = policies.teams_visible_q(user)
    return Team.objects.all() if where is None else Team.objects.filter(where).distinct()


def campaign_versions(campaign: Campaign) -> QuerySet[CampaignVersion]:
    return campaign.versions.select_related("created_by").order_by("-number")


def campaign_lineage(campaign: Campaign, user) -> dict:
    """The visible ancestors (nearest first) and direct forks of a campaign."""
    ancestors = []
    seen = {campaign.pk}
    node = campaign
    visible = campaigns_visible_to(user)
    while node.forked_from_id and node.forked_from_id not in seen:
        seen.add(node.forked_from_id)
        parent = visible.filter(pk=node.forked_from_id).first()
        entry = {
            "id": node.forked_from_id,
            "version": node.forked_from_version,
            "name": parent.name if parent else None,
            "owner": parent.owner.username if parent else None,
            "visible": parent is not None,
        }
        ancestors.append(entry)
        if parent is None:
            break
        node = parent
    forks = [
        {
            "id": f.pk,
            "name": f.name,
            "owner": f.owner.username,
            "version": f.forked_from_version,
            "visibility": f.visibility,
            "team": f.team.name if f.team_id else None,
        }
        for f in visible.filter(forked_from_id=campaign.pk).order_by("pk")
    ]
    return {"ancestors": ancestors, "forks": forks}


def audit_visible_to(user) -> QuerySet[AuditEntry]:
    """Entries of teams the user administers, plus the user's own actions (superusers: all)."""
    if not user.is_authenticated:
        return AuditEntry.objects.none()
    queryset = AuditEntry.objects.select_related("team")
    if user.is_superuser:
        return queryset
    admin_of = [tid for tid, role in user_team_roles(user).items() if role == Role.ADMIN]
    return queryset.filter(Q(team_id__in=admin_of) | Q(actor_id=user.pk))


def run_step_counts(run_ids) -> dict[int, dict[str, int]]:
    """Steps per state of each run, in one query (a run's summary without its step rows)."""
    counts: dict[int, dict[str, int]] = {run_id: {} for run_id in run_ids}
    rows = StepRun.objects.filter(run_id__in=list(counts)).values_list("run_id", "state").annotate(n=Count("id"))
    for run_id, state, n in rows.order_by():
        counts[run_id][state] = n
    return counts
