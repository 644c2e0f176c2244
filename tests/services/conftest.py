"""Fixtures of the engine's service tests."""

import uuid

import pytest


@pytest.fixture
def queue():
    """A broker queue of the test's own (the name a step's backend takes), emptied afterwards."""
    from asyncflow_site.celery import app

    name = f"test-queue-{uuid.uuid4().hex[:8]}"
    yield name
    with app.producer_or_acquire() as producer:
        producer.channel.client.delete(name)
