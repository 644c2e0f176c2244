"""Engine throughput: studio against radical-asyncflow 0.6.0, in the same run.

Against a running stack (``make run``)::

    .venv/bin/python bench/throughput.py [--url http://127.0.0.1:8000] [--sizes 100,1000,10000]

or on a private stack it starts and stops itself (embedded Redis, a fresh database, N workers)::

    .venv/bin/python bench/throughput.py --private [--database postgres://postgres@127.0.0.1:5432/bench]
        [--workers 2] [--concurrency 32]

Workloads: N campaigns × 4 chained no-op steps (N = 100, 1000, 10000), each
launched as one batch request, and 1 campaign × 1000 independent no-op steps.
The studio figure is from the first launch request to the last run's final
event on a ``/ws/dashboard/`` socket.  AsyncFlow runs the same shapes with
``WorkflowEngine`` on ``LocalExecutionBackend`` in a child process (so a
baseline that does not finish is cut at ``--asyncflow-timeout``).

Checks, for every workload: every run succeeded, every step's ``succeeded``
event reached the dashboard socket, and every run's events arrived with seq
1..last, gap-free.  A failed check exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

# Run as a script: the repository comes first on sys.path (for ``bench.*`` and ``campaigns_app``), not this folder.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [str(_BENCH.parent), *[p for p in sys.path if Path(p or ".").resolve() != _BENCH]]

from websockets.sync.client import connect  # noqa: E402 - after the sys.path fix above

from bench.engine_stack import (  # noqa: E402
    REPO,
    Api,
    chain_campaign,
    frame_events,
    independent_campaign,
    private_stack,
)
from bench.stack_common import admin_password  # noqa: E402

TERMINAL = ("succeeded", "failed", "cancelled")


@dataclass
class Watch:
    """What one workload's runs showed on the dashboard socket."""

    expected_steps: int
    seqs: dict[int, list[int]] = field(default_factory=dict)
    succeeded_steps: dict[int, set[str]] = field(default_factory=dict)
    final: dict[int, str] = field(default_factory=dict)
    last_event_at: float = 0.0

    def take(self, event: dict) -> None:
        run = event["run"]
        self.seqs.setdefault(run, []).append(event["seq"])
        if event["type"] == "step.state" and event["state"] == "succeeded":
            self.succeeded_steps.setdefault(run, set()).add(event["step"])
        if event["type"] == "run.state" and event["state"] in TERMINAL:
            self.final[run] = event["state"]
            self.last_event_at = time.time()

    def problems(self, run_ids: list[int]) -> list[str]:
        found = []
        not_ok = [r for r in run_ids if self.final.get(r) != "succeeded"]
        if not_ok:
            found.append(f"{len(not_ok)} run(s) did not succeed, e.g. {[(r, self.final.get(r)) for r in not_ok[:5]]}")
        short = [r for r in run_ids if len(self.succeeded_steps.get(r, ())) != self.expected_steps]
        if short:
            found.append(
                f"{len(short)} run(s) lack succeeded events on the socket, e.g. "
                f"{[(r, len(self.succeeded_steps.get(r, ()))) for r in short[:5]]}"
            )
        gaps = [
            r
            for r in run_ids
            if sorted(self.seqs.get(r, [])) != list(range(1, len(self.seqs.get(r, [])) + 1))
            or len(set(self.seqs.get(r, []))) != len(self.seqs.get(r, []))
        ]
        if gaps:
            found.append(f"{len(gaps)} run(s) with a seq gap or repeat on the socket, e.g. {gaps[:5]}")
        return found


