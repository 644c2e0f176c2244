"""A daphne process's start: the open-files limit and the channel layer's connection, before any handshake."""

from __future__ import annotations

import asyncio
import logging
import resource
import sys

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


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
