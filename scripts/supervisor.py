"""The supervisor behind ``make run``: starts children, prefixes their output, restarts a dead one with backoff.

``scripts/run_stack.py`` decides what to run; ``Stack`` keeps it running until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from scripts.stack import ProcessExited, start_embedded_redis, terminate

ROOT = Path(__file__).resolve().parent.parent
COLORS = {"redis": "31", "worker": "35", "web": "36", "hpc": "33"}


class Backoff:
    """Delays before restarting one child: doubled for each death in a row, reset once it stays up."""

    def __init__(self, first_s: float, max_s: float, stable_s: float) -> None:
        self.first_s, self.max_s, self.stable_s = first_s, max_s, stable_s
        self.next_s = first_s
        self.restarts = 0

    def after_death(self, lived_s: float) -> float:
        """How long to wait before the next start of a child that was up for lived_s."""
        if lived_s >= self.stable_s:
            self.next_s = self.first_s
        delay = self.next_s
        self.next_s = min(self.max_s, self.next_s * 2)
        self.restarts += 1
        return delay

    @classmethod
    def from_env(cls) -> Backoff:
        return cls(
            float(os.environ.get("STUDIO_RESTART_BACKOFF_S", "1")),
            float(os.environ.get("STUDIO_RESTART_BACKOFF_MAX_S", "30")),
            float(os.environ.get("STUDIO_RESTART_STABLE_S", "60")),
        )


class StopRequested(Exception):
    """SIGINT, SIGTERM or SIGHUP arrived: shut down cleanly."""


class CommandFailed(Exception):
    """A setup command (migrate, ensure_admin, ...) exited non-zero."""


class Stack:
    """The running children, their log relays, and the signal handling that stops them."""

    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen] = {}
        self.redis: subprocess.Popen | None = None
        self.relays: list[threading.Thread] = []
        self.output_lock = threading.RLock()
        self.color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        self.critical = 0
        self.pending_signal: int | None = None
        self.stopping = False
        self.worker_ready = threading.Event()
        # What each child was started with, so a dead one can be started again the same way.
        self.commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        self.started_at: dict[str, float] = {}
        self.backoffs: dict[str, Backoff] = {}
        self.restart_due: dict[str, float] = {}
        self.redis_log: Path | None = None

    # --- signals -----------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame) -> None:
        if self.stopping:
            self.say("second signal: killing everything now")
            for proc in self._all():
                # returncode None means not reaped yet, so the pid is still this child's.
                if proc.returncode is None:
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
            return
        self.stopping = True
        if self.critical:
            self.pending_signal = signum
            return
        raise StopRequested(signal.Signals(signum).name)

    @contextmanager
    def no_interrupt(self):
        """Defer a stop signal until a started process is tracked, so none can be left behind."""
        self.critical += 1
        try:
            yield
        finally:
            self.critical -= 1
        if not self.critical and self.pending_signal is not None:
            raise StopRequested(signal.Signals(self.pending_signal).name)

    # --- output ------------------------------------------------------------------
    def say(self, message: str) -> None:
        with self.output_lock:
            print(f"==> {message}", flush=True)

    def _relay(self, label: str, stream) -> None:
        prefix = f"{label:>6} | "
        if self.color:
            prefix = f"\033[{COLORS.get(label, '0')}m{prefix}\033[0m"
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            # Celery logs "celery@host ready." once it consumes; the banner waits for it.
            if label == "worker" and line.rstrip().endswith(" ready."):
                self.worker_ready.set()
            with self.output_lock:
                sys.stdout.write(prefix + line + "\n")
                sys.stdout.flush()
        stream.close()

    # --- processes ---------------------------------------------------------------
    def start(self, label: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
        with self.no_interrupt():
            # Own session: a terminal's Ctrl-C reaches only this script, which
            # then stops the children in order (the worker gets a warm shutdown).
            proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            proc.label = label
            self.children[label] = proc
            self.commands[label] = (cmd, env)
            self.started_at[label] = time.monotonic()
        self.say(f"started {label} (pid {proc.pid})")
        relay = threading.Thread(target=self._relay, args=(label, proc.stdout), daemon=True)
        relay.start()
        self.relays.append(relay)
        return proc

    def adopt_redis(self, proc: subprocess.Popen, log_path: Path) -> None:
        proc.label = "redis"
        self.redis = proc
        self.redis_log = log_path
        self.started_at["redis"] = time.monotonic()
        self.say(f"started redis (pid {proc.pid})")

    # --- supervision -------------------------------------------------------------
    def supervise_once(self) -> None:
        """Schedule a restart for each child that died, and start those whose delay has passed."""
        now = time.monotonic()
        for label, proc in self.watched().items():
            if label in self.restart_due or proc.poll() is None:
                continue
            lived = now - self.started_at.get(label, now)
            delay = self.backoffs.setdefault(label, Backoff.from_env()).after_death(lived)
            self.restart_due[label] = now + delay
            self.say(
                f"{label} (pid {proc.pid}) exited with code {proc.returncode} after {lived:.0f}s; "
                f"restarting it in {delay:g}s"
            )
        # Redis first: the others reconnect to it on their own.
        for label in sorted(self.restart_due, key=lambda name: name != "redis"):
            if self.restart_due[label] <= now:
                self._restart(label)

    def _restart(self, label: str) -> None:
        restarts = self.backoffs[label].restarts
        if label == "redis":
            # Same port: the worker and web keep the URL they were given.
            port = int(self.redis.args[self.redis.args.index("--port") + 1])
            terminate([self.redis], timeout=1)  # removes its temporary directory
            try:
                with self.no_interrupt():
                    proc, _url = start_embedded_redis(port, log_path=self.redis_log)
                    self.adopt_redis(proc, self.redis_log)
            except RuntimeError as error:
                delay = self.backoffs[label].after_death(0.0)
                self.restart_due[label] = time.monotonic() + delay
                self.say(f"redis did not come back ({error.args[0].splitlines()[0]}); trying again in {delay:g}s")
                return
        else:
            if label == "worker":
                self.worker_ready.clear()
            cmd, env = self.commands[label]
            self.start(label, cmd, env)
        del self.restart_due[label]
        self.say(f"restarted {label} (restart #{restarts})")

    def wait_worker_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.worker_ready.wait(0.2):
            for label, proc in self.watched().items():
                if proc.poll() is not None:
                    raise ProcessExited(label, proc.returncode)
            if time.monotonic() >= deadline:
                return False
        return True

    def _all(self) -> list[subprocess.Popen]:
        return [*self.children.values(), *([self.redis] if self.redis else [])]

    def watched(self) -> dict[str, subprocess.Popen]:
        return {**self.children, **({"redis": self.redis} if self.redis else {})}

    def stop(self, timeout: float) -> None:
        self.stopping = True
        running = [p for p in self.children.values() if p.poll() is None]
        if running:
            self.say(f"stopping {', '.join(p.label for p in running)} (up to {timeout:g}s for running steps)")
        terminate(list(self.children.values()), timeout=timeout)
        # Redis last: the worker needs the broker for its warm shutdown.
        if self.redis is not None:
            if self.redis.poll() is None:
                self.say("stopping embedded redis-server")
            terminate([self.redis], timeout=5)
        for relay in self.relays:
            relay.join(timeout=2)