def studio_workload(
    api: Api, ws_url: str, campaign_id: int, instances: int, steps_per_run: int, timeout: float
) -> dict:
    with connect(
        f"{ws_url}/ws/dashboard/?batch=1&token={api.token}", open_timeout=10, max_size=None, origin=api.base
    ) as dashboard:
        watch = Watch(expected_steps=steps_per_run)
        started = time.time()
        answer = api.call(
            "POST", f"/api/campaigns/{campaign_id}/runs/", {"instances": [{"parameters": {}} for _ in range(instances)]}
        )
        launch_s = time.time() - started
        run_ids = [r["id"] for r in answer["runs"]]
        waiting = set(run_ids)
        deadline = time.monotonic() + timeout
        while waiting - set(watch.final) and time.monotonic() < deadline:
            try:
                frame = dashboard.recv(timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            for event in frame_events(frame):
                watch.take(event)
        elapsed = (watch.last_event_at or time.time()) - started
    total = instances * steps_per_run
    return {
        "seconds": elapsed,
        "steps_per_s": total / elapsed,
        "launch_s": launch_s,
        "problems": watch.problems(run_ids),
    }


async def _asyncflow(instances: int, steps_per_run: int, chained: bool) -> float:
    from radical.asyncflow import LocalExecutionBackend, WorkflowEngine

    flow = await WorkflowEngine.create(backend=LocalExecutionBackend())

    @flow.function_task
    async def noop(previous=None):
        return None

    async def campaign():
        result = None
        for _ in range(steps_per_run):
            result = await noop(result)
        return result

    started = time.time()
    if chained:
        await asyncio.gather(*(campaign() for _ in range(instances)))
    else:
        await asyncio.gather(*(noop() for _ in range(steps_per_run)))
    elapsed = time.time() - started
    await flow.shutdown()
    return elapsed


def asyncflow_workload(instances: int, steps_per_run: int, chained: bool, timeout: float) -> dict:
    """The baseline in a child process, cut at ``timeout``."""
    command = [sys.executable, __file__, "--asyncflow-child", json.dumps([instances, steps_per_run, chained])]
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "steps_per_s": None, "note": f"did not finish in {timeout:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"seconds": None, "steps_per_s": None, "note": f"failed: {done.stderr[-300:]}"}
    seconds = json.loads(lines[-1])["seconds"]
    return {"seconds": seconds, "steps_per_s": instances * steps_per_run / seconds, "note": ""}


def row(label: str, studio: dict, flow: dict) -> str:
    ratio = f"{studio['steps_per_s'] / flow['steps_per_s']:.2f}" if flow["steps_per_s"] else "—"
    flow_text = f"{flow['seconds']:.2f} s ({flow['steps_per_s']:.0f} steps/s)" if flow["seconds"] else flow["note"]
    checks = "ok" if not studio["problems"] else "FAILED: " + "; ".join(studio["problems"])
    return (
        f"| {label} | {studio['seconds']:.2f} s ({studio['steps_per_s']:.0f} steps/s) | "
        f"{studio['launch_s']:.2f} s | {flow_text} | {ratio} | {checks} |"
    )


# The stack's processes (with ``--private``), whose CPU time each workload reports.
STACK_PIDS: dict[str, list[int]] = {}
# With a private PostgreSQL database: its server processes serving this stack are counted too.
STACK_DATABASE: dict[str, str] = {}


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds the process has used so far (from /proc; None for one that is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_backend_pids() -> list[int]:
    """The PostgreSQL server processes connected to the private database now (other databases' are not ours)."""
    url = STACK_DATABASE.get("url")
    if not url:
        return []
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows]


def cpu_snapshot() -> dict[str, dict[int, float]]:
    groups = {**STACK_PIDS, "bench client": [os.getpid()]}
    if STACK_DATABASE:
        groups["postgres"] = database_backend_pids()
    return {
        name: {pid: used for pid in pids if (used := cpu_seconds(pid)) is not None} for name, pids in groups.items()
    }


def cpu_note(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], steps: int) -> str:
    """Where the workload's CPU went: seconds per process and milliseconds per step.

    A PostgreSQL backend that started during the workload counts whole; one that ended during it is missed.
    """
    spent = {
        name: sum(used - before.get(name, {}).get(pid, 0.0) for pid, used in after[name].items()) for name in after
    }
    parts = [f"{name} {seconds:.2f} s" for name, seconds in spent.items()]
    return f"#   CPU: {', '.join(parts)}; {1000 * sum(spent.values()) / steps:.2f} ms per step in all"


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} (1 / 5 min) on {os.cpu_count()} cores"


