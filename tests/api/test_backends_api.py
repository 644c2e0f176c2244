"""GET /api/backends/: what workers publish about the backends they serve."""

import redis

from campaigns_app.services.backend_status import backend_status_publish, backend_status_withdraw


def test_backends_show_up_only_while_a_worker_serves_them(alice_api, settings):
    settings.STUDIO_BACKENDS = ["thread", "radical", "dask"]
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    backend_status_publish(
        worker="hpc@test",
        statuses={
            "radical": {
                "state": "up",
                "resources": {"resource": "local.localhost", "cores": 2},
                "pilot": {"uid": "pilot.0000", "state": "PMGR_ACTIVE"},
            },
            "dask": {"state": "failed", "error": "dask scheduler tcp://10.0.0.1:8786 is unreachable: OSError"},
        },
    )
    redis.Redis.from_url(settings.REDIS_URL).rpush(
        settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "") + "radical", "m1", "m2"
    )
    body = {b["name"]: b for b in alice_api.get("/api/backends/").json()}
    assert list(body) == ["thread", "radical", "dask"]
    assert body["radical"]["up"] and body["radical"]["queue_depth"] == 2
    assert body["radical"]["workers"][0]["pilot"]["state"] == "PMGR_ACTIVE"
    assert body["radical"]["resources"] == {"resource": "local.localhost", "cores": 2}
    assert not body["dask"]["up"] and "unreachable" in body["dask"]["error"]
    assert body["thread"]["state"] == "no worker" and not body["thread"]["up"]
    backend_status_withdraw(worker="hpc@test", names=["radical", "dask"])
    assert not any(b["up"] for b in alice_api.get("/api/backends/").json())


def test_running_counts_only_steps_of_runs_still_going(alice_api, seed_campaign, settings):
    """A step row left 'running' in a run that has ended must not keep the backends chip at "running 1"."""
    from campaigns_app.models import Run, RunState, StepRun, StepState

    settings.STUDIO_BACKENDS = ["thread"]
    runs = [alice_api.post(f"/api/campaigns/{seed_campaign.pk}/runs/", {}, format="json").json() for _ in range(2)]
    StepRun.objects.filter(run_id__in=[r["id"] for r in runs], step_id="s1").update(state=StepState.RUNNING)

    def thread_counts():
        thread = next(b for b in alice_api.get("/api/backends/").json() if b["name"] == "thread")
        return thread["running_steps"], thread["queued_steps"]

    assert thread_counts()[0] == 2
    Run.objects.filter(pk=runs[0]["id"]).update(state=RunState.FAILED)
    assert thread_counts()[0] == 1
    Run.objects.filter(pk=runs[1]["id"]).update(state=RunState.CANCELLED)
    assert thread_counts() == (0, 0)
