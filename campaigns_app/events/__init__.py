"""The only package that knows channel-layer group names and sends to them.

Services persist a ``RunEvent`` inside their transaction and hand it to
:func:`broadcast_on_commit`; the message leaves only once the row is
committed, so a client that replays from the database and then listens live
never sees an event that might still roll back.  A lost broadcast costs nothing durable: consumers fill
gaps from the database and clients replay with ``?after=``.

``groups`` names the groups, ``sender`` publishes to them, ``daphne`` connects
a web process's layer before its first handshake.
"""

from __future__ import annotations

from django.db import transaction

from .daphne import channel_layer_warm_up, raise_open_files_limit
from .groups import (
    ACCESS_MESSAGE_TYPE,
    DASHBOARD_PUBLIC,
    DASHBOARD_SUPERUSERS,
    EVENT_MESSAGE_TYPE,
    RUN_GROUP_PREFIX,
    access_campaign_group,
    access_user_group,
    dashboard_groups_for_run,
    dashboard_groups_for_user,
    dashboard_groups_overlap,
    dashboard_team_group,
    dashboard_user_group,
    run_group,
)
from .sender import broadcaster_warm_up, broadcasts_flush, event_sender

__all__ = [
    "ACCESS_MESSAGE_TYPE",
    "DASHBOARD_PUBLIC",
    "DASHBOARD_SUPERUSERS",
    "EVENT_MESSAGE_TYPE",
    "RUN_GROUP_PREFIX",
    "access_campaign_group",
    "access_changed_on_commit",
    "access_user_group",
    "broadcast_on_commit",
    "broadcast_runs_on_commit",
    "broadcaster_warm_up",
    "broadcasts_flush",
    "channel_layer_warm_up",
    "dashboard_groups_for_run",
    "dashboard_groups_for_user",
    "dashboard_groups_overlap",
    "dashboard_team_group",
    "dashboard_user_group",
    "raise_open_files_limit",
    "run_group",
]


def access_changed_on_commit(*, user_ids=(), campaign_ids=()) -> None:
    """Tell open sockets to re-check permissions once the change that moved them commits."""
    groups = [access_user_group(u) for u in set(user_ids)] + [access_campaign_group(c) for c in set(campaign_ids)]
    if groups:
        transaction.on_commit(lambda: event_sender().submit(groups, None))


def broadcast_on_commit(run, messages: list[dict], *, on_commit=transaction.on_commit) -> None:
    """Send the messages to the run's and dashboards' groups once the transaction commits.

    ``on_commit`` lets a caller that runs its own post-commit hooks (the run ledger) take the callback.
    """
    broadcast_runs_on_commit([(run, messages)], on_commit=on_commit)


def broadcast_runs_on_commit(batches: list[tuple[object, list[dict]]], *, on_commit=transaction.on_commit) -> None:
    """Send the events of many runs, stored in one transaction, once it commits: one message per group.

    Each group's message lists its runs' events in the order given, so every
    run's events stay in seq order within it.
    """
    by_group: dict[str, list[dict]] = {}
    for run, messages in batches:
        if not messages:
            continue
        for group in (run_group(run.pk), *dashboard_groups_for_run(run)):
            by_group.setdefault(group, []).extend(messages)
    if by_group:
        on_commit(lambda: event_sender().submit_per_group(by_group))
