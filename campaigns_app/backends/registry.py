from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from .base import ExecutionBackend


def available_backends() -> list[str]:
    return list(settings.STUDIO_BACKENDS)


@lru_cache(maxsize=None)
def get_backend(name: str) -> ExecutionBackend:
    if name == "thread":
        from .thread import ThreadBackend

        return ThreadBackend()
    raise LookupError(f"backend {name!r} is not available on this worker")
