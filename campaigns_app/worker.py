"""Celery worker hooks: start the long-lived backends once per worker, publish their status, stop them.

Imported by ``tasks.py`` so every worker connects these signals.
"""

from __future__ import annotations

import gc
import logging
import threading

from celery.signals import worker_ready, worker_shutdown

from .backends import available_backends, get_backend
from .backends.engine import EngineUnavailable
from .backends.registry import shutdown_backends

logger = logging.getLogger(__name__)

HEARTBEAT_S = 10.0
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
