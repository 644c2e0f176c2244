"""A step function that writes to its log, for the log contract tests.

Log records, not prints: pytest swaps ``sys.stdout`` per test, past the step capture's stream proxy.
"""

import logging

logger = logging.getLogger(__name__)


def chatty(lines: list[str]) -> int:
    for line in lines:
        logger.warning(line)
    return len(lines)
