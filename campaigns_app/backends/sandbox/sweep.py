"""Removing the attempt folders nobody will remove: those of attempts whose worker was killed (SIGKILL, OOM).

A folder is removed only when it is a real directory directly under the root (never a symlink, never followed),
its name is an attempt's, that attempt is not running, and it was last changed before the sweep began listing
(less a grace period), so an attempt that starts while the sweep runs keeps its folder.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import time
from collections.abc import Callable, Iterable
from pathlib import Path

ATTEMPT_FOLDER = re.compile(r"^run-(\d+)\.(.+)\.(\d+)$")
Attempt = tuple[int, str, int]


def attempt_of(name: str) -> Attempt | None:
    match = ATTEMPT_FOLDER.match(name)
    if match is None:
        return None
    return int(match[1]), match[2], int(match[3])


def stale_attempt_folders_remove(
    root: Path, running: Callable[[Iterable[Attempt]], set[Attempt]], *, grace_s: float
) -> list[str]:
    """Remove the folders of attempts ``running`` does not name; returns the names removed."""
    listed_at = time.time()
    candidates: dict[str, Attempt] = {}
    try:
        entries = list(os.scandir(root))
    except FileNotFoundError:
        return []
    for entry in entries:
        attempt = attempt_of(entry.name)
        if attempt is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_mtime < listed_at - grace_s:
            candidates[entry.name] = attempt
    if not candidates:
        return []
    # Asked after listing: an attempt running at any time since is kept.
    live = running(candidates.values())
    removed = []
    for name, attempt in candidates.items():
        if attempt in live:
            continue
        path = root / name
        # lstat again just before: the entry may have been swapped for a symlink meanwhile. rmtree itself
        # refuses a symlink and, on Linux, removes through directory descriptors without following any link.
        try:
            if not stat.S_ISDIR(path.lstat().st_mode):
                continue
            shutil.rmtree(path)
        except OSError:
            continue
        removed.append(name)
    return removed
