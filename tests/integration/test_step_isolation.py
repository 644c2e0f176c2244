"""Through a real worker: a step cannot read the database, the secret key or the worker's environment,
leaves no process behind, and a 100 MB output line does not grow the worker."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from campaigns_app.models import StepRun
from campaigns_app.services import campaign_create, run_launch
from tests.backends.test_sandbox import _isolating
from tests.conftest import client_for
from tests.live import database_url

from .helpers import processes_running, unique_sleep, wait_for_runs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("alice_runs_commands")]


def run_script(owner, script, **extra):
    campaign = campaign_create(
        owner=owner,
        name="probe",
        graph={"steps": [{"id": "probe", "kind": "executable", "argv": ["sh", "-c", script], **extra}], "edges": []},
    )
    [run] = wait_for_runs([run_launch(campaign=campaign, user=owner).pk], timeout=60)
    return run, StepRun.objects.get(run=run, step_id="probe")


def worker_peak_rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))


def test_a_step_cannot_read_the_database_the_secret_key_or_the_workers_environment(alice, celery_worker):
    reason = _isolating()
    if reason and os.environ.get("CI") != "true":
        pytest.skip(f"cannot enforce isolation here: {reason}")
    assert reason is None, reason
    secret = Path(settings.VAR_DIR) / "secret_key"
    paths = [secret, Path(settings.VAR_DIR) / "admin_password", f"/proc/{celery_worker.pid}/environ"]
    if connection.vendor == "sqlite":
        paths.append(Path(settings.DATABASES["default"]["NAME"]))
    script = "; ".join(f"cat {p} && echo GOT-FILE {p}" for p in paths)
    # Under bubblewrap var/ is an empty folder; under a step user it cannot be opened.
    run, probe = run_script(
        alice, f"{script}; ls -A {settings.VAR_DIR} | grep -q . && echo GOT-LISTING; env; echo '\"done\"'"
    )
    assert probe.state == "succeeded" and probe.result == "done", probe.error
    log = client_for(alice).get(f"/api/runs/{run.pk}/steps/probe/log").content.decode()
    assert "GOT-FILE" not in log and "GOT-LISTING" not in log, log
    for value in (
        secret.read_text().strip() if secret.exists() else settings.SECRET_KEY,
        database_url(connection.settings_dict),
        "SQLite format 3",
        "DJANGO_SETTINGS_MODULE",
        "REDIS_URL",
        "DATABASE_URL",
    ):
        assert value not in log
    assert "PATH=/usr/local/bin:/usr/bin:/bin" in log


def test_a_detached_child_does_not_outlive_its_step(alice, celery_worker):
    marker = unique_sleep()
    _, probe = run_script(alice, f"setsid sleep {marker} & sleep 0.5; echo started")
    assert probe.state == "succeeded" and probe.result == "started"
    assert processes_running("sleep", marker) == []


def test_a_100_mb_output_line_fails_the_step_and_the_worker_stays_small(alice, celery_worker):
    before = worker_peak_rss(celery_worker.pid)
    run, probe = run_script(alice, "head -c 100000000 /dev/zero | tr '\\0' x; echo")
    grown = worker_peak_rss(celery_worker.pid) - before
    assert probe.state == "failed"
    assert probe.error == (
        f"result is 100000000 bytes, over the {settings.STUDIO_MAX_RESULT_BYTES}-byte limit (the last stdout line)"
    )
    log = client_for(alice).get(f"/api/runs/{run.pk}/steps/probe/log").content.decode()
    assert "[line cut: longer than 16384 bytes]" in log and len(log) < 30000
    # Before output was streamed, this line grew the worker by about 290 MB.
    assert grown < 64 * 1024 * 1024, f"the worker's peak memory grew by {grown} bytes"
