"""The only module that knows channel-layer group names and sends to them.

Services persist a ``RunEvent`` inside their transaction and hand it to
:func:`broadcast_on_commit`; the message leaves only once the row is
committed, so a client that replays from the database and then listens live
never sees an event that might still roll back.

Sending happens on one long-lived event loop per process (a daemon thread):
``async_to_sync`` from a worker thread would build a new loop and a new Redis
connection for every event (10-20 ms each, on the critical path of every
step).  A lost broadcast costs nothing durable: consumers fill gaps from the
database and clients replay with ``?after=``.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import logging
import os
import resource
import sys
import threading

from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.db import transaction

from . import policies

logger = logging.getLogger(__name__)

EVENT_MESSAGE_TYPE = "run.event"
ACCESS_MESSAGE_TYPE = "access.changed"
DASHBOARD_PUBLIC = "dashboard.public"
DASHBOARD_SUPERUSERS = "dashboard.superusers"


RUN_GROUP_PREFIX = "run."


def run_group(run_id: int) -> str:
    return f"{RUN_GROUP_PREFIX}{run_id}"


def dashboard_user_group(user_id: int) -> str:
    return f"dashboard.user.{user_id}"


def dashboard_team_group(team_id: int) -> str:
    return f"dashboard.team.{team_id}"


def access_user_group(user_id: int) -> str:
    """Sockets of one user, told to re-check what they may see after a membership change."""
    return f"access.user.{user_id}"


def access_campaign_group(campaign_id: int) -> str:
    """Run sockets of one campaign, told to re-check after its visibility or team changed."""
    return f"access.campaign.{campaign_id}"


def dashboard_groups_for_run(run) -> list[str]:
    """Dashboard groups whose members may see this run: ``policies.run_audience`` as group names.

    A test run reaches no dashboard: only its owner's run page follows it.
    """
    if run.kind == "test":
        return []
    audience = policies.run_audience(run)
    if audience.public:
        return [DASHBOARD_PUBLIC]
    groups = [DASHBOARD_SUPERUSERS, *(dashboard_user_group(u) for u in audience.user_ids)]
    if audience.team_id is not None:
        groups.append(dashboard_team_group(audience.team_id))
    return groups


def dashboard_groups_for_user(user, team_ids) -> list[str]:
    """Dashboard groups a user's dashboard socket joins.

    A user who sees every run (``policies.sees_every_run``) joins the superusers' group and the public one
    only: :func:`dashboard_groups_for_run` sends every other run to the first, so each event reaches such a
    socket once.  Anyone else joins their own group, their teams' and the public one.
    """
    if policies.sees_every_run(user):
        return [DASHBOARD_SUPERUSERS, DASHBOARD_PUBLIC]
    return [dashboard_user_group(user.pk), DASHBOARD_PUBLIC, *(dashboard_team_group(t) for t in sorted(team_ids))]


def dashboard_groups_overlap(user, team_ids) -> bool:
    """Can one run's events reach two of the user's dashboard groups?

    Only through a team: a run the user owns or launched, shared with one of their teams, goes to their own
    group and to the team's.  Without a team (or for a superuser) the groups share no run.
    """
    return not policies.sees_every_run(user) and bool(team_ids)


def access_changed_on_commit(*, user_ids=(), campaign_ids=()) -> None:
    """Tell open sockets to re-check permissions once the change that moved them commits."""
    groups = [access_user_group(u) for u in set(user_ids)] + [access_campaign_group(c) for c in set(campaign_ids)]
    if groups:
        transaction.on_commit(lambda: _sender().submit(groups, None))


def broadcast_on_commit(run, messages: list[dict], *, on_commit=transaction.on_commit) -> None:
    """Send the messages to the run's and dashboards' groups once the transaction commits.

    ``on_commit`` lets a caller that runs its own post-commit hooks (the run ledger) take the callback.
    """
    broadcast_runs_on_commit([(run, messages)], on_commit=on_commit)


# Events per channel-layer message: a commit of hundreds of steps stays a few messages of bounded size.
EVENTS_PER_MESSAGE = 500


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
        on_commit(lambda: _sender().submit_per_group(by_group))


_NOTHING = object()
# Run groups published in one Redis round trip (a launch of a thousand runs is a thousand groups).
GROUPS_PER_PUBLISH = 256


async def _publish(layer, messages: list[tuple[str, dict]], *, unheard_dropped: bool = False) -> None:
    """``group_send`` of every (group, message), in order, as one pipeline per Redis host.

    The pub/sub layer publishes each ``group_send`` as its own round trip behind
    its connection's lock: a commit of a hundred runs cost a hundred round trips
    on the sender's thread, each a wake-up of this process and of Redis, before the
    next commit's events could leave.  Pipelined, the publishes are one write and
    one read; each group's subscribers still get its messages in order.  Another
    layer (or a channels_redis whose internals differ) gets plain ``group_send``.

    ``unheard_dropped``: groups with no subscriber anywhere (one ``PUBSUB NUMSUB``
    round trip asks) are neither serialised nor published.  Only for groups whose
    sockets replay from the database after joining (run pages): the events were
    committed before the question, so a socket that joins after it finds them
    there.  A launch of a hundred runs is a hundred run groups, mostly unwatched,
    and serialising them held the GIL for 8-12 ms while the web process's loop
    waited to forward the dashboards' frame.
    """
    pipelined = None
    if isinstance(layer, RedisPubSubChannelLayer):
        try:
            inner = layer._get_layer()
            pipelined = {}
            for group, message in messages:
                channel = inner._get_group_channel_name(group)
                pipelined.setdefault(inner._get_shard(channel), []).append((channel, message))
            # Checked before anything is published: a half-published set sent again would double its events.
            if not all(hasattr(shard, name) for shard in pipelined for name in ("_lock", "_ensure_redis")):
                raise AttributeError("channels_redis shard internals")
        except AttributeError:
            pipelined = None
    if pipelined is None:
        for group, message in messages:
            await layer.group_send(group, message)
        return
    for shard, wanted in pipelined.items():
        async with shard._lock:
            shard._ensure_redis()
            if unheard_dropped:
                channels = list(dict.fromkeys(channel for channel, _ in wanted))
                counts = await shard._redis.pubsub_numsub(*channels)
                heard = {channel for channel, (_, count) in zip(channels, counts, strict=True) if count}
                wanted = [(channel, message) for channel, message in wanted if channel in heard]
            if not wanted:
                continue
            async with shard._redis.pipeline(transaction=False) as pipe:
                for channel, message in wanted:
                    pipe.publish(channel, layer.serialize(message))
                await pipe.execute()


class _Sender:
    """A daemon thread running an asyncio loop that sends group messages in submission order."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.queue: asyncio.Queue | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="event-broadcaster", daemon=True)
        self.thread.start()
        self.ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.queue = asyncio.Queue()
        self.ready.set()
        self.loop.run_until_complete(self._drain_forever())

    async def _drain_forever(self) -> None:
        layer = get_channel_layer()
        # Events waiting to go out, per group, in arrival order; and how many queue items they came from.
        pending: dict[str, list[dict]] = {}
        merged = 0
        while True:
            if not pending:
                item = await self.queue.get()
            elif not self.queue.empty():
                item = self.queue.get_nowait()
            else:
                item = _NOTHING
            if isinstance(item, dict):
                # Every commit's batch joins what is still waiting: a group's events stay in order, and
                # a group that several commits reached gets one message for all of them.
                for group, messages in item.items():
                    pending.setdefault(group, []).extend(messages)
                merged += 1
                continue
            if item is not _NOTHING:
                # An access change (or the end) goes out after everything before it.
                while pending:
                    await self._send_next(layer, pending)
                for _ in range(merged):
                    self.queue.task_done()
                merged = 0
                if item is None:
                    self.queue.task_done()
                    return
                await self._send_access_or_events(layer, *item)
                self.queue.task_done()
                continue
            await self._send_next(layer, pending)
            if not pending:
                for _ in range(merged):
                    self.queue.task_done()
                merged = 0

    @staticmethod
    async def _send_next(layer, pending: dict[str, list[dict]]) -> None:
        """Publish waiting groups' events: every dashboard group at once, else the next run groups.

        One commit of a hundred runs is a hundred run groups (which only run
        pages listen to) and one or two dashboard groups.  The dashboards' go
        first, so a dashboard socket never waits behind run groups; the run
        groups then go ``GROUPS_PER_PUBLISH`` at a time.  Each call is one Redis
        round trip (``_publish``), and between two calls the loop takes in what
        has arrived since (``_drain_forever``).
        """
        chosen = [g for g in pending if not g.startswith(RUN_GROUP_PREFIX)]
        run_groups = not chosen
        if run_groups:
            chosen = list(itertools.islice(pending, GROUPS_PER_PUBLISH))
        messages = []
        for group in chosen:
            events = pending.pop(group)
            messages += [
                (
                    group,
                    {
                        "type": EVENT_MESSAGE_TYPE,
                        "groups": [group],
                        "events": events[start : start + EVENTS_PER_MESSAGE],
                    },
                )
                for start in range(0, len(events), EVENTS_PER_MESSAGE)
            ]
        try:
            await _publish(layer, messages, unheard_dropped=run_groups)
        except Exception:
            logger.exception("a broadcast failed")

    @staticmethod
    async def _send_access_or_events(layer, groups: list[str], messages: list[dict] | None) -> None:
        # Events name every group they go to, so a socket that has just
        # left a group drops what was already in flight to it.
        message = (
            {"type": ACCESS_MESSAGE_TYPE}
            if messages is None
            else {"type": EVENT_MESSAGE_TYPE, "events": messages, "groups": groups}
        )
        try:
            for group in groups:
                await layer.group_send(group, message)
        except Exception:
            logger.exception("a broadcast failed")

    def submit(self, groups: list[str], messages: list[dict] | None) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, (groups, messages))

    def submit_per_group(self, by_group: dict[str, list[dict]]) -> None:
        """Send each group its own list of events (in chunks of ``EVENTS_PER_MESSAGE``)."""
        self.loop.call_soon_threadsafe(self.queue.put_nowait, by_group)

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until everything submitted so far has been sent (tests, shutdown)."""
        if not self.thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self.queue.join(), self.loop)
        try:
            future.result(timeout)
        except Exception:  # noqa: BLE001
            logger.warning("event broadcaster did not drain within %s s", timeout)


_sender_instance: _Sender | None = None
_sender_lock = threading.Lock()


def _sender() -> _Sender:
    global _sender_instance
    # A forked child must not reuse its parent's thread (it does not exist there).
    if _sender_instance is None or _sender_instance.pid != os.getpid():
        with _sender_lock:
            if _sender_instance is None or _sender_instance.pid != os.getpid():
                _sender_instance = _Sender()
    return _sender_instance


# Nobody listens here: a publish to it opens the sender's Redis connection.
WARM_UP_GROUP = "studio.warm-up"


def broadcaster_warm_up() -> None:
    """Start this process's sender and open its channel-layer connection before the first event needs it.

    The first send of a process loads the channel layer and connects (about
    150 ms here), which would otherwise delay the first step's broadcast and
    take the GIL from the steps starting beside it.
    """
    _sender().submit([WARM_UP_GROUP], [])


def raise_open_files_limit() -> tuple[int, int]:
    """Lift this process's soft limit on open files to its hard limit; (before, after).

    Every websocket is a file descriptor: a soft limit of 1024 (a common default) caps a web process at
    about a thousand sockets, whatever the listen backlog.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            logger.warning("could not raise the open-files limit from %s to %s", soft, wanted)
            return soft, soft
        return soft, wanted
    return soft, soft


