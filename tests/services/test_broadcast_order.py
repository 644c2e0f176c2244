"""The event sender (events._Sender): what a socket in several groups receives, and in which order."""

import asyncio

import pytest
from channels.layers import channel_layers, get_channel_layer

from campaigns_app.events import DASHBOARD_SUPERUSERS, _sender, broadcasts_flush, run_group


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def received(layer, channel, count):
    return [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(count)]


async def test_a_commits_dashboard_events_leave_before_its_run_groups_and_every_group_keeps_its_order():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    runs = [run_group(n) for n in range(900001, 900041)]
    for group in [*runs, DASHBOARD_SUPERUSERS]:
        await layer.group_add(group, channel)
    await asyncio.sleep(0.1)
    sender = _sender()
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
