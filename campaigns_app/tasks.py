"""Celery entry points: they take ids and call one service each."""

from celery import shared_task
from celery.signals import task_postrun, task_prerun, worker_ready, worker_shutting_down
from django.db import close_old_connections

from . import services
from .services.dispatch import STEP_TASK, STEPS_TASK
from .tasks_broker import broker_clients_reused

# Before the worker's consumer opens its channel: every message it takes and acks uses the channel's client.
broker_clients_reused()


@shared_task(name=STEP_TASK, bind=True, acks_late=True, ignore_result=True)
def step_run_execute(
    self, step_run_id: int, run_id: int | None = None, step_id: str | None = None, attempt: int | None = None
) -> None:
    """Run one step attempt. Safe to deliver twice: only the delivery that claims the step runs it."""
    # Each backend is a queue of its own, so the queue names the backend.
    backend = (self.request.delivery_info or {}).get("routing_key") or "thread"
    services.step_run_execute_on_runner(
        step_run_id=step_run_id, expected=(run_id, step_id, attempt) if attempt else None, backend=backend
    )


@shared_task(name=STEPS_TASK, bind=True, acks_late=True, ignore_result=True)
def step_runs_execute(self, entries: list) -> None:
    """Run a batch of steps, each ``[step_run_id, run_id, step_id, attempt]``, side by side; as safe to repeat."""
    backend = (self.request.delivery_info or {}).get("routing_key") or "thread"
    services.step_runs_execute(entries=entries if isinstance(entries, list) else [], backend=backend)


@task_prerun.connect
@task_postrun.connect
def database_connections_tidy(**kwargs) -> None:
    """Close this thread's connections that are too old or broken (``CONN_MAX_AGE``), as Django does per request."""
    close_old_connections()


@worker_ready.connect
def start_watchdog(**kwargs) -> None:
    """Heartbeats, cancel requests and recovery sweeps run in every worker process."""
    services.watchdog_start()


@worker_shutting_down.connect
def stop_watchdog(**kwargs) -> None:
    services.watchdog_stop()


# Worker lifecycle: long-lived backends start with the worker and stop with it.
from . import worker  # noqa: E402,F401
