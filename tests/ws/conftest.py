import pytest
from channels.layers import channel_layers


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    # channels-redis keeps connections per event loop; each async test has its own loop.
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
