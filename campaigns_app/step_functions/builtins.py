"""Built-in step functions, always registered."""

from __future__ import annotations

from typing import Any

from .context import StepCancelled, StepContext


def sleep(seconds: float, context: StepContext) -> float:
    """Wait for the given number of seconds and return it."""
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    if context.cancelled.wait(seconds):
        raise StepCancelled(f"step {context.step_id} was cancelled while sleeping")
    return seconds


def echo(**kwargs: Any) -> dict:
    """Return its keyword arguments unchanged."""
    return kwargs


def noop() -> None:
    """Do nothing and succeed."""
    return None


def fail(message: str = "failed on purpose", times: int | None = None, context: StepContext | None = None) -> str:
    """Raise an error on the first `times` attempts (on every attempt when null), then succeed."""
    attempt = context.attempt if context else 1
    if times is None or attempt <= times:
        raise RuntimeError(message)
    return f"succeeded on attempt {attempt}"


BUILTINS = {"sleep": sleep, "echo": echo, "noop": noop, "fail": fail}
