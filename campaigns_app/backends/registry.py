from __future__ import annotations

import threading

from django.conf import settings

from .base import ExecutionBackend

_started: dict[str, ExecutionBackend] = {}
_started_lock = threading.RLock()


def available_backends() -> list[str]:
    return list(settings.STUDIO_BACKENDS)


# What each backend cannot run, known without starting it (for validation).
REFUSES = {
    "radical": {
        "function": "function steps cannot run on the radical backend (they need RADICAL-Pilot's Raptor "
        "mode); use an executable step, or the dask or thread backend"
    },
}


# Where a running step really is, by its backend's own task state: executing, past execution (staging its
# output, done), or else still waiting in the pilot or cluster.  FAILED/CANCELED are not past execution: a task
# cancelled while waiting never executed.  Sent with every ``step.backend`` event for the timeline.
BACKEND_PHASES = {
    "radical": {"AGENT_EXECUTING": "executing", "AGENT_STAGING_OUTPUT": "done", "DONE": "done"},
    "dask": {"EXECUTING": "executing", "DONE": "done"},
}


def backend_phase(name: str, backend_state: str) -> str:
    """``executing``, ``done`` or ``waiting``: how far the backend's task of a running step has come."""
    return BACKEND_PHASES.get(name, {}).get(backend_state, "waiting")


def backend_refuses(name: str, kind: str) -> str | None:
    """Why backend ``name`` cannot run steps of ``kind``, or None."""
    return REFUSES.get(name, {}).get(kind)


def get_backend(name: str) -> ExecutionBackend:
    # One instance per process: the worker's start-up thread and the first
    # step may ask at once, and two radical backends would be two pilots.
    backend = _started.get(name)
    if backend is not None:
        return backend
    with _started_lock:
        if name not in _started:
            _started[name] = _create(name)
        return _started[name]


get_backend.cache_clear = lambda: _started.clear()  # type: ignore[attr-defined]  # the tests' reset, as with lru_cache


def _create(name: str) -> ExecutionBackend:
    backend: ExecutionBackend
    if name == "thread":
        from .thread import ThreadBackend

        backend = ThreadBackend()
    elif name == "radical" and name in settings.STUDIO_BACKENDS:
        from .radical import RadicalBackend

        backend = RadicalBackend(settings.STUDIO_RADICAL, settings.VAR_DIR)
    elif name == "dask" and name in settings.STUDIO_BACKENDS:
        from .dask import DaskBackend

        backend = DaskBackend(settings.STUDIO_DASK, settings.VAR_DIR)
    else:
        raise LookupError(f"backend {name!r} is not available on this worker")
    return backend


def started_backends() -> dict[str, ExecutionBackend]:
    """The backends this process has created so far."""
    with _started_lock:
        return dict(_started)


def shutdown_backends() -> None:
    """Stop every backend this process started (pilots, Dask clients and clusters)."""
    for backend in started_backends().values():
        shutdown = getattr(backend, "shutdown", None)
        if shutdown is not None:
            shutdown()
