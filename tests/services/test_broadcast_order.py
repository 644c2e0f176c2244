"""The event sender (events.sender._Sender): what a socket in several groups receives, and in which order."""

import asyncio

import pytest
from channels.layers import channel_layers, get_channel_layer

from campaigns_app.events import DASHBOARD_SUPERUSERS, broadcasts_flush, run_group
from campaigns_app.events.sender import event_sender


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def received(layer, channel, count):
    return [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(count)]


def pipelines_counted(monkeypatch) -> list[int]:
    """The size of every Redis pipeline executed from now on, in order (the sender's are synchronous)."""
    from redis.asyncio.client import Pipeline as AsyncPipeline
    from redis.client import Pipeline

    sizes: list[int] = []
    execute, execute_async = Pipeline.execute, AsyncPipeline.execute

    def counted_execute(self, *args, **kwargs):
        sizes.append(len(self.command_stack))
        return execute(self, *args, **kwargs)

    async def counted_execute_async(self, *args, **kwargs):
        sizes.append(len(self.command_stack))
        return await execute_async(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "execute", counted_execute)
    monkeypatch.setattr(AsyncPipeline, "execute", counted_execute_async)
    return sizes


def one_commit_of(runs: list[str]) -> dict[str, list[dict]]:
    """What one commit of these run groups submits: an event each, and all of them on the superusers' dashboard."""
    batch: dict[str, list[dict]] = {}
    for n, group in enumerate(runs):
        event = {"run": n, "seq": 1}
        batch[group] = [event]
        batch.setdefault(DASHBOARD_SUPERUSERS, []).append(event)
    return batch


async def test_a_commits_dashboard_events_leave_before_its_run_groups_and_every_group_keeps_its_order():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    runs = [run_group(n) for n in range(900001, 900041)]
    for group in [*runs, DASHBOARD_SUPERUSERS]:
        await layer.group_add(group, channel)
    await asyncio.sleep(0.1)
    sender = event_sender()
    # Two commits of forty runs each, one event per run and commit.
    for commit in (1, 2):
        batch = {}
        for n, group in enumerate(runs):
            event = {"run": n, "seq": commit}
            batch.setdefault(group, []).append(event)
            batch.setdefault(DASHBOARD_SUPERUSERS, []).append(event)
        sender.submit_per_group(batch)
    await asyncio.to_thread(broadcasts_flush)
    messages = []
    while True:
        try:
            messages.append(await asyncio.wait_for(layer.receive(channel), 1))
        except TimeoutError:
            break
    groups = [m["groups"][0] for m in messages]
    # The dashboard hears the first commit before any run group (which only run pages listen to).
    assert groups[0] == DASHBOARD_SUPERUSERS
    dashboard = [(e["run"], e["seq"]) for m in messages if m["groups"] == [DASHBOARD_SUPERUSERS] for e in m["events"]]
    assert dashboard == [(n, 1) for n in range(40)] + [(n, 2) for n in range(40)]
    for n, group in enumerate(runs):
        mine = [(e["run"], e["seq"]) for m in messages if m["groups"] == [group] for e in m["events"]]
        assert mine == [(n, 1), (n, 2)]


async def test_a_commit_of_a_hundred_runs_is_published_in_a_few_redis_round_trips(monkeypatch):
    from channels_redis.pubsub import RedisSingleShardConnection

    layer = get_channel_layer()
    channel = await layer.new_channel()
    runs = [run_group(n) for n in range(910001, 910101)]
    for group in [*runs, DASHBOARD_SUPERUSERS]:
        await layer.group_add(group, channel)
    await asyncio.sleep(0.1)
    trips = pipelines_counted(monkeypatch)
    publish = RedisSingleShardConnection.publish

    async def counted_publish(self, *args, **kwargs):
        trips.append(1)
        return await publish(self, *args, **kwargs)

    monkeypatch.setattr(RedisSingleShardConnection, "publish", counted_publish)
    event_sender().submit_per_group(one_commit_of(runs))
    await asyncio.to_thread(broadcasts_flush)
    messages = [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(101)]
    # Every group heard its event, the dashboard first; the publishes went out as two pipelines, not 101 trips:
    # the dashboard's with the question of who hears the run groups, then the hundred heard ones.
    assert messages[0]["groups"] == [DASHBOARD_SUPERUSERS] and len(messages[0]["events"]) == 100
    assert sorted(m["groups"][0] for m in messages[1:]) == sorted(runs)
    assert trips == [2, 100]


async def test_run_groups_nobody_listens_to_are_not_published_and_the_watched_ones_are(monkeypatch):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    runs = [run_group(n) for n in range(920001, 920101)]
    watched = runs[10:13]
    for group in [*watched, DASHBOARD_SUPERUSERS]:
        await layer.group_add(group, channel)
    await asyncio.sleep(0.1)
    published = pipelines_counted(monkeypatch)
    event_sender().submit_per_group(one_commit_of(runs))
    await asyncio.to_thread(broadcasts_flush)
    messages = [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(4)]
    assert messages[0]["groups"] == [DASHBOARD_SUPERUSERS] and len(messages[0]["events"]) == 100
    assert [m["groups"][0] for m in messages[1:]] == watched
    assert [m["events"] for m in messages[1:]] == [[{"run": n, "seq": 1}] for n in (10, 11, 12)]
    # The dashboard's publish with the question, then only the three watched run groups': 97 unheard groups
    # cost nothing.
    assert published == [2, 3]
