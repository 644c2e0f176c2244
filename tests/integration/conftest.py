"""A real Celery worker process over the real Redis, sharing the test database."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from django.conf import settings

from scripts.stack import terminate
from tests.live import start_worker


@pytest.fixture(scope="package")
def worker_logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("worker-logs")


@pytest.fixture(scope="package")
def celery_worker(django_db_setup, django_db_blocker, worker_logs):
    # Messages left in the test Redis by an earlier session name rows of another database.
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    with django_db_blocker.unblock():
        process, log_path = start_worker(worker_logs)
    yield process
    terminate([process])
    if process.returncode not in (0, -15, None):
        print(f"worker log:\n{log_path.read_text()[-3000:]}")


@pytest.fixture(autouse=True)
def chatty_registered(settings):
    """The workers register tests.integration.step_functions.chatty (tests.live.FAST_RECOVERY); so does this process."""
    from campaigns_app.step_functions.registry import _cached_registry

    settings.STUDIO_STEP_FUNCTIONS = ["tests.integration.step_functions.chatty"]
    _cached_registry.cache_clear()
    yield
    _cached_registry.cache_clear()
