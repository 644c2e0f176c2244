"""The supervisor of one executable step attempt: a small process between the worker and the step.

Run by the worker as ``python -I -S supervise.py`` (standard library only, no
package imports, so it starts in milliseconds).  Protocol:

- stdin: the first line is the spec (JSON); afterwards ``stop`` asks for a
  graceful stop (SIGTERM to every process of the step, SIGKILL after the
  grace period).  End of file means the worker is gone: everything is killed
  at once.
- the descriptor named ``status_fd`` in the spec: one JSON line when the step is over: ``{"exit": n}``,
  ``{"signal": n}`` or ``{"error": kind, "detail": text}``, with ``cpu_s`` used.
- stdout/stderr are handed to the step untouched.

It marks itself a child subreaper (``PR_SET_CHILD_SUBREAPER``), so a process
the step detaches (``setsid``, a double fork) is re-parented here instead of
to init, and everything still alive under it when the step's first process
ends is killed.  The step cannot stop this unless it runs as the same user.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import resource
import select
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
LIMITS = {
    "cpu": resource.RLIMIT_CPU,
    "as": resource.RLIMIT_AS,
    "nofile": resource.RLIMIT_NOFILE,
    "nproc": resource.RLIMIT_NPROC,
    "core": resource.RLIMIT_CORE,
}


def _set_subreaper() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def _resolve(program: str, path: str, cwd: str) -> str | None:
    """Where ``program`` is, looked up like execvp does but with the step's own PATH."""
    if "/" in program:
        candidate = os.path.join(cwd, program)
        return candidate if os.path.isfile(candidate) else None
    for folder in path.split(":"):
        candidate = os.path.join(folder or ".", program)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _child(spec: dict, error_w: int) -> None:
    """In the forked child: limits, identity, directory, then exec the step (never returns)."""
    argv, env = spec["argv"], spec["env"]
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.close(spec["status_fd"])  # the step must not be able to write the supervisor's verdict
        for name, value in (spec.get("limits") or {}).items():
            if value is None:
                continue
            hard = value + int(spec.get("grace_s", 5)) + 1 if name == "cpu" else value
            resource.setrlimit(LIMITS[name], (value, hard))
        if spec.get("uid") is not None:
            # The output pipes are the worker's: without this the step could not reopen /dev/stdout.
            for fd in (1, 2):
                try:
                    os.fchown(fd, spec["uid"], spec["gid"])
                except OSError:
                    pass
        if spec.get("gid") is not None:
            os.setgroups(spec.get("groups") or [spec["gid"]])
            os.setgid(spec["gid"])
        if spec.get("uid") is not None:
            os.setuid(spec["uid"])
        os.umask(0o077)
        os.chdir(spec["cwd"])
        program = _resolve(argv[0], env.get("PATH", ""), spec["cwd"])
        if program is None:
            os.write(error_w, json.dumps({"error": "not_found", "detail": argv[0]}).encode())
            os._exit(127)
        wrap = spec.get("wrap") or []
        if wrap:
            os.execve(wrap[0], [*wrap, "--", program, *argv[1:]], env)
        os.execve(program, [argv[0], *argv[1:]], env)
    except OSError as exc:
        os.write(error_w, json.dumps({"error": "exec", "detail": f"{argv[0]}: {exc.strerror or exc}"}).encode())
    except BaseException as exc:  # noqa: BLE001 - whatever happens here must reach the worker
        os.write(error_w, json.dumps({"error": "exec", "detail": f"{type(exc).__name__}: {exc}"}).encode())
    os._exit(126)


def _descendants() -> list[int]:
    """Every live process below this one (a walk of /proc by parent pid)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != b"Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [os.getpid()]
    while todo:
        for pid in children.get(todo.pop(), ()):
            found.append(pid)
            todo.append(pid)
    return found


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _has_children() -> bool:
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True


def _signal_all(sig: int, leader: int | None) -> None:
    if leader is not None:
        try:
            os.killpg(leader, sig)
        except (ProcessLookupError, PermissionError):
            pass
    for pid in _descendants():
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _kill_everything(leader: int | None) -> None:
    """SIGKILL every process below this one until none is left (new ones may be forked meanwhile)."""
    _reap()
    rounds = 0
    # A process stuck in the kernel (uninterruptible sleep) cannot die yet; give up after about ten seconds.
    while _has_children() and rounds < 500:
        _signal_all(signal.SIGKILL, leader)
        time.sleep(0.002 if rounds < 10 else 0.02)
        _reap()
        rounds += 1
        leader = None


def main() -> int:
    spec = json.loads(sys.stdin.buffer.readline())
    control = sys.stdin.fileno()
    _set_subreaper()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: None)  # stops come through the control pipe, or the step is killed
    error_r, error_w = os.pipe2(os.O_CLOEXEC)
    leader = os.fork()
    if leader == 0:
        os.close(error_r)
        _child(spec, error_w)
    os.close(error_w)
    with os.fdopen(error_r, "rb") as errors_in:
        failed = errors_in.read()
    verdict: dict
    if failed:
        os.waitpid(leader, 0)
        verdict = json.loads(failed)
        leader_status = None
    else:
        verdict, leader_status = {}, None
    stop_at: float | None = None
    grace = float(spec.get("grace_s", 5))
    while not failed and leader_status is None:
        timeout = None if stop_at is None else max(0.0, stop_at - time.monotonic())
        try:
            ready, _, _ = select.select([control, wake_r], [], [], timeout)
        except InterruptedError:
            ready = []
        if wake_r in ready:
            while True:
                try:
                    if not os.read(wake_r, 512):
                        break
                except BlockingIOError:
                    break
        if control in ready:
            line = os.read(control, 64)
            if not line:
                verdict["stopped"] = "worker gone"
                break
            if b"stop" in line and stop_at is None:
                verdict["stopped"] = "stop"
                _signal_all(signal.SIGTERM, leader)
                stop_at = time.monotonic() + grace
        if stop_at is not None and time.monotonic() >= stop_at:
            break
        try:
            pid, status, usage = os.wait4(leader, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == leader:
            leader_status = (status, usage)
        _reap_others(leader)
    _kill_everything(leader if leader_status is None else None)
    if leader_status is None and not failed:
        try:
            _, status, usage = os.wait4(leader, 0)
            leader_status = (status, usage)
        except ChildProcessError:
            pass
    if leader_status is not None:
        status, usage = leader_status
        verdict["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 3)
        if os.WIFSIGNALED(status):
            verdict["signal"] = os.WTERMSIG(status)
        elif spec.get("wrap") and os.WEXITSTATUS(status) > 128:
            verdict["signal"] = os.WEXITSTATUS(status) - 128  # bubblewrap reports its child's signal so
        else:
            verdict["exit"] = os.WEXITSTATUS(status)
    try:
        os.write(spec["status_fd"], (json.dumps(verdict) + "\n").encode())
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
    return 0


def _reap_others(leader: int) -> None:
    """Reap adopted orphans that ended, leaving the leader for ``wait4``."""
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None or info.si_pid == leader:
            return
        os.waitpid(info.si_pid, 0)


if __name__ == "__main__":
    sys.exit(main())
