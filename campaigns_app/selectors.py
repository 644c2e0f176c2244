"""Read-side queries: what a user may see, and the shapes the API and consumers read."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from .graph.blocks import block_members
from .graph.states import children_state
from .logformat import log_lines
from .models import (
    RUN_TERMINAL,
    AuditEntry,
    Batch,
    Campaign,
    CampaignVersion,
    Membership,
    Role,
    Run,
    RunEvent,
    StepLogChunk,
    StepRun,
    StepState,
    Team,
    Visibility,
    role_at_least,
)
from .timefmt import iso

EVENTS_PAGE_LIMIT = 10000


def user_team_roles(user) -> dict[int, str]:
    """``{team_id: role}`` for the user's memberships, cached on the user object for one request."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, "_studio_team_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user_id=user.pk).values_list("team_id", "role"))
        user._studio_team_roles = cached
    return cached


def user_team_roles_forget(user) -> None:
    """Drop the cached roles after a membership change in the same request."""
    if hasattr(user, "_studio_team_roles"):
        del user._studio_team_roles


def _visible_q(user, prefix: str = "") -> Q:
    """The one visibility rule: own, public, or team-shared with one of the user's teams."""
    return (Q(**{f"{prefix}owner_id": user.pk})
            | Q(**{f"{prefix}visibility": Visibility.PUBLIC})
            | Q(**{f"{prefix}visibility": Visibility.TEAM, f"{prefix}team_id__in": list(user_team_roles(user))}))


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    """Campaigns the user may see: their own, public ones, and team ones of their teams (superusers: all)."""
    if not user.is_authenticated:
        return Campaign.objects.none()
    queryset = Campaign.objects.select_related("owner", "team", "forked_from")
    if user.is_superuser:
        return queryset
    return queryset.filter(_visible_q(user))


