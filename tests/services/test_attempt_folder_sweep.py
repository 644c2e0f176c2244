"""A SIGKILLed worker's attempt folders are removed by the next sweep; nothing outside the root is touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from campaigns_app.models import StepRun, StepState
from campaigns_app.services import campaign_create, run_launch
from campaigns_app.services.recovery import attempt_folders_sweep

pytestmark = pytest.mark.django_db(transaction=True)

LONG_AGO = time.time() - 3600


def aged(path: Path) -> Path:
    os.utime(path, (LONG_AGO, LONG_AGO), follow_symlinks=False)
    return path


@pytest.fixture
def root(settings, tmp_path):
    settings.STUDIO_STEP_WORKDIR_ROOT = tmp_path / "steps"
    settings.STUDIO_STEP_KEEP_WORKDIRS = False
    (tmp_path / "steps").mkdir()
    return tmp_path / "steps"


@pytest.fixture
def running_step(alice):
    campaign = campaign_create(
        owner=alice,
        name="sweep",
        graph={"steps": [{"id": "a", "kind": "function", "function": "noop"}], "edges": []},
    )
    run = run_launch(campaign=campaign, user=alice)
    StepRun.objects.filter(run=run, step_id="a").update(state=StepState.RUNNING, attempts=2, worker="alive@host")
    return run


def test_the_folders_of_attempts_no_longer_running_are_removed_and_links_never_followed(root, running_step, tmp_path):
    run_id = running_step.pk
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    # Left by a worker killed during attempt 1 (the step was reclaimed and runs again as attempt 2).
    dead = root / f"run-{run_id}.a.1"
    (dead / "tmp").mkdir(parents=True)
    (dead / "tmp" / "big.bin").write_bytes(b"x" * 1024)
    (dead / "escape").symlink_to(outside)
    aged(dead)
    # Of a run that ended long ago.
    finished = root / "run-999999.b.1"
    finished.mkdir()
    aged(finished)
    alive = root / f"run-{run_id}.a.2"
    alive.mkdir()
    aged(alive)
    # Not an attempt's folder: a link named like one, and a stray file.
    link = root / "run-999998.c.1"
    link.symlink_to(outside)
    aged(link)
    (root / "notes.txt").write_text("not ours")
    # Just made by an attempt that may not be recorded running yet.
    fresh = root / "run-999997.d.1"
    fresh.mkdir()

    assert attempt_folders_sweep() == 2

    assert not dead.exists() and not finished.exists()
    assert alive.is_dir() and fresh.is_dir() and (root / "notes.txt").read_text() == "not ours"
    assert link.is_symlink() and (outside / "precious.txt").read_text() == "keep me"


def test_kept_workdirs_are_never_swept(root, running_step, settings):
    settings.STUDIO_STEP_KEEP_WORKDIRS = True
    stale = root / f"run-{running_step.pk}.a.1"
    stale.mkdir()
    aged(stale)
    assert attempt_folders_sweep() == 0 and stale.is_dir()


def test_a_sigkilled_step_process_leaves_a_folder_that_the_sweep_removes(root, running_step, settings):
    """The real leftover: a process holding its attempt folder dies by SIGKILL before it can remove it."""
    folder = root / f"run-{running_step.pk}.a.1"
    code = (
        "import os, sys, time; from pathlib import Path; "
        f"p = Path({str(folder)!r}); (p / 'tmp').mkdir(parents=True); (p / 'out.txt').write_text('partial'); "
        "print('ready', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"ready"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (folder / "out.txt").exists()
    aged(folder)
    assert attempt_folders_sweep() == 1 and not folder.exists()
