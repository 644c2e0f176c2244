"""The fuzz suite: hypothesis over the graph validator and the campaign and import APIs, schemathesis over the schema.

``STUDIO_FUZZ_EXAMPLES`` sets the examples per property (default keeps each file under about a minute);
``STUDIO_FUZZ_RANDOM=1`` draws new examples each run instead of the same derandomised ones.
"""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("STUDIO_FUZZ_EXAMPLES", "60"))

settings.register_profile(
    "studio-fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=os.environ.get("STUDIO_FUZZ_RANDOM", "") not in ("1", "true"),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
settings.load_profile("studio-fuzz")


@pytest.fixture(autouse=True)
def own_throttle_counts(settings):
    """Failed logins of one test never throttle another."""
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"fuzz-{uuid.uuid4().hex}"
    settings.CACHES = caches
