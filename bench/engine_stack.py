"""Shared by the engine benches: a private stack with N workers, a REST client, a dashboard socket reader."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.stack import celery_worker_argv, ensure_redis, free_port, terminate, wait_for_http  # noqa: E402

USER, PASSWORD = "bench", "bench-password-1"


@dataclass
class Stack:
    url: str
    username: str
    password: str
    web_pid: int | None = None
    worker_pids: list[int] = field(default_factory=list)


def _database_reset(database_url: str) -> None:
    """A PostgreSQL bench database starts empty (dropped and created again)."""
    if not database_url.startswith("postgres"):
        return
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def private_stack(
    database_url: str | None = None, *, workers: int = 1, concurrency: int = 32, extra_env: dict[str, str] | None = None
):
    """Redis (embedded), a fresh migrated database, ``workers`` Celery worker processes and daphne."""
    tmp = Path(tempfile.mkdtemp(prefix="asyncflow-engine-bench-"))
    redis_url, redis_proc = ensure_redis(None, log_path=tmp / "redis.log")
    database_url = database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    _database_reset(database_url)
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
    procs: list[subprocess.Popen] = []
    try:
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from django.contrib.auth import get_user_model as g; "
                f"g().objects.filter(username='{USER}').exists() or "
                f"g().objects.create_user('{USER}', password='{PASSWORD}')",
            ],
            cwd=REPO,
            env=env,
            check=True,
        )
        # The demo "Seed campaign" (bench/seed.py's workload), as ``make run`` loads it.
        subprocess.run(
            [*manage, "load_demo_data", "--owner", USER], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL
        )
        stack_pids = []
        for n in range(workers):
            log = open(tmp / f"worker-{n}.log", "w")
            worker = subprocess.Popen(
                celery_worker_argv(
                    queues="thread,studio",
                    concurrency=concurrency,
                    name=f"bench{n}-{uuid.uuid4().hex[:6]}@%h",
                    loglevel="warning",
                ),
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            procs.append(worker)
            stack_pids.append(worker.pid)
        port = free_port()
        daphne = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "asyncflow_site.asgi:application"],
            cwd=REPO,
            env=env,
            stdout=open(tmp / "daphne.log", "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs.append(daphne)
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/api/auth/me/", timeout=90, procs={"daphne": daphne})
        # Workers that are still starting only delay the benches' warm-up round, which waits for them.
        yield Stack(url=url, username=USER, password=PASSWORD, web_pid=daphne.pid, worker_pids=stack_pids)
    finally:
        terminate(procs)
        if redis_proc is not None:
            terminate([redis_proc])


class Api:
    def __init__(self, base: str, username: str, password: str):
        self.base = base.rstrip("/")
        self.token = self.call("POST", "/api/auth/token/", {"username": username, "password": password}, auth=False)[
            "token"
        ]

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


def frame_events(frame: str | bytes) -> list[dict]:
    """The events of one dashboard frame: an array (``?batch=1``) or a single event."""
    payload = json.loads(frame)
    return payload if isinstance(payload, list) else [payload]


def peak_rss_mb(pid: int | None) -> float | None:
    """The process's peak resident set (VmHWM) in MB, from /proc."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def chain_campaign(api: Api, name: str, steps: int = 4, function: str = "noop", kwargs: dict | None = None) -> int:
    graph_steps = [
        {"id": f"s{k}", "name": f"step {k}", "kind": "function", "function": function, "kwargs": kwargs or {}}
        for k in range(1, steps + 1)
    ]
    edges = [{"source": f"s{k}", "target": f"s{k + 1}"} for k in range(1, steps)]
    return api.call("POST", "/api/campaigns/", {"name": name, "graph": {"steps": graph_steps, "edges": edges}})["id"]


def independent_campaign(api: Api, name: str, steps: int) -> int:
    graph_steps = [
        {"id": f"s{k}", "name": f"step {k}", "kind": "function", "function": "noop", "kwargs": {}}
        for k in range(1, steps + 1)
    ]
    return api.call("POST", "/api/campaigns/", {"name": name, "graph": {"steps": graph_steps, "edges": []}})["id"]
