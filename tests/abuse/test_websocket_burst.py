"""Issue 10: of 5,000 simultaneous websocket connects, 209 got through (daphne listened with a backlog of 50).

``make run``'s web now listens with ``STUDIO_WEB_BACKLOG`` (4096) and gives a handshake 30 s (daphne's 5 s dropped
the tail of a burst); ``bench/socket_burst.py`` measures the full burst.
"""

import asyncio
import subprocess
from pathlib import Path

import pytest
import websockets

from .stack_process import StackProcess

pytestmark = [pytest.mark.slow]

BURST = 500


def listen_backlog(port: int) -> int:
    # For a listening socket, ss shows the backlog it listens with as Send-Q.
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], check=True, capture_output=True, text=True).stdout
    return int(out.split()[2])


async def connect_all(url: str, clients: int) -> tuple[int, list[str]]:
    async def one():
        return await websockets.connect(url, origin="http://127.0.0.1", open_timeout=60)

    results = await asyncio.gather(*(one() for _ in range(clients)), return_exceptions=True)
    sockets = [r for r in results if not isinstance(r, BaseException)]
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
    return len(sockets), [repr(r) for r in results if isinstance(r, BaseException)][:5]


def test_the_web_server_listens_with_a_deep_backlog_and_takes_a_burst_of_sockets(tmp_path):
    stack = StackProcess(tmp_path / "var")
    try:
        stack.start()
        somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
        assert listen_backlog(stack.port) == min(4096, somaxconn)
        url = f"ws://127.0.0.1:{stack.port}/ws/dashboard/?token={stack.token}"
        connected, errors = asyncio.run(connect_all(url, BURST))
        assert connected == BURST, errors
    finally:
        stack.kill()
