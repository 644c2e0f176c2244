import uuid

import pytest


@pytest.fixture(autouse=True)
def own_throttle_counts(settings):
    """Each test counts failed logins under keys of its own, so no test is throttled by another's failures."""
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches
