from __future__ import annotations

import threading
from dataclasses import dataclass, field


class StepCancelled(Exception):
    """Raised by a function step that noticed it was asked to stop."""


@dataclass
class StepContext:
    """What a running step may know about itself.

    A function that declares a ``context`` parameter receives this object;
    long-running functions should wait on ``cancelled`` rather than sleep so a
    cancel or timeout stops them promptly.
    """

    run_id: int
    step_id: str
    attempt: int
    cancelled: threading.Event = field(default_factory=threading.Event)

    def check_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise StepCancelled(f"step {self.step_id} was cancelled")
