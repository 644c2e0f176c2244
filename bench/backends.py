"""100 short steps on each execution backend: overhead per step beyond the step's own work, and start times.

    .venv/bin/python bench/backends.py [--steps 100] [--concurrency 8] [--work 0.05] [--only thread,dask,radical]

Each backend runs in this process exactly as a worker runs it (``backend.run``
from worker threads, ``--concurrency`` at a time), without the database and
broker: the figures are the backends' own cost.  A step's work is a
``--work``-second sleep (the ``sleep`` step function on thread and dask, the
``sleep`` executable on the pilot, where function steps are refused).
Overhead = wall time of one ``run`` minus the work.  The pilot (local.localhost,
``STUDIO_RADICAL_*`` settings) and the Dask LocalCluster start once; their
start times are reported apart.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asyncflow_site.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from campaigns_app.backends import StepInvocation  # noqa: E402


def make(name: str, var_dir: Path):
    if name == "thread":
        from campaigns_app.backends.thread import ThreadBackend

        return ThreadBackend()
    if name == "dask":
        from campaigns_app.backends.dask import DaskBackend

        return DaskBackend({**settings.STUDIO_DASK, "scheduler": ""}, var_dir)
    from campaigns_app.backends.radical import RadicalBackend

    return RadicalBackend(settings.STUDIO_RADICAL, var_dir)


def invocation(name: str, index: int, work: float) -> StepInvocation:
    if name == "radical":
        return StepInvocation(run_id=0, step_id=f"s{index}", attempt=1, kind="executable", argv=["sleep", str(work)])
    return StepInvocation(
        run_id=0, step_id=f"s{index}", attempt=1, kind="function", function="sleep", kwargs={"seconds": work}
    )


def bench(name: str, steps: int, concurrency: int, work: float) -> dict:
    backend = make(name, Path(tempfile.mkdtemp(prefix=f"bench-{name}-")))
    began = time.monotonic()
    start = getattr(backend, "start", None)
    if start:
        start()
    start_s = time.monotonic() - began

    def one(index: int) -> float:
        t0 = time.monotonic()
        outcome = backend.run(invocation(name, index, work))
        if not outcome.ok:
            raise RuntimeError(f"{name} step {index} failed: {outcome.error}")
        return time.monotonic() - t0

    try:
        one(-1)  # warm-up: first task on a fresh pilot or cluster
        t0 = time.monotonic()
        with ThreadPoolExecutor(concurrency) as pool:
            latencies = list(pool.map(one, range(steps)))
        wall = time.monotonic() - t0
    finally:
        shutdown = getattr(backend, "shutdown", None)
        if shutdown:
            shutdown()
    overheads = sorted(latency - work for latency in latencies)
    return {
        "backend": name,
        "start_s": start_s if start else None,
        "wall_s": wall,
        "overhead_mean_ms": statistics.mean(overheads) * 1000,
        "overhead_p50_ms": overheads[len(overheads) // 2] * 1000,
        "overhead_p95_ms": overheads[int(len(overheads) * 0.95) - 1] * 1000,
        # Throughput cost: wall time beyond perfect parallelism of the work, per step.
        "wall_overhead_per_step_ms": (wall - work * steps / concurrency) / steps * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--work", type=float, default=0.05)
    parser.add_argument("--only", default="thread,dask,radical")
    args = parser.parse_args()
    rows = [bench(name, args.steps, args.concurrency, args.work) for name in args.only.split(",")]
    print(f"{args.steps} steps of {args.work * 1000:.0f} ms work, {args.concurrency} at a time\n")
    print(f"{'backend':<9}{'start s':>9}{'wall s':>9}{'mean ms':>10}{'p50 ms':>9}{'p95 ms':>9}{'wall/step ms':>14}")
    for r in rows:
        start = f"{r['start_s']:.1f}" if r["start_s"] is not None else "-"
        print(
            f"{r['backend']:<9}{start:>9}{r['wall_s']:>9.2f}{r['overhead_mean_ms']:>10.1f}"
            f"{r['overhead_p50_ms']:>9.1f}{r['overhead_p95_ms']:>9.1f}{r['wall_overhead_per_step_ms']:>14.1f}"
        )
    print("\nstart s: pilot start (radical) / LocalCluster start (dask); overhead = a step's wall time minus its work")
    return 0


if __name__ == "__main__":
    sys.exit(main())
