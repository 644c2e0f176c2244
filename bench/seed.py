"""The seed scenario through a running stack, against radical-asyncflow 0.6.0 in the same process.

Start the stack first (``make run``), then::

    .venv/bin/python -m bench.seed [--url http://127.0.0.1:8000] [--rounds 3]

(as a module: run as ``bench/seed.py``, the folder's own ``websockets.py`` would hide the library)

Studio: three runs of the demo "Seed campaign" (four chained 0.5 s sleeps)
launched over the REST API, as one batch and as three requests back to back,
watched live the way the dashboard watches them (``ws/dashboard/``: the
product pushes every event; nothing polls).  The figure is the time from the
first launch request to the last step's stored ``finished_at``.
AsyncFlow: the same three campaigns of four dependent 0.5 s steps with
``WorkflowEngine`` on ``LocalExecutionBackend``, each step receiving the
previous step's result.  Goal: Studio ≤ 2.05 s (2.00 s is the floor).

One round of each kind runs first and is reported apart: the first launch
after a server starts pays one-time costs (connections, caches) that no later
launch does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

from websockets.sync.client import connect

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import stack_common  # noqa: E402

STEP_SECONDS = 0.5


class Api:
    """One kept-alive connection, so that no measured launch pays a TCP set-up (stack_common.Api opens one a call)."""

    def __init__(self, base: str, token: str):
        parts = urlsplit(base)
        self.conn = HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body=None):
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status >= 400:
            raise SystemExit(f"{method} {path} -> {response.status}: {data[:500]!r}")
        return json.loads(data) if data else None


TERMINAL = ("succeeded", "failed", "cancelled")


def studio_round(api: Api, dashboard, campaign_id: int, *, batch: bool) -> float:
    started = time.time()
    if batch:
        instances = [{"parameters": {"name": f"Campaign {n}"}} for n in "ABC"]
        answer = api.call("POST", f"/api/campaigns/{campaign_id}/runs/", {"instances": instances})
        run_ids = [r["id"] for r in answer["runs"]]
    else:
        run_ids = [
            api.call("POST", f"/api/campaigns/{campaign_id}/runs/", {"parameters": {"name": f"Campaign {n}"}})["id"]
            for n in "ABC"
        ]
    waiting = set(run_ids)
    deadline = time.monotonic() + 60
    while waiting:
        if time.monotonic() > deadline:
            raise SystemExit(f"runs {sorted(waiting)} did not end within 60 s")
        try:
            event = json.loads(dashboard.recv(timeout=max(0.1, deadline - time.monotonic())))
        except TimeoutError:
            continue
        if event["type"] == "run.state" and event["state"] in TERMINAL:
            waiting.discard(event["run"])
    runs = [api.call("GET", f"/api/runs/{run_id}/") for run_id in run_ids]
    return stack_common.last_step_end(runs) - started


async def asyncflow_round() -> float:
    from radical.asyncflow import LocalExecutionBackend, WorkflowEngine

    flow = await WorkflowEngine.create(backend=LocalExecutionBackend())

    @flow.function_task
    async def workflow_step(name: str, step: int, previous=None):
        await asyncio.sleep(STEP_SECONDS)
        return time.time()

    @flow.block
    async def campaign(name: str):
        result = None
        for step in range(1, 5):
            result = await workflow_step(name, step, result)
        return result

    return await stack_common.asyncflow_three_campaigns(flow, campaign)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default=None, help="default: $STUDIO_ADMIN_PASSWORD, else var/admin_password")
    parser.add_argument("--token", default=None)
    parser.add_argument("--rounds", type=int, default=7, help="counted rounds of each kind (after one warm-up)")
    parser.add_argument(
        "--private", action="store_true", help="start a private stack (bench/stack_common.py) instead of using --url"
    )
    args = parser.parse_args()
    if args.private:
        with stack_common.private_stack() as stack:
            return measure(args, stack.url, stack.username, stack.password)
    password = stack_common.admin_password(args.password)
    return measure(args, args.url, args.username, password)


def measure(args, url: str, username: str, password: str) -> int:
    base = url.rstrip("/")
    token = args.token or stack_common.Api(base, username, password).token
    api = Api(base, token)
    campaigns = api.call("GET", "/api/campaigns/?page_size=200")["results"]
    seed = next((c for c in campaigns if c["name"] == "Seed campaign"), None)
    if seed is None:
        raise SystemExit("no 'Seed campaign' on the server (make run loads it)")

    ws_base = base.replace("http", "ws", 1)
    with connect(f"{ws_base}/ws/dashboard/?token={token}", origin=base, open_timeout=10) as dashboard:
        warm_batch = studio_round(api, dashboard, seed["id"], batch=True)
        warm_sequential = studio_round(api, dashboard, seed["id"], batch=False)
        batch = [studio_round(api, dashboard, seed["id"], batch=True) for _ in range(args.rounds)]
        sequential = [studio_round(api, dashboard, seed["id"], batch=False) for _ in range(args.rounds)]
    warm_flow = asyncio.run(asyncflow_round())
    flow = [asyncio.run(asyncflow_round()) for _ in range(args.rounds)]

    def line(label: str, times: list[float]) -> str:
        return stack_common.rounds_line(label, times, width=58)

    print(
        f"warm-up rounds (not counted): studio batch {warm_batch:.3f} s, back to back {warm_sequential:.3f} s, "
        f"asyncflow {warm_flow:.3f} s"
    )
    print(line("studio, one batch launch of A, B, C (s):", batch))
    print(line("studio, three launch requests back to back (s):", sequential))
    print(line("asyncflow 0.6.0, LocalExecutionBackend (s):", flow))
    flow_median = statistics.median(flow)
    print(
        f"ratio studio/asyncflow (medians): batch {statistics.median(batch) / flow_median:.3f}, "
        f"back to back {statistics.median(sequential) / flow_median:.3f}"
    )
    verdict = "met" if statistics.median(batch) <= 2.05 else "NOT met"
    print(f"goal: first launch request to last step finished <= 2.05 s (batch median): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
