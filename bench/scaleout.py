"""Scale-out on PostgreSQL: steps/s with 1 and 2 worker processes and several thread counts, same run.

    .venv/bin/python bench/scaleout.py [--database postgres://postgres@127.0.0.1:5432/wt_engine_bench]
        [--configs 1x32,2x16,2x32] [--instances 1000]

Each configuration gets a private stack (embedded Redis, the database dropped
and created again, N workers, daphne) and runs N campaigns × 4 chained no-op
steps and 1 × 1000 independent no-op steps (``bench/throughput.py``'s
workloads and checks).  AsyncFlow's figure for the same chains is measured
once in the same run, as the baseline of every ratio.  Many workers on many
hosts against one PostgreSQL and one Redis is the production shape
(``docker compose up --scale worker=N``); on one 2-core host the web
process, Redis, PostgreSQL and the bench client share the cores with the workers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.engine_stack import Api, chain_campaign, independent_campaign, private_stack
from bench.throughput import (
    STACK_DATABASE,
    STACK_PIDS,
    asyncflow_workload,
    cpu_note,
    cpu_snapshot,
    load_note,
    studio_workload,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/wt_engine_bench")
    parser.add_argument("--configs", default="1x32,2x16,2x32", help="workers x threads, comma separated")
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--independent", type=int, default=1000, help="steps of the independent workload (0: none)")
    parser.add_argument("--skip-asyncflow", action="store_true")
    args = parser.parse_args()
    STACK_DATABASE["url"] = args.database

    print(f"# bench/scaleout.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {load_note()}")
    flow = (
        {"seconds": None, "steps_per_s": None, "note": "skipped"}
        if args.skip_asyncflow
        else asyncflow_workload(args.instances, 4, True, 250)
    )
    base = flow["steps_per_s"]
    print(
        f"AsyncFlow 0.6.0, {args.instances} × 4 chained: "
        + (f"{flow['seconds']:.2f} s ({base:.0f} steps/s)" if base else flow["note"])
    )
    print(
        f"| workers × threads | {args.instances} × 4 chained, steps/s | ratio to AsyncFlow | "
        f"1 × {args.independent} independent, steps/s | checks |\n|---|---|---|---|---|"
    )
    ok = True
    for config in args.configs.split(","):
        workers, threads = (int(x) for x in config.split("x"))
        with private_stack(args.database, workers=workers, concurrency=threads) as stack:
            api = Api(stack.url, stack.username, stack.password)
            ws_url = stack.url.replace("http", "ws", 1)
            chain = chain_campaign(api, "scale-out chain")
            STACK_PIDS.clear()
            STACK_PIDS.update(
                {f"worker {n}": [pid] for n, pid in enumerate(stack.worker_pids)},
                web=[stack.web_pid] if stack.web_pid else [],
                redis=[stack.redis_pid] if stack.redis_pid else [],
            )
            studio_workload(api, ws_url, chain, 5 * workers, 4, 120)  # warm-up: every worker started
            cpu_before = cpu_snapshot()
            chained = studio_workload(api, ws_url, chain, args.instances, 4, max(300, args.instances * 0.1))
            cpu = cpu_note(cpu_before, cpu_snapshot(), args.instances * 4)
            wide = (
                studio_workload(
                    api,
                    ws_url,
                    independent_campaign(api, "scale-out independent", args.independent),
                    1,
                    args.independent,
                    300,
                )
                if args.independent
                else {"steps_per_s": 0, "problems": []}
            )
        problems = chained["problems"] + wide["problems"]
        ok = ok and not problems
        ratio = f"{chained['steps_per_s'] / base:.2f}" if base else "—"
        print(
            f"| {workers} × {threads} | {chained['steps_per_s']:.0f} | {ratio} | {wide['steps_per_s']:.0f} | "
            f"{'ok' if not problems else 'FAILED: ' + '; '.join(problems)} |",
            flush=True,
        )
        print(f"{cpu}, {load_note()}", flush=True)
    print(f"# done, {load_note()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
