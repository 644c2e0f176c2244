"""Which backends are up, where, and how much work waits for them.

Each worker process publishes the state of the backends it serves to Redis
every few seconds with a short expiry; the web process reads them, so a
worker that died stops counting as up within ``STATUS_TTL_S``.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache

from django.conf import settings
from django.db.models import Count

from ..backends import available_backends
from ..models import RunState, StepRun, StepState

STATUS_TTL_S = 30
KEY_PREFIX = "studio:backend-status:"


@lru_cache(maxsize=1)
def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def backend_status_publish(*, worker: str, statuses: dict[str, dict]) -> None:
    """Say, for ``STATUS_TTL_S``, that ``worker`` serves these backends in these states."""
    pipe = _redis().pipeline()
    for name, status in statuses.items():
        payload = {**status, "worker": worker, "reported_at": time.time()}
        pipe.set(f"{KEY_PREFIX}{name}:{worker}", json.dumps(payload, default=str), ex=STATUS_TTL_S)
    pipe.execute()


def backend_status_withdraw(*, worker: str, names: list[str]) -> None:
    """A worker stopping takes its entries back at once."""
    if names:
        _redis().delete(*[f"{KEY_PREFIX}{name}:{worker}" for name in names])


def backends_overview() -> list[dict]:
    """Every configured backend: up or not, its workers, queue depth, steps waiting and running, resources."""
    client = _redis()
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    counts: dict[tuple[str, str], int] = {
        (backend, state): n
        # Only runs still going: a step row of an ended run is history, not load on the backend.
        for backend, state, n in StepRun.objects.filter(
            state__in=[StepState.QUEUED, StepState.RUNNING], run__state__in=[RunState.QUEUED, RunState.RUNNING]
        )
        .values_list("backend", "state")
        .annotate(n=Count("id"))
        .values_list("backend", "state", "n")
    }
    out = []
    for name in available_backends():
        workers = []
        for key in client.scan_iter(match=f"{KEY_PREFIX}{name}:*", count=100):
            raw = client.get(key)
            if raw:
                workers.append(json.loads(raw))
        workers.sort(key=lambda w: w.get("worker", ""))
        up = [w for w in workers if w.get("state") == "up"]
        errors = [w["error"] for w in workers if w.get("error")]
        resources = next((w.get("resources") for w in workers if w.get("resources")), None)
        out.append(
            {
                "name": name,
                "queue": name,
                "up": bool(up),
                "state": "up" if up else (workers[0].get("state", "down") if workers else "no worker"),
                "error": errors[0] if errors and not up else None,
                "workers": workers,
                "queue_depth": int(client.llen(f"{prefix}{name}")),
                "queued_steps": counts.get((name, StepState.QUEUED), 0),
                "running_steps": counts.get((name, StepState.RUNNING), 0),
                "resources": resources or configured_resources(name),
            }
        )
    return out


def configured_resources(name: str) -> dict:
    """What the settings ask for, shown before any worker has started the backend."""
    if name == "radical":
        from ..backends.radical import pilot_description

        return pilot_description(settings.STUDIO_RADICAL)
    if name == "dask":
        return {"scheduler": settings.STUDIO_DASK["scheduler"] or "LocalCluster"}
    return {}
