"""Fault tests own their processes (workers, daphne, even Redis) so they can kill them."""

import os
import signal

import pytest
import redis
from django.conf import settings

from scripts.stack import terminate


@pytest.fixture
def processes():
    """Processes a test starts; whatever is still alive at the end is stopped."""
    started = []
    yield started
    terminate(started, timeout=5)


@pytest.fixture
def clean_broker(django_db_blocker):
    redis.Redis.from_url(settings.REDIS_URL).flushdb()


def kill_hard(process) -> None:
    """SIGKILL the process and its group, as an out-of-memory kill or a lost node would."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
