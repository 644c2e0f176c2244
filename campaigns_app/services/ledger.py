"""Where services outside the engine (logs, backend states, external runs) take the run lock from.

The ledger itself lives with the transitions (``services/transitions/ledger.py``).
"""

from .transitions.ledger import RunLedger, run_created, run_locked, writer_slot

__all__ = ["RunLedger", "run_created", "run_locked", "writer_slot"]
