"""A real Celery worker process over the real Redis, sharing the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from scripts.stack import terminate

REPO = Path(__file__).resolve().parents[2]
WORKER_START_TIMEOUT_S = 60


def database_url(settings_dict: dict) -> str:
    """The URL of the test database this pytest session created, for child processes."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    if "postgresql" in engine:
        user = settings_dict.get("USER") or "postgres"
        password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"
    raise RuntimeError(f"no child-process URL for database engine {engine}")


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url(connection.settings_dict), PYTHONUNBUFFERED="1",
               PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}", **extra)
    return env


def start_worker(log_dir: Path, *, concurrency: int = 16, name: str | None = None) -> tuple[subprocess.Popen, Path]:
    name = name or f"test-{uuid.uuid4().hex[:8]}"
    log_path = log_dir / f"worker-{name}.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "asyncflow_site", "worker", "--pool", "threads",
         "--concurrency", str(concurrency), "-Q", "thread,studio", "-l", "info", "-n", f"{name}@%h",
         "--without-gossip", "--without-mingle"],
        cwd=REPO, env=child_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + WORKER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        if " ready." in log_path.read_text(errors="replace"):
            return process, log_path
        time.sleep(0.1)
    terminate([process])
    raise RuntimeError(f"celery worker not ready after {WORKER_START_TIMEOUT_S} s:\n{log_path.read_text()[-3000:]}")


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
