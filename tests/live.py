"""Child processes for live tests: Celery workers and daphne on the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.db import connection

from scripts.stack import celery_worker_argv, free_port, terminate, wait_for_http

REPO = Path(__file__).resolve().parents[1]
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


# Recovery in seconds, not the production minute, so fault tests stay short.
FAST_RECOVERY = {
    "STUDIO_HEARTBEAT_INTERVAL_S": "0.5",
    "STUDIO_HEARTBEAT_STALE_S": "3",
    "STUDIO_SWEEP_INTERVAL_S": "1",
    "STUDIO_REDISPATCH_AFTER_S": "3",
    "STUDIO_KILL_GRACE_S": "1",
    "STUDIO_WATCHDOG_TICK_S": "0.2",
    "STUDIO_LOG_MAX_BYTES": "20000",
    "STUDIO_STEP_FUNCTIONS": "tests.integration.step_functions.chatty",
}


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(FAST_RECOVERY)
    env.update(
        DATABASE_URL=database_url(connection.settings_dict),
        PYTHONUNBUFFERED="1",
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        **extra,
    )
    return env


def start_worker(
    log_dir: Path,
    *,
    concurrency: int = 16,
    name: str | None = None,
    queues: str = "thread,studio",
    env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen, Path]:
    name = name or f"test-{uuid.uuid4().hex[:8]}"
    log_path = log_dir / f"worker-{name}.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        celery_worker_argv(queues=queues, concurrency=concurrency, name=f"{name}@%h"),
        cwd=REPO,
        env=child_env(**(env or {})),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
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


def start_daphne(
    log_dir: Path, *, port: int | None = None, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    port = port or free_port()
    log_path = log_dir / "daphne.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "asyncflow_site.asgi:application"],
        cwd=REPO,
        env=env or child_env(),
        stdout=open(log_path, "a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/api/auth/me/", timeout=60, procs={"daphne": process})
    except Exception:  # noqa: BLE001 - whatever the wait raised, daphne's log says why it did not start
        terminate([process])
        raise RuntimeError(f"daphne did not start:\n{log_path.read_text()[-3000:]}") from None
    return process, url
