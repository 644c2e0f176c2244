"""``scripts/run_stack.py`` (what ``make run`` executes) as a child of a test, driven over HTTP like a user."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from scripts.stack import free_port
from tests.live import FAST_RECOVERY, REPO

ADMIN_PASSWORD = "stack-admin-password-1"
START_TIMEOUT_S = 180
RUN_TERMINAL = {"succeeded", "failed", "cancelled"}


class StackProcess:
    """The stack script on a private SQLite database and embedded Redis, with its console collected."""

    def __init__(self, var_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        child = {
            k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL"}
        }
        child.update(FAST_RECOVERY)
        child.update(
            PORT=str(self.port),
            STUDIO_VAR_DIR=str(var_dir),
            STUDIO_ADMIN_PASSWORD=ADMIN_PASSWORD,
            # Nothing answers on port 1, so the script starts (and supervises) its embedded Redis.
            REDIS_URL="redis://127.0.0.1:1/0",
            STUDIO_WORKER_CONCURRENCY="4",
            STUDIO_STOP_TIMEOUT="5",
            STUDIO_RESTART_BACKOFF_S="0.5",
            NO_COLOR="1",
            **env,
        )
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.process = subprocess.Popen(
            [sys.executable, "scripts/run_stack.py"],
            cwd=REPO,
            env=child,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.token = ""

    def _read(self) -> None:
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()

    def wait_line(self, pattern: str, *, after: int = 0, timeout: float = 60) -> re.Match:
        """The first console line from index ``after`` on that matches pattern."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for line in self.lines[after:]:
                    if match := regex.search(line):
                        return match
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    tail = "\n".join(self.lines[-40:])
                    raise AssertionError(f"no console line matching {pattern!r}; the console ended with:\n{tail}")
                self.changed.wait(min(left, 0.5))

    def mark(self) -> int:
        with self.changed:
            return len(self.lines)

    def pid_of(self, label: str, *, after: int = 0) -> int:
        return int(self.wait_line(rf"==> started {label} \(pid (\d+)\)", after=after).group(1))

    def start(self) -> StackProcess:
        self.wait_line(r"AsyncFlow Studio is running at", timeout=START_TIMEOUT_S)
        self.wait_line(r"celery@\S+ ready\.", timeout=START_TIMEOUT_S)
        self.token = self.request("POST", "/api/auth/token/", {"username": "admin", "password": ADMIN_PASSWORD})[1][
            "token"
        ]
        return self

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 30) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(
            f"{self.base}{path}",
            method=method,
            headers=headers,
            data=json.dumps(body).encode() if body is not None else None,
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def seed_campaign_id(self) -> int:
        _, page = self.request("GET", "/api/campaigns/")
        listed = page["results"] if isinstance(page, dict) else page
        return next(c["id"] for c in listed if c["name"] == "Seed campaign")

    def launch(self, campaign_id: int, name: str) -> int:
        status, run = self.request("POST", f"/api/campaigns/{campaign_id}/runs/", {"parameters": {"name": name}})
        assert status == 201, run
        return run["id"]

    def wait_run(self, run_id: int, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            status, run = self.request("GET", f"/api/runs/{run_id}/")
            if status == 200 and run["state"] in RUN_TERMINAL:
                return run
            assert time.monotonic() < deadline, f"run {run_id} still {run.get('state')} after {timeout} s"
            time.sleep(0.2)

    def interrupt(self, timeout: float = 60) -> int:
        """Ctrl-C as a terminal sends it, and the script's exit code."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """Leave nothing running: stop the script as Ctrl-C would, then SIGKILL whatever it started."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        # Its children lead sessions of their own, so a dead script would leave them behind.
        for pid in {int(m) for m in re.findall(r"==> started \S+ \(pid (\d+)\)", "\n".join(self.lines))}:
            if alive(pid):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too: it only waits for its parent to read its exit code.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False
