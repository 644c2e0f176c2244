"""Who an executable step runs as and inside what: read from settings, no Django import.

``scripts/run_stack.py`` reads the same rules to warn before the stack starts.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
SANDBOX_MODES = ("auto", "bwrap", "none")
DEFAULT_ROOT_STEP_USER = "nobody"
# Names that would mean "the worker's own user": no uid change.
SAME_AS_WORKER = {"", "-"}


class SandboxUnavailable(RuntimeError):
    """The configured isolation cannot be applied on this machine; the step is refused, never run bare."""


@dataclass(frozen=True)
class StepIdentity:
    uid: int | None  # None: keep the worker's
    gid: int | None
    groups: tuple[int, ...]
    name: str


@dataclass(frozen=True)
class StepLimits:
    cpu_s: int
    memory_mb: int
    open_files: int
    processes: int


@dataclass(frozen=True)
class SandboxConfig:
    workdir_root: Path
    step_user: str | None  # None: unset (root workers drop to nobody)
    sandbox: str  # auto | bwrap | none
    allow_unsafe_env: bool
    limits: StepLimits
    kill_grace_s: float
    keep_workdirs: bool
    hidden: tuple[Path, ...]  # folders a bwrap sandbox covers with an empty tmpfs

    @classmethod
    def from_settings(cls, settings) -> SandboxConfig:
        hidden = [Path(settings.VAR_DIR)]
        database = settings.DATABASES["default"]
        if database["ENGINE"].endswith("sqlite3") and str(database.get("NAME", "")).startswith("/"):
            hidden.append(Path(database["NAME"]).parent)
        return cls(
            workdir_root=Path(settings.STUDIO_STEP_WORKDIR_ROOT),
            step_user=settings.STUDIO_STEP_USER,
            sandbox=settings.STUDIO_STEP_SANDBOX,
            allow_unsafe_env=settings.STUDIO_STEP_ENV_ALLOW_UNSAFE,
            limits=StepLimits(
                cpu_s=settings.STUDIO_STEP_CPU_S,
                memory_mb=settings.STUDIO_STEP_MEMORY_MB,
                open_files=settings.STUDIO_STEP_OPEN_FILES,
                processes=settings.STUDIO_STEP_PROCESSES,
            ),
            kill_grace_s=float(settings.STUDIO_KILL_GRACE_S),
            keep_workdirs=settings.STUDIO_STEP_KEEP_WORKDIRS,
            hidden=tuple(dict.fromkeys(_outermost_closed(p.resolve()) for p in hidden)),
        )


def _outermost_closed(folder: Path) -> Path:
    """The folder to cover: its highest ancestor that others may not enter, else the folder itself.

    bwrap runs as the step's user and must reach a mount point to cover it; under a closed ancestor
    (var/ is 0700, var/test is the tests' VAR_DIR) it cannot, so the closed ancestor is covered instead.
    """
    chosen = folder
    for ancestor in folder.parents:
        try:
            if not ancestor.stat().st_mode & 0o001:
                chosen = ancestor
        except OSError:
            break
    return chosen


def step_identity(step_user: str | None, *, euid: int | None = None) -> StepIdentity:
    """The uid a step runs as: ``STUDIO_STEP_USER``, else ``nobody`` under a root worker, else the worker's."""
    euid = os.geteuid() if euid is None else euid
    wanted = step_user if step_user is not None else (DEFAULT_ROOT_STEP_USER if euid == 0 else "")
    if wanted.strip() in SAME_AS_WORKER:
        return StepIdentity(uid=None, gid=None, groups=(), name=pwd.getpwuid(euid).pw_name if _known(euid) else "")
    try:
        entry = pwd.getpwuid(int(wanted)) if wanted.isdigit() else pwd.getpwnam(wanted)
    except (KeyError, ValueError):
        raise SandboxUnavailable(f"STUDIO_STEP_USER={wanted!r} is not a user on this machine") from None
    if entry.pw_uid == euid:
        return StepIdentity(uid=None, gid=None, groups=(), name=entry.pw_name)
    if euid != 0:
        raise SandboxUnavailable(f"STUDIO_STEP_USER={wanted!r} needs the worker to run as root (it runs as uid {euid})")
    return StepIdentity(uid=entry.pw_uid, gid=entry.pw_gid, groups=(entry.pw_gid,), name=entry.pw_name)


def _known(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


_bwrap_checked: dict[tuple, str | None] = {}
_bwrap_lock = threading.Lock()


def bwrap_path(mode: str, identity: StepIdentity) -> str | None:
    """The bubblewrap binary to wrap steps in, or None; SandboxUnavailable when ``bwrap`` is required but fails.

    The probe runs once per process and identity: a real ``bwrap ... true``
    as the step's user, since an installed bwrap may still be refused its
    namespaces (containers without user namespaces).
    """
    if mode not in SANDBOX_MODES:
        raise SandboxUnavailable(f"STUDIO_STEP_SANDBOX={mode!r} is not one of {', '.join(SANDBOX_MODES)}")
    if mode == "none":
        return None
    key = (mode, identity.uid)
    with _bwrap_lock:
        if key not in _bwrap_checked:
            _bwrap_checked[key] = _probe_bwrap(identity)
        problem_or_path = _bwrap_checked[key]
    if problem_or_path and problem_or_path.startswith("/"):
        return problem_or_path
    if mode == "bwrap":
        raise SandboxUnavailable(f"STUDIO_STEP_SANDBOX=bwrap but bubblewrap cannot run here: {problem_or_path}")
    return None


def _probe_bwrap(identity: StepIdentity) -> str:
    path = shutil.which("bwrap", path=SAFE_PATH)
    if path is None:
        return "bwrap is not installed (Debian package bubblewrap)"

    try:
        # user/group/extra_groups None keep the worker's (the identity's uid None means the same).
        done = subprocess.run(
            [path, *bwrap_arguments(hidden=(), workdir=Path("/"), cwd=Path("/")), "--", "/bin/true"],
            capture_output=True,
            timeout=10,
            check=False,
            env={"PATH": SAFE_PATH},
            cwd="/",
            user=identity.uid,
            group=identity.gid,
            extra_groups=None if identity.uid is None else list(identity.groups),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{type(exc).__name__}: {exc}"
    if done.returncode != 0:
        return done.stderr.decode(errors="replace").strip() or f"exit code {done.returncode}"
    return path


def bwrap_arguments(*, hidden: tuple[Path, ...], workdir: Path, cwd: Path) -> list[str]:
    """The host read-only, its own /proc, /dev and /tmp, the hidden folders empty, the attempt's folder writable."""
    args = [
        "--die-with-parent",
        "--unshare-all",
        "--share-net",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
    ]
    for folder in hidden:
        args += ["--tmpfs", str(folder)]
    if workdir != Path("/"):
        args += ["--bind", str(workdir), str(workdir)]
    return [*args, "--chdir", str(cwd)]


def isolation_warning(environ: Mapping[str, str] | None = None, *, euid: int | None = None) -> str | None:
    """What ``make run`` says when steps would run without isolation, from the environment alone."""
    environ = os.environ if environ is None else environ
    euid = os.geteuid() if euid is None else euid
    mode = environ.get("STUDIO_STEP_SANDBOX", "auto").strip().lower() or "auto"
    step_user = environ.get("STUDIO_STEP_USER")
    try:
        identity = step_identity(step_user, euid=euid)
        wrapped = bwrap_path(mode, identity) is not None
    except SandboxUnavailable as exc:
        return f"executable steps will be refused: {exc}"
    if wrapped:
        return None
    if euid == 0 and identity.uid is None:
        return (
            "workers run as root with no sandbox and no step user: executable steps run as root "
            "and can read everything on this machine. Unset STUDIO_STEP_USER (steps then run as nobody) "
            "or install bubblewrap"
        )
    if identity.uid is None:
        return (
            "no sandbox (bubblewrap) is usable and the worker is not root: executable steps run as the "
            "worker's own user and can read var/ (database, secret key). Install bubblewrap, or run the "
            "worker as root with STUDIO_STEP_USER"
        )
    return None
