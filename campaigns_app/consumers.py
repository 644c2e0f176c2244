"""Websocket consumers: they check who may listen, join one group and push events. They write nothing."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import events, selectors


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
        if await database_sync_to_async(selectors.run_visible)(user, self.run_id) is None:
            await self.close()
            return
        # Join before reading the database: any event committed after the
        # read is then certain to arrive live, and the seq filter drops the
        # ones that arrive both ways.
        self.group = events.run_group(self.run_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.last_seq = after
        await self._replay_until(None)

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

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


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """Live events of every run the user may see."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()
            return
        self.groups_joined = events.dashboard_groups_for_user(user)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def run_event(self, message):
        for event in message["events"]:
            await self.send_json(event)

    async def receive_json(self, content, **kwargs):
        """Read-only socket."""
