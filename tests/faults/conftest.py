"""These tests own their processes (workers, daphne, even Redis): to kill them, or to run them differently."""

import json
import os
import signal
from collections import Counter
from pathlib import Path

import pytest
import redis
from django.conf import settings

from scripts.stack import terminate


@pytest.fixture
def processes():
    """Processes a test starts; whatever is still alive at the end is stopped."""
    started = []
    yield started
    terminate(started, timeout=5)


@pytest.fixture
def clean_broker(django_db_blocker):
    redis.Redis.from_url(settings.REDIS_URL).flushdb()


def kill_hard(process) -> None:
    """SIGKILL the process and its group, as an out-of-memory kill or a lost node would."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


SOAK = os.environ.get("STUDIO_SOAK", "").strip().lower() in {"1", "true", "yes", "on"}
FIGURES_FILE = Path(__file__).resolve().parents[2] / "test-artifacts" / "faults.jsonl"


def scaled(normal: int, soak: int) -> int:
    """A suite's size: the normal one in ``make test``, the soak one with ``STUDIO_SOAK=1`` (``make soak``)."""
    return soak if SOAK else normal


def ledger_figures(run_ids) -> dict:
    """Runs and steps the stored events account for: steps lost (no success) and doubled (more than one)."""
    from campaigns_app.models import RunEvent, StepRun

    successes = Counter(
        RunEvent.objects.filter(run_id__in=run_ids, type="step.state", state="succeeded").values_list(
            "run_id", "step_id"
        )
    )
    counts = [successes[key] for key in StepRun.objects.filter(run_id__in=run_ids).values_list("run_id", "step_id")]
    return {
        "runs": len(set(run_ids)),
        "steps": len(counts),
        "lost": sum(1 for n in counts if n == 0),
        "doubled": sum(1 for n in counts if n > 1),
    }


def assert_every_step_ran_once(runs, steps_each: int) -> dict:
    """Every run succeeded with gap-free events, and each of its steps succeeded exactly once: the ledger's figures."""
    from tests.integration.helpers import assert_gap_free

    assert [r.state for r in runs] == ["succeeded"] * len(runs)
    run_ids = [r.pk for r in runs]
    for run_id in run_ids:
        assert_gap_free(run_id)
    ledger = ledger_figures(run_ids)
    assert ledger["lost"] == ledger["doubled"] == 0
    assert ledger["steps"] == len(runs) * steps_each
    return ledger


@pytest.fixture
def figures(request):
    """Record a suite's figures: printed (``-s`` shows them) and appended to test-artifacts/faults.jsonl."""

    def record(**values) -> None:
        entry = {"test": request.node.name, "soak": SOAK, **values}
        FIGURES_FILE.parent.mkdir(exist_ok=True)
        with FIGURES_FILE.open("a") as out:
            out.write(json.dumps(entry) + "\n")
        print("\nFAULTS " + " ".join(f"{k}={v}" for k, v in entry.items()))

    return record
