"""A batch launch in process: the service, the HTTP answer, and the former full answer, in the same run.

    .venv/bin/python bench/launch.py [--instances 1000] [--rounds 3] [--database postgres://…/NAME]
        [--redis redis://127.0.0.1:6379/9] [--profile launch.html]

Starts no worker: the launch's Celery messages and broadcasts go to the Redis
named by ``--redis`` (a database of its own, flushed at the start and the end).
For each round it times ``services.batch_launch`` alone, then the whole
``POST /api/campaigns/{id}/runs/`` through Django's test client (validation,
service, response, JSON), then what the answer cost before it became compact:
re-reading the runs with their steps and serialising them with
``RunDetailSerializer``.  ``--profile`` writes a pyinstrument profile of one
more HTTP launch.  A PostgreSQL database named in ``--database`` is dropped
and created again.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _setup(database_url: str, redis_url: str) -> None:
    from bench.engine_stack import _database_reset

    _database_reset(database_url)
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        LOG_LEVEL="WARNING",
        STUDIO_CHANNEL_PREFIX="bench-launch",
        DJANGO_SETTINGS_MODULE="asyncflow_site.settings",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--noinput", verbosity=0)
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default=None)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--profile", default=None, help="write a pyinstrument HTML profile of one HTTP launch")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="asyncflow-launch-bench-"))
    os.environ["STUDIO_VAR_DIR"] = str(tmp)
    _setup(args.database or f"sqlite:///{tmp / 'bench.sqlite3'}", args.redis)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.renderers import JSONRenderer
    from rest_framework.test import APIClient

    from campaigns_app import selectors, services
    from campaigns_app.api.serializers import RunDetailSerializer

    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    steps = [
        {"id": f"s{k}", "name": f"step {k}", "kind": "function", "function": "noop", "kwargs": {}} for k in range(1, 5)
    ]
    edges = [{"source": f"s{k}", "target": f"s{k + 1}"} for k in range(1, 4)]
    campaign = services.campaign_create(
        owner=user, team=None, name="launch bench", graph={"steps": steps, "edges": edges}
    )
    client = APIClient(SERVER_NAME="localhost")
    client.force_authenticate(user)
    instances = [{"parameters": {}} for _ in range(args.instances)]
    body = json.dumps({"instances": instances})

    def http_launch() -> tuple[float, int, list[int]]:
        started, cpu = time.perf_counter(), time.process_time()
        answer = client.post(f"/api/campaigns/{campaign.pk}/runs/", body, content_type="application/json")
        elapsed = time.perf_counter() - started
        http_cpu.append(time.process_time() - cpu)
        assert answer.status_code == 201, answer.content[:500]
        return elapsed, len(answer.content), [r["id"] for r in answer.json()["runs"]]

    http_cpu: list[float] = []
    http_launch()  # warm-up: imports, caches, the version's definition
    http_cpu.clear()
    service_s, service_cpu, http_s, former_s, former_cpu, sizes, former_sizes = [], [], [], [], [], [], []
    for _ in range(args.rounds):
        started, cpu = time.perf_counter(), time.process_time()
        services.batch_launch(campaign=campaign, user=user, instances=instances)
        service_s.append(time.perf_counter() - started)
        service_cpu.append(time.process_time() - cpu)
        elapsed, size, run_ids = http_launch()
        http_s.append(elapsed)
        sizes.append(size)
        started, cpu = time.perf_counter(), time.process_time()
        runs = selectors.runs_with_steps(selectors.runs_visible_to(user)).filter(pk__in=run_ids).order_by("pk")
        former = JSONRenderer().render(RunDetailSerializer(runs, many=True, context={"request": None}).data)
        former_s.append(time.perf_counter() - started)
        former_cpu.append(time.process_time() - cpu)
        former_sizes.append(len(former))

    if args.profile:
        from pyinstrument import Profiler

        with Profiler(interval=0.001) as profiler:
            http_launch()
        http_cpu.pop()
        Path(args.profile).write_text(profiler.output_html())
        print(profiler.output_text(unicode=False, show_all=False, color=False)[:6000])

    def med(values):
        return statistics.median(values)

    load = os.getloadavg()[0]
    print(f"{args.instances} instances × 4 chained steps, {connection.vendor}, {args.rounds} rounds, load {load:.1f}")
    # CPU seconds of this process (the database's own work on PostgreSQL is not in them) move less with the load.
    print(f"  batch_launch service             median {med(service_s):.3f} s, cpu {med(service_cpu):.3f} s")
    print(
        f"  POST /runs/ (whole request)      median {med(http_s):.3f} s, cpu {med(http_cpu):.3f} s, "
        f"body {med(sizes) / 1024:.0f} KiB"
    )
    print(
        f"  former answer (re-read + detail) median {med(former_s):.3f} s, cpu {med(former_cpu):.3f} s, "
        f"body {med(former_sizes) / 1024:.0f} KiB"
    )
    print(
        f"  former request ≈ service + former answer: {med(service_s) + med(former_s):.3f} s; "
        f"ratio now / former {med(http_s) / (med(service_s) + med(former_s)):.2f}"
    )
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