def campaign_visible(campaign: Campaign, user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or campaign.owner_id == user.pk or campaign.visibility == Visibility.PUBLIC:
        return True
    return campaign.visibility == Visibility.TEAM and campaign.team_id in user_team_roles(user)


def campaign_team_role(campaign: Campaign, user) -> str | None:
    """The user's role in the campaign's team, counted only while the campaign is shared with it."""
    if campaign.team_id is None or campaign.visibility == Visibility.PRIVATE:
        return None
    return user_team_roles(user).get(campaign.team_id)


def _campaign_allows(campaign: Campaign, user, minimum: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or campaign.owner_id == user.pk:
        return True
    return role_at_least(campaign_team_role(campaign, user), minimum)


def campaign_launchable_by(campaign: Campaign, user) -> bool:
    """Operators of the team launch; public campaigns may be launched by anyone, in their own name."""
    if campaign.visibility == Visibility.PUBLIC and user.is_authenticated:
        return True
    return _campaign_allows(campaign, user, Role.OPERATOR)


def campaign_editable_by(campaign: Campaign, user) -> bool:
    return _campaign_allows(campaign, user, Role.EDITOR)


def campaign_manageable_by(campaign: Campaign, user) -> bool:
    """Changing who sees it (visibility, team) and deleting: the owner or an admin of its team."""
    return _campaign_allows(campaign, user, Role.ADMIN)


def campaign_permissions(campaign: Campaign, user) -> dict[str, bool]:
    """What the user may do with a campaign, for the UI to show or hide actions."""
    return {
        "launch": campaign_launchable_by(campaign, user),
        "edit": campaign_editable_by(campaign, user),
        "manage": campaign_manageable_by(campaign, user),
        "fork": campaign_visible(campaign, user),
    }


def graph_executable_steps(graph: dict) -> list[str]:
    return [s["id"] for s in graph.get("steps", []) if s.get("kind") == "executable"]


def executables_allowed(user, team: Team | None) -> bool:
    """May the user save or launch a campaign with executable steps in this team (or, without one, at all)?

    In a team, the team's ``executable_min_role`` decides.  A campaign without a
    team is allowed to users trusted with executables in at least one of their
    teams: otherwise anyone could copy a shared campaign into their own space
    and run commands on the workers from there.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    roles = user_team_roles(user)
    if team is not None:
        return role_at_least(roles.get(team.pk), team.executable_min_role)
    minimums = dict(Team.objects.filter(pk__in=list(roles)).values_list("pk", "executable_min_role"))
    return any(role_at_least(role, minimums[tid]) for tid, role in roles.items() if tid in minimums)


def executables_denial(user, team: Team | None, graph: dict, verb: str) -> str | None:
    """Why the user may not ``verb`` this graph (it contains executable steps), or None."""
    steps = graph_executable_steps(graph)
    if not steps or executables_allowed(user, team):
        return None
    named = ", ".join(repr(s) for s in steps[:5])
    if team is not None:
        allowed = [r.value for r in Role if role_at_least(r.value, team.executable_min_role)]
        who = f"team {team.name!r} lets only {' and '.join(r + 's' for r in allowed)} {verb} such campaigns"
    else:
        who = "only members whose team role allows executable steps may do so outside a team"
    return (f"executable step(s) {named} run commands on the workers; {who}, "
            f"and you may not {verb} it")


def runs_visible_to(user) -> QuerySet[Run]:
    """Runs of campaigns the user may see, and runs the user launched."""
    if not user.is_authenticated:
        return Run.objects.none()
    if user.is_superuser:
        return Run.objects.all()
    return Run.objects.filter(_visible_q(user, "campaign__") | Q(owner_id=user.pk))


def run_operable_by(user, run: Run) -> bool:
    """May the user cancel or retry this run?  Its launcher, and whoever may launch its campaign as an operator.

    A public campaign lets anyone launch, but only their own runs: an
    outsider may not cancel someone else's run of it.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser or run.owner_id == user.pk:
        return True
    return _campaign_allows(run.campaign, user, Role.OPERATOR)


def runs_with_steps(queryset: QuerySet[Run]) -> QuerySet[Run]:
    return queryset.select_related("campaign", "version", "owner").prefetch_related(
        Prefetch("step_runs", queryset=StepRun.objects.order_by("order"))
    )


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


def dashboard_feed(user, *, since, campaign: int | None = None, states: list[str] | None = None,
                   owner: str | None = None, ids: list[int] | None = None, limit: int = DASHBOARD_LIMIT) -> dict:
    """Every unfinished run plus those created or finished since ``since``, in one compact shape.

    Times are epoch milliseconds and steps are rows ``[id, name, state, attempts, queued, started, finished]``
    so that a thousand runs of four steps stay small enough to fetch and parse in one go.
    """
    from django.db.models import Q

    queryset = runs_visible_to(user)
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
    rows = list(queryset.order_by("-created_at", "-id").values(
        "id", "campaign_id", "campaign__name", "batch_id", "owner__username", "state", "parameters",
        "created_at", "started_at", "finished_at", "last_seq")[:limit + 1])
    truncated = len(rows) > limit
    rows = rows[:limit]
    steps: dict[int, list] = {row["id"]: [] for row in rows}
    step_rows = StepRun.objects.filter(run_id__in=list(steps)).order_by("run_id", "order").values_list(
        "run_id", "step_id", "name", "state", "attempts", "queued_at", "started_at", "finished_at")
    for run_id, step_id, name, state, attempts, queued, started, finished in step_rows.iterator(chunk_size=4000):
        steps[run_id].append([step_id, name, state, attempts, _epoch_ms(queued), _epoch_ms(started),
                              _epoch_ms(finished)])
    runs = [{
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
        "steps": steps[row["id"]],
    } for row in rows]
    return {"runs": runs, "counts": counts, "truncated": truncated}


def step_log_text(run_id: int, step_id: str, *, tail: int | None = None) -> str | None:
    """A step's log over all attempts (a header line per attempt), or its last ``tail`` lines; None: no such step."""
    step_run = StepRun.objects.filter(run_id=run_id, step_id=step_id).only("pk").first()
    if step_run is None:
        return None
    lines = log_lines(StepLogChunk.objects.filter(step_run=step_run).order_by("pk")
                      .values_list("attempt", "stream", "text"))
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
        out.append({**block, "state": str(state), "steps": [sr.step_id for sr in inside],
                    "started_at": iso(min(starts)) if starts else None,
                    "finished_at": iso(max(ends)) if ends and done else None})
    return out


def teams_visible_to(user) -> QuerySet[Team]:
    """Teams the user belongs to (superusers: all)."""
    if not user.is_authenticated:
        return Team.objects.none()
    queryset = Team.objects.all()
    if not user.is_superuser:
        queryset = queryset.filter(memberships__user_id=user.pk)
    return queryset.distinct()


def team_role(team: Team, user) -> str | None:
    if user.is_superuser:
        return Role.ADMIN
    return user_team_roles(user).get(team.pk)


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
        entry = {"id": node.forked_from_id, "version": node.forked_from_version,
                 "name": parent.name if parent else None, "owner": parent.owner.username if parent else None,
                 "visible": parent is not None}
        ancestors.append(entry)
        if parent is None:
            break
        node = parent
    forks = [{"id": f.pk, "name": f.name, "owner": f.owner.username, "version": f.forked_from_version,
              "visibility": f.visibility, "team": f.team.name if f.team_id else None}
             for f in visible.filter(forked_from_id=campaign.pk).order_by("pk")]
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
