"""Celery worker hooks: start the long-lived backends once per worker, publish their status, stop them;
resend queued steps' messages as soon as the broker comes back without them.

Imported by ``tasks.py`` so every worker connects these signals and its consumer gets the bootstep.
"""

from __future__ import annotations

import gc
import logging
import threading

from celery import bootsteps
from celery.signals import worker_init, worker_ready, worker_shutdown
from django.db import close_old_connections
from django.utils import timezone

from .backends import available_backends, get_backend
from .backends.engine import EngineUnavailable
from .backends.registry import shutdown_backends

logger = logging.getLogger(__name__)

HEARTBEAT_S = 10.0
# Written into the broker when a worker finds it without one: a broker that answers but lacks it
# restarted empty (or was flushed), and every message of a queued step went with it.
BROKER_MARK_KEY = "asyncflow:broker-mark"
_stop = threading.Event()
_served: list[str] = []
_worker_name = ""


def _consumed_queues(consumer) -> list[str]:
    try:
        return [queue.name for queue in consumer.task_consumer.queues]
    except AttributeError:
        return list(consumer.app.amqp.queues.consume_from or [])


def _statuses() -> dict[str, dict]:
    statuses = {}
    for name in _served:
        backend = get_backend(name)
        status = getattr(backend, "status", None)
        statuses[name] = status() if status else {"state": "up"}
    return statuses


def _publish_forever() -> None:
    from .services.backend_status import backend_status_publish

    while True:
        try:
            backend_status_publish(worker=_worker_name, statuses=_statuses())
        except Exception:  # the status is advisory; the worker goes on
            logger.exception("could not publish backend status")
        if _stop.wait(HEARTBEAT_S):
            return


def _start_engines(names: list[str]) -> None:
    # Started here rather than on the first step so the pilot (14 s and more)
    # is up by the time work arrives; steps arriving earlier wait for it.
    for name in names:
        backend = get_backend(name)
        start = getattr(backend, "start", None)
        if start is None:
            continue
        try:
            start()
        except EngineUnavailable as exc:
            logger.error("%s backend did not start: %s", name, exc)


def _warm_up() -> None:
    # What the first step of a fresh worker would otherwise load on its critical path.
    from asyncflow_site.celery import broker_warm_up

    from .events import broadcaster_warm_up
    from .step_functions import function_registry

    broadcaster_warm_up()
    broker_warm_up()
    function_registry()


@worker_init.connect
def step_slots_bounded(sender=None, **_):
    """The steps this process runs at once stay within its ``--concurrency``, batch messages' steps included."""
    from .services.steps import process_concurrency_set

    process_concurrency_set(getattr(sender, "concurrency", None))


@worker_ready.connect
def backends_start(sender=None, **_):
    global _worker_name
    _worker_name = getattr(sender, "hostname", None) or "worker"
    _served[:] = [q for q in _consumed_queues(sender) if q in available_backends()]
    _stop.clear()
    # The worker's imports live as long as it does: out of the collector's
    # sight, a full collection no longer walks them while steps wait for the GIL.
    gc.collect()
    gc.freeze()
    threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
    threading.Thread(target=_start_engines, args=(list(_served),), name="backends-start", daemon=True).start()
    threading.Thread(target=_publish_forever, name="backends-status", daemon=True).start()


@worker_shutdown.connect
def backends_stop(**_):
    _stop.set()
    try:
        from .services.backend_status import backend_status_withdraw

        backend_status_withdraw(worker=_worker_name, names=list(_served))
    except Exception:
        logger.exception("could not withdraw backend status")
    shutdown_backends()


def _broker_came_back_empty(app) -> bool:
    """Whether the broker lost its data since a worker last marked it; only the first to ask gets True."""
    import redis

    prefix = (app.conf.broker_transport_options or {}).get("global_keyprefix", "")
    client = redis.Redis.from_url(app.conf.broker_url, socket_timeout=5, socket_connect_timeout=5)
    try:
        # SET NX: of all the workers reconnecting to a fresh broker, one resends.
        return bool(client.set(f"{prefix}{BROKER_MARK_KEY}", _worker_name or "worker", nx=True))
    finally:
        client.close()


def _resend_if_broker_emptied(app, connected_at) -> None:
    from .services.recovery import steps_redispatch_queued

    try:
        if _broker_came_back_empty(app):
            resent = steps_redispatch_queued(dispatched_before=connected_at)
            if resent:
                logger.warning("broker came back empty: resent the messages of %d queued step(s)", resent)
    except Exception:
        logger.exception("could not resend queued steps after the broker reconnected")
    finally:
        close_old_connections()


class BrokerReconnectResend(bootsteps.StartStopStep):
    """Runs each time the consumer (re)connects to the broker: at start, and after a lost connection."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, consumer) -> None:
        # Off the consumer's thread: it resumes taking messages meanwhile.
        threading.Thread(
            target=_resend_if_broker_emptied,
            args=(consumer.app, timezone.now()),
            name="broker-reconnect-resend",
            daemon=True,
        ).start()


def _add_consumer_steps() -> None:
    from asyncflow_site.celery import app

    app.steps["consumer"].add(BrokerReconnectResend)


_add_consumer_steps()
