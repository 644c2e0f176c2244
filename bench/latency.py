"""Event → socket latency and the chain's per-hop gap, under 100 campaigns × 4 chained sleep(0.2).

    .venv/bin/python bench/latency.py [--database postgres://...] [--rounds 3]

Starts a private stack (embedded Redis, a fresh database, one worker, daphne)
so it can also report the peak RSS of the web and worker processes; with
``--url`` it uses a running stack and leaves RSS out.

- event → socket: for every event of the runs, the time it reached a
  ``/ws/dashboard/`` client minus its stored time (``at``, taken in the
  transaction that wrote it, so this includes the commit and the broadcast).
- the launch's own events (each run's ``queued`` and its root step's): their
  latency as above, which depends on when the launch stamps them, and the time
  from sending the launch request to the frame, which does not.
- per-hop gap: in each chain, the next step's ``running`` minus the previous
  step's ``succeeded``, from the stored events.
Goals (issue 12): p50 ≤ 10 ms, p99 ≤ 50 ms, per-hop p50 ≤ 5 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path

# Run as a script: the repository comes first on sys.path (for ``bench.*`` and ``campaigns_app``), not this folder.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [str(_BENCH.parent), *[p for p in sys.path if Path(p or ".").resolve() != _BENCH]]

from websockets.sync.client import connect  # noqa: E402 - after the sys.path fix above

from bench.engine_stack import Api, chain_campaign, frame_events, peak_rss_mb, private_stack  # noqa: E402
from bench.stack_common import admin_password, parse_time  # noqa: E402

TERMINAL = ("succeeded", "failed", "cancelled")


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def one_round(api: Api, ws_url: str, campaign_id: int, instances: int) -> dict[str, list[float]]:
    """Latencies in ms: every event, running/succeeded, after the launch's, the launch's (from their stamp and
    from the request), the launch's answer; and the per-hop gaps."""
    latencies, step_ends, hops, later, launch, since_request = [], [], [], [], [], []
    by_run: dict[int, dict[tuple[str, str], float]] = {}
    with connect(
        f"{ws_url}/ws/dashboard/?batch=1&token={api.token}", open_timeout=10, max_size=None, origin=api.base
    ) as dashboard:
        sent = time.time()
        answer = api.call(
            "POST", f"/api/campaigns/{campaign_id}/runs/", {"instances": [{"parameters": {}} for _ in range(instances)]}
        )
        answered = (time.time() - sent) * 1000
        waiting = {r["id"] for r in answer["runs"]}
        deadline = time.monotonic() + 120
        while waiting and time.monotonic() < deadline:
            try:
                frame = dashboard.recv(timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            received = time.time()
            for event in frame_events(frame):
                at = parse_time(event["at"])
                delay = (received - at) * 1000
                latencies.append(delay)
                # The launch's own events: the run and its root queued, stamped in the launch's transaction.
                if event["seq"] > 2:
                    later.append(delay)
                else:
                    launch.append(delay)
                    since_request.append((received - sent) * 1000)
                if event["type"] == "step.state":
                    by_run.setdefault(event["run"], {})[(event["step"], event["state"])] = at
                    if event["state"] in ("running", "succeeded"):
                        step_ends.append(delay)
                if event["type"] == "run.state" and event["state"] in TERMINAL:
                    waiting.discard(event["run"])
    if waiting:
        raise SystemExit(f"{len(waiting)} run(s) did not end within 120 s")
    for times in by_run.values():
        for k in range(1, 4):
            done, started = times.get((f"s{k}", "succeeded")), times.get((f"s{k + 1}", "running"))
            if done is not None and started is not None:
                hops.append((started - done) * 1000)
    return {
        "every": latencies,
        "step_ends": step_ends,
        "hops": hops,
        "later": later,
        "launch": launch,
        "since_request": since_request,
        "answer": [answered],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None, help="a running stack instead of a private one")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default=None)
    parser.add_argument("--database", default=None, help="private stack: a database URL (default: SQLite)")
    parser.add_argument("--instances", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    one, five, _ = os.getloadavg()
    print(
        f"# bench/latency.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} cores, "
        f"{'PostgreSQL' if (args.database or '').startswith('postgres') else 'SQLite'}"
    )
    with nullcontext() if args.url else private_stack(args.database) as stack:
        if stack is not None:
            base, username, password = stack.url, stack.username, stack.password
        else:
            base, username = args.url.rstrip("/"), args.username
            password = admin_password(args.password)
        api = Api(base, username, password)
        ws_url = base.replace("http", "ws", 1)
        campaign = chain_campaign(api, f"latency {int(time.time())}", function="sleep", kwargs={"seconds": 0.2})
        one_round(api, ws_url, campaign, 5)  # warm-up, not counted
        figures: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for name, values in one_round(api, ws_url, campaign, args.instances).items():
                figures.setdefault(name, []).extend(values)
        rss = (
            (peak_rss_mb(stack.web_pid), max(peak_rss_mb(p) or 0 for p in stack.worker_pids))
            if stack is not None
            else (None, None)
        )

    def line(label, values, goal_p50=None, goal_p99=None):
        p50, p99 = statistics.median(values), quantile(values, 0.99)
        verdict = ""
        if goal_p50 is not None:
            verdict = f"  goal p50 ≤ {goal_p50} ms: {'met' if p50 <= goal_p50 else 'NOT met'}"
        if goal_p99 is not None:
            verdict += f", p99 ≤ {goal_p99} ms: {'met' if p99 <= goal_p99 else 'NOT met'}"
        print(
            f"{label:<44} n={len(values):<6} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  max {max(values):7.1f} ms{verdict}"
        )

    print(f"{args.rounds} round(s) of {args.instances} campaigns × 4 chained sleep(0.2), one batch launch each")
    line("event → dashboard socket, every event", figures["every"], 10, 50)
    line("event → dashboard socket, after the launch's", figures["later"])
    line("event → dashboard socket, running/succeeded", figures["step_ends"])
    line("event → dashboard socket, the launch's", figures["launch"])
    line("launch request sent → its events' frame", figures["since_request"])
    line("launch request sent → its answer", figures["answer"])
    line("per-hop gap in a chain (stored events)", figures["hops"], 5)
    if rss[0] is not None:
        print(f"peak RSS: web {rss[0]:.0f} MB, worker {rss[1]:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
