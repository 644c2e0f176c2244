"""Celery entry points: they take ids and call one service each."""

from celery import shared_task
from celery.signals import worker_ready, worker_shutting_down

from . import services
from .services.dispatch import STEP_TASK


@shared_task(name=STEP_TASK, acks_late=True, ignore_result=True)
def step_run_execute(step_run_id: int, run_id: int | None = None, step_id: str | None = None,
                     attempt: int | None = None) -> None:
    """Run one step attempt. Safe to deliver twice: only the delivery that claims the step runs it."""
    services.step_run_execute(step_run_id=step_run_id, expected=(run_id, step_id, attempt) if attempt else None)


@worker_ready.connect
def start_watchdog(**kwargs) -> None:
    """Heartbeats, cancel requests and recovery sweeps run in every worker process."""
    services.watchdog_start()


@worker_shutting_down.connect
def stop_watchdog(**kwargs) -> None:
    services.watchdog_stop()
