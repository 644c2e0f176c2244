"""Extra step functions the integration tests register in their workers (STUDIO_STEP_FUNCTIONS)."""

import logging
import time

logger = logging.getLogger("chatty")


def chatty(lines: int = 3, pause_s: float = 0.05) -> int:
    """Print and log a few lines, slowly, and return how many were printed."""
    for index in range(lines):
        print(f"line {index}")
        logger.warning("logged %d", index)
        time.sleep(pause_s)
    return lines
