"""The Celery broker's Redis clients, built once per channel instead of once per command.

kombu's Redis channel (5.7) builds a new ``redis.Redis`` for every publish,
every message a worker takes (its unacked bookkeeping) and every ack.  All of
them share the channel's one connection pool, so the new client only copies
redis-py's table of ~170 response callbacks, which cost more than the
command it then sends: measured here, 0.35 ms of CPU per client, about three
per step message in a worker and one per message sent.  A ``redis.Redis`` is
safe to share between threads (each command takes a connection from the pool;
a pipeline is a new object per use), so each channel keeps one, rebuilt when
the channel replaces its pool (after a disconnect).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterable

_installed = False
_install_lock = threading.Lock()


def broker_clients_reused() -> None:
    """Make kombu's Redis channels reuse one synchronous client per connection pool (idempotent)."""
    global _installed
    if _installed:
        return
    with _install_lock:
        if _installed:
            return
        import redis
        from kombu.transport import redis as kombu_redis

        built_per_call = kombu_redis.Channel._create_client

        def create_client(self, asynchronous: bool = False):
            if asynchronous:
                # The event loop's clients (BRPOP, pub/sub) are built once already, as cached properties.
                return built_per_call(self, asynchronous=True)
            if self._pool is None and getattr(self.connection, "client", None) is None:
                # The channel is closing after its connection was lost (kombu 5.7): putting back the messages
                # it holds must fail as a lost connection, which the consumer handles by reconnecting, not as
                # the AttributeError rebuilding a pool without a connection raises, which stops the worker.
                raise redis.exceptions.ConnectionError("the broker connection is closed")
            pool = self.pool
            kept = self.__dict__.get("_studio_client")
            if kept is None or kept[0] is not pool:
                kept = self.__dict__["_studio_client"] = (pool, built_per_call(self))
            return kept[1]

        kombu_redis.Channel._create_client = create_client
        _installed = True


def oldest_waiting_steps(queues: Iterable[str]) -> dict[str, list[int]]:
    """For each queue, the step run ids of the messages that have waited longest in it (one message per priority).

    kombu pushes on the left of a Redis list per queue and priority and
    workers pop on the right, so each list's rightmost message is its oldest
    still waiting.  Empty queues, and messages that are not step messages,
    are left out.  Raises when the broker cannot be read.
    """
    from asyncflow_site.celery import app

    broker_clients_reused()
    names = list(queues)
    with app.producer_or_acquire() as producer:
        channel = producer.channel
        # LINDEX is not among the commands kombu's prefixed client prefixes itself.
        prefix = getattr(channel, "global_keyprefix", "") or ""
        keys = [(name, prefix + channel._q_for_pri(name, pri)) for name in names for pri in channel.priority_steps]
        with channel.client.pipeline(transaction=False) as pipe:
            for _, key in keys:
                pipe.lindex(key, -1)
            tails = pipe.execute()
    oldest: dict[str, list[int]] = {}
    for (name, _), raw in zip(keys, tails, strict=True):
        oldest.setdefault(name, []).extend(_step_run_ids(raw))
    return {name: pks for name, pks in oldest.items() if pks}


def _step_run_ids(raw: bytes | None) -> list[int]:
    """The step runs a Celery (protocol 2) message names, as kombu's Redis transport stores it.

    A step message's first argument is its step run's id; a batch message's
    (``dispatch.STEPS_TASK``) is a list of ``[step_run_id, run_id, step_id, attempt]``.
    """
    if not raw:
        return []
    try:
        message = json.loads(raw)
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
    except (ValueError, TypeError, KeyError, IndexError):
        return []
    if not args or not isinstance(args, list):
        return []
    first = args[0]
    if type(first) is int:
        return [first]
    if isinstance(first, list):
        return [pk for pk in (e[0] for e in first if isinstance(e, list) and e) if type(pk) is int]
    return []
