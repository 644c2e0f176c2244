"""The only module that knows channel-layer group names and sends to them.

Services persist a ``RunEvent`` inside their transaction and hand it to
:func:`broadcast_on_commit`; the message leaves only once the row is
committed, so a client that replays from the database and then listens live
never sees an event that might still roll back.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

EVENT_MESSAGE_TYPE = "run.event"


def run_group(run_id: int) -> str:
    return f"run.{run_id}"


def dashboard_groups_for_run(run) -> list[str]:
    """Dashboard groups whose members may see this run."""
    return ["dashboard.all"]


def dashboard_groups_for_user(user) -> list[str]:
    """Dashboard groups a user's dashboard socket joins."""
    return ["dashboard.all"]


def broadcast_on_commit(run, messages: list[dict]) -> None:
    """Send the messages to the run's and dashboards' groups once the transaction commits."""
    if not messages:
        return
    groups = [run_group(run.pk), *dashboard_groups_for_run(run)]
    transaction.on_commit(lambda: _send(groups, messages))


def _send(groups: list[str], messages: list[dict]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(_send_all)(layer, groups, messages)
    except Exception:  # noqa: BLE001 - the events are stored; clients replay them on reconnect
        logger.exception("broadcast of %d event(s) failed", len(messages))


async def _send_all(layer, groups: list[str], messages: list[dict]) -> None:
    for group in groups:
        await layer.group_send(group, {"type": EVENT_MESSAGE_TYPE, "events": messages})
