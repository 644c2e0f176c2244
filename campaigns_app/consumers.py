"""Websocket consumers: they check who may listen, join one group and push events. They write nothing."""

from __future__ import annotations

from collections import OrderedDict
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import events, policies, selectors

# Close code for a socket whose user lost access while it was open (4000-4999 are the application's).
ACCESS_REVOKED = 4403
DEDUP_WINDOW = 20000


def _after_from(scope) -> int | None:
    raw = parse_qs(scope.get("query_string", b"").decode()).get("after", ["0"])[0]
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


class RunEventsConsumer(AsyncJsonWebsocketConsumer):
    """Stored events after ``?after=N``, then live ones: in seq order, no gap, no duplicate."""

    async def connect(self):
        user = self.scope.get("user")
        self.run_id = int(self.scope["url_route"]["kwargs"]["run_id"])
        after = _after_from(self.scope)
        if user is None or not user.is_authenticated or after is None:
            await self.close()
            return
        run = await database_sync_to_async(selectors.run_visible)(user, self.run_id)
        if run is None:
            await self.close()
            return
        campaign_id = run.campaign_id
        # Join before reading the database: any event committed after the
        # read is then certain to arrive live, and the seq filter drops the
        # ones that arrive both ways.
        self.groups_joined = [
            events.run_group(self.run_id),
            events.access_user_group(user.pk),
            events.access_campaign_group(campaign_id),
        ]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        self.last_seq = after
        await self._replay_until(None)

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def access_changed(self, message):
        """The campaign's sharing or the user's teams changed: stop if the run is no longer visible."""
        user = self.scope["user"]
        policies.user_team_roles_forget(user)
        if await database_sync_to_async(selectors.run_visible)(user, self.run_id) is None:
            await self.close(code=ACCESS_REVOKED)

    async def _replay_until(self, before: int | None) -> None:
        while True:
            stored = await database_sync_to_async(selectors.run_events_after)(self.run_id, self.last_seq)
            for event in stored:
                if before is not None and event["seq"] >= before:
                    return
                await self.send_json(event)
                self.last_seq = event["seq"]
            if len(stored) < selectors.EVENTS_PAGE_LIMIT:
                return

    async def run_event(self, message):
        for event in message["events"]:
            if event["seq"] <= self.last_seq:
                continue
            if event["seq"] > self.last_seq + 1:
                # Broadcasts from different workers can overtake each other;
                # fill the gap from the database so the client sees seq order.
                await self._replay_until(event["seq"])
            await self.send_json(event)
            self.last_seq = event["seq"]

    async def receive_json(self, content, **kwargs):
        """Clients write through the REST API; anything they send here is ignored."""


def _wants_batches(scope) -> bool:
    return parse_qs(scope.get("query_string", b"").decode()).get("batch", ["0"])[0] in ("1", "true")


def _unseen(recent: OrderedDict[tuple[int, int], None], heard: list[dict]) -> list[dict]:
    """The events not forwarded yet, remembered in ``recent`` (the last ``DEDUP_WINDOW``)."""
    fresh = []
    for event in heard:
        key = (event["run"], event["seq"])
        if key in recent:
            continue
        recent[key] = None
        if len(recent) > DEDUP_WINDOW:
            recent.popitem(last=False)
        fresh.append(event)
    return fresh


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """Live events of every run the user may see, each once.

    With ``?batch=1`` each frame is a JSON array of the events one commit
    broadcast (in order), so a client folds a busy second's thousands of
    events in a few frames; without it, one event per frame.
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()
            return
        self.batches = _wants_batches(self.scope)
        # Recent (run, seq) pairs, kept only while a run can reach two of the socket's groups (its user's own
        # and a team's): each event is forwarded once.
        self.recent: OrderedDict[tuple[int, int], None] | None = None
        self.groups_joined = [events.access_user_group(user.pk)]
        await self.channel_layer.group_add(self.groups_joined[0], self.channel_name)
        await self._join_dashboard_groups()
        await self.accept()

    async def _join_dashboard_groups(self) -> None:
        user = self.scope["user"]
        policies.user_team_roles_forget(user)
        team_ids = await database_sync_to_async(lambda: list(policies.user_team_roles(user)))()
        wanted = [events.access_user_group(user.pk), *events.dashboard_groups_for_user(user, team_ids)]
        if not events.dashboard_groups_overlap(user, team_ids):
            self.recent = None
        elif self.recent is None:
            self.recent = OrderedDict()
        for group in set(self.groups_joined) - set(wanted):
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in set(wanted) - set(self.groups_joined):
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = wanted

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def access_changed(self, message):
        """The user joined or left a team: follow the new set of groups."""
        await self._join_dashboard_groups()

    async def run_event(self, message):
        if "groups" in message and not set(message["groups"]) & set(self.groups_joined):
            return
        fresh = message["events"] if self.recent is None else _unseen(self.recent, message["events"])
        if self.batches:
            if fresh:
                await self.send_json(fresh)
            return
        for event in fresh:
            await self.send_json(event)

    async def receive_json(self, content, **kwargs):
        """Read-only socket."""
