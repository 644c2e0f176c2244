"""Issue 10: after a kill -9 of the worker or of the embedded Redis, ``make run`` stopped everything and exited.

Now the stack script restarts a dead child with backoff and says so; only Ctrl-C stops it.
"""

import os
import signal

import pytest

from .stack_process import StackProcess, alive

pytestmark = [pytest.mark.slow]


@pytest.fixture
def stack(tmp_path):
    process = StackProcess(tmp_path / "var")
    yield process
    process.kill()


def test_a_killed_worker_and_a_killed_redis_come_back_and_the_studio_goes_on(stack):
    stack.start()
    campaign_id = stack.seed_campaign_id()
    worker_pid, redis_pid, web_pid = stack.pid_of("worker"), stack.pid_of("redis"), stack.pid_of("web")
    during = stack.launch(campaign_id, "launched before the kills")

    mark = stack.mark()
    os.kill(worker_pid, signal.SIGKILL)
    stack.wait_line(rf"worker \(pid {worker_pid}\) exited with code -9 .*restarting it in", after=mark)
    new_worker = stack.pid_of("worker", after=mark)
    stack.wait_line(r"celery@\S+ ready\.", after=mark)

    mark = stack.mark()
    os.kill(redis_pid, signal.SIGKILL)
    stack.wait_line(rf"redis \(pid {redis_pid}\) exited with code -9 .*restarting it in", after=mark)
    new_redis = stack.pid_of("redis", after=mark)

    assert new_worker != worker_pid and alive(new_worker)
    assert new_redis != redis_pid and alive(new_redis)
    # The web server was never touched, and still answers.
    assert alive(web_pid)
    status, me = stack.request("GET", "/api/auth/me/")
    assert status == 200 and me["username"] == "admin"
    # A run launched after both deaths runs through, and the one they interrupted finishes too.
    after = stack.launch(campaign_id, "launched after the kills")
    assert stack.wait_run(after)["state"] == "succeeded"
    assert stack.wait_run(during)["state"] == "succeeded"

    assert stack.interrupt() == 0
    stack.wait_line(r"==> stopped")
    assert not any(alive(pid) for pid in (new_worker, new_redis, web_pid))


def test_ctrl_c_stops_every_child_and_exits_cleanly(stack):
    stack.start()
    pids = [stack.pid_of(label) for label in ("worker", "web", "redis")]
    assert stack.interrupt() == 0
    assert not any(alive(pid) for pid in pids)
    assert not any("restarting" in line for line in stack.lines)
