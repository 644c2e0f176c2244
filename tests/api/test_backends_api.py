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
