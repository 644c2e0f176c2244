"""The seed page's step function, exactly as the seed writes it (its ``@asyncflow.function_task`` aside)."""

import asyncio
import threading
import time


async def workflow_step(name: str, step: int):
    now = time.time()
    print(f"[{now:.2f}] {name} - Step {step} started")
    await asyncio.sleep(0.5)  # simulate work
    print(f"[{time.time():.2f}] {name} - Step {step} completed")
    return now


stopped = []
awaiting = threading.Event()  # set once wait_long is inside its await, so a test cancels a coroutine that runs


async def wait_long(seconds: float = 30.0):
    """Await a long sleep; note how it ended."""
    awaiting.set()
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        stopped.append("cancelled")
        raise
    return seconds
