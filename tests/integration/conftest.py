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