def run_all(
    base: str,
    username: str,
    password: str,
    sizes: list[int],
    independent: int,
    asyncflow_timeout: float,
    skip_asyncflow: bool,
    label: str,
    long_chains: list[int] = (),
) -> tuple[list[str], bool]:
    api = Api(base, username, password)
    ws_url = base.replace("http", "ws", 1)
    stamp = int(time.time())
    chain = chain_campaign(api, f"bench chain {stamp}")
    flat = independent_campaign(api, f"bench independent {stamp}", independent) if independent else None
    # One small launch first: the first launch after start-up pays one-time costs no later one does.
    studio_workload(api, ws_url, chain, 5, 4, 120)
    lines, ok = [], True
    workloads = [(f"{n} × 4 chained", chain, n, 4, True) for n in sizes]
    if flat:
        workloads.append((f"1 × {independent} independent", flat, 1, independent, False))
    for length in long_chains:
        long_chain = chain_campaign(api, f"bench long chain {length} {stamp}", steps=length)
        workloads.append((f"1 × {length} chained", long_chain, 1, length, True))
    for name, campaign, instances, steps, chained in workloads:
        cpu_before = cpu_snapshot()
        studio = studio_workload(api, ws_url, campaign, instances, steps, timeout=max(120, instances * 0.1))
        cpu = cpu_note(cpu_before, cpu_snapshot(), instances * steps)
        flow = (
            {"seconds": None, "steps_per_s": None, "note": "skipped"}
            if skip_asyncflow
            else asyncflow_workload(instances, steps, chained, asyncflow_timeout)
        )
        line = row(f"{name}, {label}", studio, flow)
        print(line, flush=True)
        print(cpu, flush=True)
        lines.append(line)
        ok = ok and not studio["problems"]
    return lines, ok


HEADER = (
    "| workload | studio | launch request | AsyncFlow 0.6.0 | ratio (studio / AsyncFlow steps/s) | checks |\n"
    "|---|---|---|---|---|---|"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default=None, help="default: $STUDIO_ADMIN_PASSWORD, else var/admin_password")
    parser.add_argument("--private", action="store_true", help="start a private stack instead of using --url")
    parser.add_argument("--database", default=None, help="with --private: a database URL (default: SQLite)")
    parser.add_argument("--workers", type=int, default=1, help="with --private: worker processes")
    parser.add_argument("--concurrency", type=int, default=32, help="with --private: threads per worker")
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--independent", type=int, default=1000, help="steps of the independent workload (0: none)")
    parser.add_argument(
        "--long-chains",
        default="",
        help="also 1 run of one long chain of each of these lengths (e.g. 500,5000): the "
        "steps/s must not fall as the run grows",
    )
    parser.add_argument("--asyncflow-timeout", type=float, default=250.0)
    parser.add_argument("--skip-asyncflow", action="store_true")
    parser.add_argument("--asyncflow-child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.asyncflow_child:
        instances, steps, chained = json.loads(args.asyncflow_child)
        print(json.dumps({"seconds": asyncio.run(_asyncflow(instances, steps, chained))}))
        return 0

    sizes = [int(s) for s in args.sizes.split(",") if s]
    database = (
        "PostgreSQL" if (args.database or os.environ.get("DATABASE_URL", "")).startswith("postgres") else "SQLite"
    )
    print(f"# bench/throughput.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {load_note()}")
    with (
        private_stack(args.database, workers=args.workers, concurrency=args.concurrency)
        if args.private
        else nullcontext()
    ) as stack:
        if stack is not None:
            base, username, password = stack.url, stack.username, stack.password
            STACK_PIDS.update(
                web=[stack.web_pid] if stack.web_pid else [],
                workers=stack.worker_pids,
                redis=[stack.redis_pid] if stack.redis_pid else [],
            )
            if database == "PostgreSQL" and args.database:
                STACK_DATABASE["url"] = args.database
        else:
            base, username = args.url.rstrip("/"), args.username
            password = admin_password(args.password)
        label = f"{database}, {args.workers} worker(s) × {args.concurrency}" if stack else database
        print(HEADER)
        _, ok = run_all(
            base,
            username,
            password,
            sizes,
            args.independent,
            args.asyncflow_timeout,
            args.skip_asyncflow,
            label,
            [int(n) for n in args.long_chains.split(",") if n],
        )
    print(f"# done, {load_note()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
