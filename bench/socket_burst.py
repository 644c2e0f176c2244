"""How many of N websocket clients connecting at once get through, and whether each then gets a broadcast.

    .venv/bin/python bench/socket_burst.py [--clients 5000] [--backlog 4096] [--baseline-backlog 50]
                                         [--open-timeout 120] [--broadcast-timeout 60]

Starts a private daphne (a temporary SQLite database, the Redis at ``REDIS_URL`` or an embedded one)
as ``make run`` starts it (``scripts/run_stack.web_endpoint``), once with the baseline backlog (50,
Twisted's default, what ``daphne -p`` listens with) and once with ``--backlog``, and opens
``--clients`` dashboard sockets (``/ws/dashboard/?token=...``) at the same moment. A client counts as
connected when its handshake completes within ``--open-timeout`` seconds. Prints, for each backlog,
connected / N, the failures by kind, and the time until the last client got in; then the bench user
launches a run through the API, and every connected socket must receive that run's first event (the
broadcast a launch makes): received / connected and the time until the last one had it. Then the ratio of
connects against the baseline. ``--baseline-backlog 0`` skips the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Run as a script: the repository comes first on sys.path (for ``bench.*`` and ``campaigns_app``), not this folder.
sys.path[:] = [str(REPO), *[p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]]

import websockets  # noqa: E402 - after the sys.path fix above

from bench.engine_stack import Api, chain_campaign, frame_events  # noqa: E402 - after the sys.path fix
from scripts.run_stack import WEB_TIMEOUTS, child_env, web_endpoint  # noqa: E402 - after the sys.path fix
from scripts.stack import ensure_redis, free_port, terminate, wait_for_http  # noqa: E402 - after the sys.path fix

PASSWORD = "bench-password-1-Xq"
CREATE_USER = (
    "from django.contrib.auth import get_user_model; "
    f"get_user_model().objects.create_user('bench', password='{PASSWORD}')"
)


def prepare(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "shell", "-c", CREATE_USER], cwd=REPO, env=env, check=True)


def login_token(base: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/auth/token/",
        method="POST",
        data=json.dumps({"username": "bench", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=30) as response:
        return json.loads(response.read())["token"]


def launch_run(base: str, token: str) -> int:
    """A one-step campaign of the bench user, launched: the launch's events go to the user's dashboards."""
    api = Api.__new__(Api)
    api.base, api.token = base, token
    campaign = chain_campaign(api, f"websocket bench {time.time():.0f}", steps=1)
    return api.call("POST", f"/api/campaigns/{campaign}/runs/", {"parameters": {}})["id"]


async def hears_run(socket, run_id: int, deadline: float) -> bool:
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            return False
        try:
            frame = await asyncio.wait_for(socket.recv(), left)
        except (TimeoutError, websockets.ConnectionClosed):
            return False
        if any(event.get("run") == run_id for event in frame_events(frame)):
            return True


async def burst(
    url: str, clients: int, open_timeout: float, broadcast, broadcast_timeout: float
) -> tuple[int, collections.Counter, float, int, float]:
    start = asyncio.Event()
    sockets = []
    failures: collections.Counter = collections.Counter()
    last_in = 0.0
    t0 = 0.0

    async def one() -> None:
        nonlocal last_in
        await start.wait()
        try:
            socket = await websockets.connect(url, open_timeout=open_timeout, origin="http://127.0.0.1", max_queue=None)
        except Exception as error:  # noqa: BLE001 - every kind of refusal is a figure here
            cause = error.__cause__ or error.__context__
            status = getattr(getattr(error, "response", None), "status_code", None)
            if status:
                cause = f"HTTP {status}"
            if cause and not isinstance(cause, str):
                cause = f"{type(cause).__name__}: {cause}"
            failures[type(error).__name__ + (f" ({cause})" if cause else "")] += 1
            return
        last_in = time.perf_counter() - t0
        sockets.append(socket)

    tasks = [asyncio.create_task(one()) for _ in range(clients)]
    await asyncio.sleep(0.1)
    t0 = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    connected = len(sockets)
    received, last_heard = 0, 0.0
    if sockets:
        # Launched from a thread: the API call must not stall this loop, which reads the sockets.
        sent_at = time.perf_counter()
        run_id = await asyncio.to_thread(broadcast)
        heard = await asyncio.gather(*(hears_run(s, run_id, sent_at + broadcast_timeout) for s in sockets))
        received = sum(heard)
        last_heard = time.perf_counter() - sent_at
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
    return connected, failures, last_in, received, last_heard


def measure(
    env: dict[str, str], backlog: int, clients: int, open_timeout: float, broadcast_timeout: float, log: Path
) -> dict:
    port = free_port()
    env = {**env, "STUDIO_WEB_BACKLOG": str(backlog)}
    with open(log, "a") as log_file:
        daphne = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-e",
                web_endpoint(port),
                *WEB_TIMEOUTS,
                "-v",
                "0",
                "asyncflow_site.asgi:application",
            ],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/auth/me/", timeout=60, procs={"daphne": daphne})
        base = f"http://127.0.0.1:{port}"
        token = login_token(base)
        url = f"ws://127.0.0.1:{port}/ws/dashboard/?token={token}"
        connected, failures, last_in, received, last_heard = asyncio.run(
            burst(url, clients, open_timeout, lambda: launch_run(base, token), broadcast_timeout)
        )
        if failures:
            print(f"backlog {backlog}: end of daphne's log:\n" + "\n".join(log.read_text().splitlines()[-8:]))
    finally:
        terminate([daphne], timeout=10)
    return {
        "backlog": backlog,
        "connected": connected,
        "failures": failures,
        "last_in_s": last_in,
        "received": received,
        "last_heard_s": last_heard,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--backlog", type=int, default=int(os.environ.get("STUDIO_WEB_BACKLOG", "4096")))
    parser.add_argument("--baseline-backlog", type=int, default=50)
    parser.add_argument("--open-timeout", type=float, default=120.0)
    parser.add_argument("--broadcast-timeout", type=float, default=60.0)
    args = parser.parse_args()

    somaxconn = Path("/proc/sys/net/core/somaxconn").read_text().strip()
    with tempfile.TemporaryDirectory(prefix="bench-ws-") as var_dir:
        redis_url, redis_proc = ensure_redis(os.environ.get("REDIS_URL"))
        try:
            env = child_env(redis_url)
            env.pop("DATABASE_URL", None)
            env.update(STUDIO_VAR_DIR=var_dir, STUDIO_CHANNEL_PREFIX=f"bench-ws-{os.getpid()}")
            prepare(env)
            backlogs = [b for b in (args.baseline_backlog, args.backlog) if b > 0]
            results = [
                measure(
                    env, backlog, args.clients, args.open_timeout, args.broadcast_timeout, Path(var_dir) / "daphne.log"
                )
                for backlog in backlogs
            ]
        finally:
            terminate([redis_proc])

    print(
        f"{args.clients} websocket clients connecting at once, open timeout {args.open_timeout:g} s, "
        f"net.core.somaxconn={somaxconn}"
    )
    for result in results:
        failed = ", ".join(f"{kind} {count}" for kind, count in result["failures"].most_common()) or "none"
        print(
            f"  backlog {result['backlog']:>5}: {result['connected']:>5}/{args.clients} connected, "
            f"last in after {result['last_in_s']:.2f} s; failed: {failed}"
        )
        print(
            f"                 broadcast received by {result['received']:>5}/{result['connected']} connected sockets, "
            f"the last after {result['last_heard_s']:.2f} s"
        )
    if len(results) < 2:
        return
    base, ours = results
    ratio = ours["connected"] / base["connected"] if base["connected"] else float("inf")
    print(f"connects at backlog {ours['backlog']} / at backlog {base['backlog']}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
