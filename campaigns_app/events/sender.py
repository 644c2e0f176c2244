"""The per-process event sender: one long-lived loop that publishes group messages in submission order.

Sending happens on one long-lived event loop per process (a daemon thread):
``async_to_sync`` from a worker thread would build a new loop and a new Redis
connection for every event (10-20 ms each, on the critical path of every
step).
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import logging
import os
import threading

import redis
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

from .groups import ACCESS_MESSAGE_TYPE, EVENT_MESSAGE_TYPE, RUN_GROUP_PREFIX

logger = logging.getLogger(__name__)

# Events per channel-layer message: a commit of hundreds of steps stays a few messages of bounded size.
EVENTS_PER_MESSAGE = 500

_NOTHING = object()
# Run groups published in one Redis round trip (a launch of a thousand runs is a thousand groups).
GROUPS_PER_PUBLISH = 256


async def _publish(layer, messages: list[tuple[str, dict]], *, if_heard: list[tuple[str, dict]] | tuple = ()) -> None:
    """``group_send`` of every (group, message), in order, as one pipeline per Redis host.

    The pub/sub layer publishes each ``group_send`` as its own round trip behind
    its connection's lock: a commit of a hundred runs cost a hundred round trips
    on the sender's thread, each a wake-up of this process and of Redis, before the
    next commit's events could leave.  Pipelined, the publishes are one write and
    one read; each group's subscribers still get its messages in order.  Another
    layer (or a channels_redis whose internals differ) gets plain ``group_send``.

    ``if_heard``: messages for groups that only get them when someone subscribes
    to them now (a ``PUBSUB NUMSUB`` in the same pipeline as ``messages`` asks);
    the others are neither serialised nor published.  Only for groups whose
    sockets replay from the database after joining (run pages): the events were
    committed before the question, so a socket that joins after it finds them
    there.  A launch of a hundred runs is a hundred run groups, mostly unwatched,
    and serialising them held the GIL for 8-12 ms while the web process's loop
    waited to forward the dashboards' frame.
    """
    pipelined: dict | None = None
    if isinstance(layer, RedisPubSubChannelLayer):
        try:
            inner = layer._get_layer()
            pipelined = {}
            for asked, chosen in ((False, messages), (True, if_heard)):
                for group, message in chosen:
                    channel = inner._get_group_channel_name(group)
                    shard = inner._get_shard(channel)
                    pipelined.setdefault(shard, ([], []))[asked].append((channel, message))
            # Checked before anything is published: a half-published set sent again would double its events.
            if not all(hasattr(shard, name) for shard in pipelined for name in ("_lock", "_ensure_redis", "host")):
                raise AttributeError("channels_redis shard internals")
        except AttributeError:
            pipelined = None
    if pipelined is None:
        for group, message in [*messages, *if_heard]:
            await layer.group_send(group, message)
        return
    for shard, (sent, asked) in pipelined.items():
        client = _blocking_client(shard)
        if client is None:
            await _publish_async(layer, shard, sent, asked)
            continue
        channels = list(dict.fromkeys(channel for channel, _ in asked))
        heard: set[str] = set()
        if sent or channels:
            # One round trip: the question about the run groups goes with the dashboards' publishes.
            with client.pipeline(transaction=False) as pipe:
                if channels:
                    pipe.pubsub_numsub(*channels)
                for channel, message in sent:
                    pipe.publish(channel, layer.serialize(message))
                answers = pipe.execute()
            if channels:
                heard = _heard(channels, answers[0])
        wanted = [(channel, message) for channel, message in asked if channel in heard]
        if wanted:
            with client.pipeline(transaction=False) as pipe:
                for channel, message in wanted:
                    pipe.publish(channel, layer.serialize(message))
                pipe.execute()


def _heard(channels: list[str], counts: list) -> set[str]:
    """The channels that ``PUBSUB NUMSUB`` (asked for ``channels``, in that order) says someone subscribes to."""
    return {channel for channel, (_, count) in zip(channels, counts, strict=True) if count}


def _blocking_client(shard) -> redis.Redis | None:
    """A synchronous client to the shard's Redis, kept on the shard; None for a Sentinel shard.

    This loop is the sender's own (nothing else runs on it), so a blocking
    round trip delays nothing, and redis-py's synchronous client costs about
    half the CPU per publish of the asyncio one with its tasks and stream
    readers: under a 10000-run launch the sender was a quarter of a worker's CPU.
    """
    kept = shard.__dict__.get("_studio_blocking")
    if kept is None:
        host = dict(shard.host)
        if "master_name" in host:
            kept = False
        elif "address" in host:
            kept = redis.Redis(connection_pool=redis.ConnectionPool.from_url(host.pop("address"), **host))
        else:
            kept = redis.Redis(connection_pool=redis.ConnectionPool(**host))
        shard.__dict__["_studio_blocking"] = kept
    return kept or None


async def _publish_async(layer, shard, sent: list[tuple[str, dict]], asked: list[tuple[str, dict]]) -> None:
    async with shard._lock:
        shard._ensure_redis()
        wanted = list(sent)
        if asked:
            channels = list(dict.fromkeys(channel for channel, _ in asked))
            heard = _heard(channels, await shard._redis.pubsub_numsub(*channels))
            wanted += [(channel, message) for channel, message in asked if channel in heard]
        if not wanted:
            return
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
        """Publish waiting groups' events: every dashboard group and the next run groups, in one round trip.

        One commit of a hundred runs is a hundred run groups (which only run
        pages listen to) and one or two dashboard groups.  The dashboards' are
        published in the same pipeline that asks which run groups anyone hears,
        so a dashboard socket never waits behind run groups; the run groups go
        ``GROUPS_PER_PUBLISH`` at a time, and only the heard ones cost a second
        round trip (``_publish``).  Between two calls the loop takes in what has
        arrived since (``_drain_forever``).
        """
        dashboards = [g for g in pending if not g.startswith(RUN_GROUP_PREFIX)]
        runs = list(itertools.islice((g for g in pending if g.startswith(RUN_GROUP_PREFIX)), GROUPS_PER_PUBLISH))

        def taken(groups: list[str]) -> list[tuple[str, dict]]:
            messages = []
            for group in groups:
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
            return messages

        try:
            await _publish(layer, taken(dashboards), if_heard=taken(runs))
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


def event_sender() -> _Sender:
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
    event_sender().submit([WARM_UP_GROUP], [])


def broadcasts_flush(timeout: float = 5.0) -> None:
    if _sender_instance is not None and _sender_instance.pid == os.getpid():
        _sender_instance.flush(timeout)


atexit.register(broadcasts_flush)
