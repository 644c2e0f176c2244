"""The benches' private stack: embedded Redis, a migrated database with the bench user, Celery workers, daphne.

Used by ``engine_stack.py`` (the engine benches) and ``ui_common.py`` (the UI benches); the pieces (Redis,
ports, the worker's command line, shutdown) come from ``scripts/stack.py``, as for ``make run`` and the tests.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.stack import celery_worker_argv, ensure_redis, free_port, terminate, wait_for_http  # noqa: E402

USER, PASSWORD = "bench", "bench-password-1"
READY_TIMEOUT_S = 90


@dataclass
class Stack:
    url: str
    username: str
    password: str
    web_pid: int | None = None
    worker_pids: list[int] = field(default_factory=list)
    redis_pid: int | None = None


def parse_time(text: str) -> float:
    """An API timestamp (``2026-01-01T00:00:00.000000Z``) as epoch seconds."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


def last_step_end(runs: list[dict]) -> float:
    """When the last step of these run details finished; a run that did not succeed ends the bench."""
    if any(r["state"] != "succeeded" for r in runs):
        raise SystemExit(f"a run did not succeed: {[(r['id'], r['state']) for r in runs]}")
    return max(parse_time(s["finished_at"]) for r in runs for s in r["steps"])


def rounds_line(label: str, times: list[float], width: int) -> str:
    """A figures row: the label (padded to ``width``), each counted round's seconds, and their median."""
    return f"{label:<{width}} " + ", ".join(f"{t:.3f}" for t in times) + f"  median {statistics.median(times):.3f} s"


async def asyncflow_three_campaigns(flow, campaign) -> float:
    """Seconds for asyncflow's ``campaign`` block run as campaigns A, B and C at once; ``flow`` is shut down after."""
    started = time.time()
    await asyncio.gather(*(campaign(f"Campaign {n}") for n in "ABC"))
    elapsed = time.time() - started
    await flow.shutdown()
    return elapsed


def admin_password(given: str | None = None) -> str:
    """The password a bench signs in to a running stack with: --password, $STUDIO_ADMIN_PASSWORD, var/admin_password."""
    return given or os.environ.get("STUDIO_ADMIN_PASSWORD") or (REPO / "var" / "admin_password").read_text().strip()


def database_reset(database_url: str) -> None:
    """A PostgreSQL bench database starts empty (dropped and created again); SQLite ones are new files anyway."""
    if not database_url.startswith("postgres"):
        return
    import psycopg

    server, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _manage(env: dict[str, str], *args: str, quiet: bool = False) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


@contextmanager
def private_stack(
    database_url: str | None = None,
    *,
    workers: int = 1,
    concurrency: int = 32,
    extra_env: dict[str, str] | None = None,
    reset_database: bool = True,
    demo_data: bool = True,
) -> Iterator[Stack]:
    """Redis (embedded), a migrated database, ``workers`` Celery worker processes and daphne, private to this process.

    ``reset_database`` empties a PostgreSQL database first; ``demo_data`` loads the demo "Seed campaign"
    (bench/seed.py's workload) for the bench user, as ``make run`` does for the admin.
    """
    tmp = Path(tempfile.mkdtemp(prefix="asyncflow-bench-"))
    redis_url, redis_proc = ensure_redis(None, log_path=tmp / "redis.log")
    database_url = database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    if reset_database:
        database_reset(database_url)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        STUDIO_VAR_DIR=str(tmp),
        STUDIO_CHANNEL_PREFIX=f"bench-{uuid.uuid4().hex[:6]}",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        **(extra_env or {}),
    )
    procs: dict[str, subprocess.Popen] = {}
    try:
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model as g; "
            f"g().objects.filter(username='{USER}').exists() or "
            f"g().objects.create_user('{USER}', password='{PASSWORD}')",
        )
        if demo_data:
            _manage(env, "load_demo_data", "--owner", USER, quiet=True)
        for n in range(workers):
            procs[f"worker {n}"] = _started(
                celery_worker_argv(
                    queues="thread,studio",
                    concurrency=concurrency,
                    name=f"bench{n}-{uuid.uuid4().hex[:6]}@%h",
                    loglevel="warning",
                ),
                env,
                tmp / f"worker-{n}.log",
            )
        port = free_port()
        daphne = _started(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "asyncflow_site.asgi:application"],
            env,
            tmp / "daphne.log",
        )
        procs["daphne"] = daphne
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/api/auth/me/", timeout=READY_TIMEOUT_S, procs=procs)
        # Workers that are still starting only delay the benches' warm-up round, which waits for them.
        yield Stack(
            url=url,
            username=USER,
            password=PASSWORD,
            web_pid=daphne.pid,
            worker_pids=[p.pid for label, p in procs.items() if label != "daphne"],
            redis_pid=redis_proc.pid if redis_proc is not None else None,
        )
    finally:
        terminate(procs.values())
        if redis_proc is not None:
            terminate([redis_proc])


def _started(argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """A stack process in its own session (so that terminate stops its children too), its output in log_path."""
    with open(log_path, "w") as log:
        return subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


class Api:
    """The REST API as one user, with a token (urllib: no client library in the benches' way)."""

    def __init__(self, base: str, username: str = USER, password: str = PASSWORD):
        self.base = base.rstrip("/")
        credentials = {"username": username, "password": password}
        self.token = self.call("POST", "/api/auth/token/", credentials, auth=False)["token"]

    def call(self, method: str, path: str, body=None, auth: bool = True):
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(
            self.base + path,
            method=method,
            headers=headers,
            data=json.dumps(body).encode() if body is not None else None,
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            data = response.read()
            return json.loads(data) if data else None
