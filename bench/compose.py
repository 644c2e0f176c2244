"""The seed as a campaign of workflows, on a private stack, against the same work without nesting.

    .venv/bin/python bench/compose.py [--rounds 5] [--database-url postgres://...]

Composed: three parent runs (one batch launch), each four chained workflow
steps, each running a 2-step child campaign of 0.2 s sleeps: 3 × 4 child runs
of 2 steps.  The figure is the time from the launch request to the last
parent's end (its last workflow step's ``finished_at``).  Floor: 4 × 2 × 0.2
= 1.6 s; goal ≤ 1.75 s.

Baselines measured in the same run: the same 24 sleeps as three flat
campaigns of eight chained steps (what nesting costs over a chain), and
radical-asyncflow 0.6.0 running three blocks of four nested blocks of two
tasks in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_common import Api, private_stack

from bench.stack_common import asyncflow_three_campaigns, last_step_end, parse_time, rounds_line

STEP_S = 0.2
GOAL_S = 1.75
TERMINAL = ("succeeded", "failed", "cancelled")


def sleep_step(step_id: str) -> dict:
    return {"id": step_id, "kind": "function", "function": "sleep", "kwargs": {"seconds": STEP_S}}


def chain(steps: list[dict]) -> dict:
    return {"steps": steps, "edges": [{"source": a["id"], "target": b["id"]} for a, b in pairwise(steps)]}


def create(api: Api, name: str, graph: dict) -> int:
    parameters = [{"name": "name", "type": "string", "default": "A"}]
    return api.call("POST", "/api/campaigns/", {"name": name, "graph": graph, "parameters": parameters})["id"]


def link_times(api: Api, runs: list[dict], links: dict[str, list[float]]) -> None:
    """Per link of each parent's chain, from stored times (ms): where nesting spends what a flat chain does not.

    - ``step start → child's first step``: the parent's workflow step running until its child's first step
      runs (the child's creation, its commit, the hand-off to a worker thread);
    - ``child's step → child's next``: the chain link inside a child (as in a flat chain);
    - ``child's last step → parent's step end``: the child's end until the parent's step has ended
      (the child's end commit, the parent's wake-up);
    - ``parent's step end → next step start``: the next workflow step starting (same transaction: 0).
    """
    for run in runs:
        steps = sorted(run["steps"], key=lambda s: parse_time(s["started_at"]))
        for k, step in enumerate(steps):
            child = api.call("GET", f"/api/runs/{step['child_run']}/")
            inner = sorted(child["steps"], key=lambda s: parse_time(s["started_at"]))
            links["step start → child's first step"].append(
                (parse_time(inner[0]["started_at"]) - parse_time(step["started_at"])) * 1000
            )
            links["child's step → child's next"].extend(
                (parse_time(b["started_at"]) - parse_time(a["finished_at"])) * 1000 for a, b in pairwise(inner)
            )
            links["child's last step → parent's step end"].append(
                (parse_time(step["finished_at"]) - parse_time(inner[-1]["finished_at"])) * 1000
            )
            if k + 1 < len(steps):
                links["parent's step end → next step start"].append(
                    (parse_time(steps[k + 1]["started_at"]) - parse_time(step["finished_at"])) * 1000
                )


def flat_links(runs: list[dict], links: dict[str, list[float]]) -> None:
    for run in runs:
        steps = sorted(run["steps"], key=lambda s: parse_time(s["started_at"]))
        links["flat: step → next step"].extend(
            (parse_time(b["started_at"]) - parse_time(a["finished_at"])) * 1000 for a, b in pairwise(steps)
        )


def studio_round(api: Api, campaign_id: int, links: dict[str, list[float]] | None = None, *, nested: bool) -> float:
    started = time.time()
    answer = api.call(
        "POST",
        f"/api/campaigns/{campaign_id}/runs/",
        {"instances": [{"parameters": {"name": f"Campaign {n}"}} for n in "ABC"]},
    )
    run_ids = [r["id"] for r in answer["runs"]]
    deadline = time.monotonic() + 60
    while True:
        runs = [api.call("GET", f"/api/runs/{run_id}/") for run_id in run_ids]
        if all(r["state"] in TERMINAL for r in runs):
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"runs did not end within 60 s: {[(r['id'], r['state']) for r in runs]}")
        time.sleep(0.05)
    if any(r["state"] != "succeeded" for r in runs):
        raise SystemExit(f"a run did not succeed: {[(r['id'], r['state']) for r in runs]}")
    if links is not None:
        (link_times(api, runs, links) if nested else flat_links(runs, links))
    return last_step_end(runs) - started


async def asyncflow_round() -> float:
    from radical.asyncflow import LocalExecutionBackend, WorkflowEngine

    flow = await WorkflowEngine.create(backend=LocalExecutionBackend())

    @flow.function_task
    async def sleep(previous=None):
        await asyncio.sleep(STEP_S)
        return time.time()

    @flow.block
    async def child(previous=None):
        return await sleep(await sleep(previous))

    @flow.block
    async def parent(name: str):
        result = None
        for _ in range(4):
            result = await child(result)
        return result

    return await asyncflow_three_campaigns(flow, parent)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="counted rounds of each kind (after one warm-up)")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite database")
    args = parser.parse_args()
    one, five, _ = os.getloadavg()
    print(
        f"# bench/compose.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {one:.1f} / {five:.1f}"
    )

    with private_stack(args.database_url) as base:
        api = Api(base)
        child = create(api, "Child: two 0.2 s sleeps", chain([sleep_step("c1"), sleep_step("c2")]))
        composed = create(
            api,
            "Composed: four workflow steps",
            chain([{"id": f"w{k}", "kind": "workflow", "campaign": child} for k in range(1, 5)]),
        )
        flat = create(api, "Flat: eight chained sleeps", chain([sleep_step(f"s{k}") for k in range(1, 9)]))
        warm = (studio_round(api, composed, nested=True), studio_round(api, flat, nested=False))
        composed_times, flat_times = [], []
        links: dict[str, list[float]] = defaultdict(list)
        for _ in range(args.rounds):
            composed_times.append(studio_round(api, composed, links, nested=True))
            flat_times.append(studio_round(api, flat, links, nested=False))
    asyncio.run(asyncflow_round())
    flow_times = [asyncio.run(asyncflow_round()) for _ in range(args.rounds)]

    def line(label: str, times: list[float]) -> str:
        return rounds_line(label, times, width=62)

    print(f"warm-up rounds (not counted): composed {warm[0]:.3f} s, flat {warm[1]:.3f} s")
    print(line("studio, 3 parents x 4 workflow steps x 2-step child (s):", composed_times))
    print(line("studio, 3 flat chains of 8 steps, same sleeps (s):", flat_times))
    print(line("asyncflow 0.6.0, 3 blocks x 4 nested blocks x 2 tasks (s):", flow_times))
    print("per link, from stored times (ms; p50 / p90 / max):")
    for name, values in links.items():
        ordered = sorted(values)
        print(
            f"  {name:<40} n={len(values):<4} {statistics.median(values):6.1f} / "
            f"{ordered[int(0.9 * (len(ordered) - 1))]:6.1f} / {ordered[-1]:6.1f}"
        )
    median = statistics.median(composed_times)
    print(
        f"ratios (medians): composed/flat {median / statistics.median(flat_times):.3f}, "
        f"composed/asyncflow {median / statistics.median(flow_times):.3f}"
    )
    print(
        f"goal: launch request to last parent finished <= {GOAL_S} s (floor {8 * STEP_S:.1f} s): "
        f"{'met' if median <= GOAL_S else 'NOT met'} ({median:.3f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