async def _open_socket_subscriptions() -> None:
    # A channel of nobody's: subscribing to it opens the layer's subscriber connection on this loop and
    # starts its reader, which every socket's subscriptions then share.
    layer = get_channel_layer()
    for attempt in range(1, 11):
        try:
            await layer.new_channel(prefix="warm-up.")
            return
        except Exception:  # Redis may still be starting; the sockets would retry anyway
            logger.warning("channel layer not reachable yet (attempt %s); retrying", attempt, exc_info=True)
            await asyncio.sleep(min(2**attempt, 30))


def _autobahn_config_log_made_cheap() -> None:
    # autobahn pretty-prints every new socket's options for a debug line, logged or not: a sixth of
    # daphne's time in a burst of handshakes (pprint is pure Python).  ``repr`` (in C) says the same on
    # one line.
    from autobahn.websocket import protocol

    protocol.pformat = repr


def channel_layer_warm_up() -> None:
    """In a daphne process: raise the open-files limit and connect the channel layer before any handshake.

    The layer connects lazily, on the first socket's ``new_channel``.  In a burst that first connect
    waited behind thousands of handshakes on the same loop, timed out, and failed every socket queued
    behind it (issue 10).  Here it is scheduled on daphne's loop, to run as soon as the server starts.
    """
    server = sys.modules.get("daphne.server")
    if server is None:
        return
    _autobahn_config_log_made_cheap()
    before, after = raise_open_files_limit()
    if after > before:
        logger.info("open-files limit raised from %s to %s", before, after)
    loop = server.twisted_loop

    def start() -> None:
        # Held here: the loop keeps only a weak reference to a task.
        _warm_up_tasks.append(loop.create_task(_open_socket_subscriptions()))

    loop.call_soon_threadsafe(start)


_warm_up_tasks: list[asyncio.Task] = []


def broadcasts_flush(timeout: float = 5.0) -> None:
    if _sender_instance is not None and _sender_instance.pid == os.getpid():
        _sender_instance.flush(timeout)


atexit.register(broadcasts_flush)
