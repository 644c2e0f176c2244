"""The AsyncFlow "Campaigns" page example (three blocks of four dependent steps) with one attach line.

ThreadExecutionBackend from the page is LocalExecutionBackend over a thread
pool in radical.asyncflow 0.6.0; the studio's URL and token come from the
environment (STUDIO_URL, STUDIO_TOKEN).
"""

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor

from radical.asyncflow import LocalExecutionBackend, WorkflowEngine

from campaigns_app.client import attach


async def main():
    backend = await LocalExecutionBackend(ThreadPoolExecutor())
    asyncflow = await WorkflowEngine.create(backend=backend)
    await attach(asyncflow, url=os.environ["STUDIO_URL"], token=os.environ["STUDIO_TOKEN"])

    @asyncflow.function_task
    async def workflow_step(name: str, step: int):
        now = time.time()
        print(f"[{now:.2f}] {name} - Step {step} started", flush=True)
        await asyncio.sleep(float(os.environ.get("STEP_SECONDS", "0.5")))  # simulate work
        print(f"[{time.time():.2f}] {name} - Step {step} completed", flush=True)
        return now

    @asyncflow.block
    async def campaign(name: str):
        await workflow_step(name, 1)
        await workflow_step(name, 2)
        await workflow_step(name, 3)
        await workflow_step(name, 4)
        print(f"Campaign {name} completed at {time.time():.2f}", flush=True)

    start_time = time.time()
    await asyncio.gather(campaign("Campaign A"), campaign("Campaign B"), campaign("Campaign C"))
    print(f"\nTotal time running asynchronously is: {time.time() - start_time:.2f}s", flush=True)
    await asyncflow.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
