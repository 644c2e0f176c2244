"""Isolation of executable steps: scrubbed environment, fresh folder, limits, step user, bubblewrap."""

from .policy import SandboxConfig, SandboxUnavailable, isolation_warning, step_identity
from .runner import run_executable

__all__ = ["SandboxConfig", "SandboxUnavailable", "isolation_warning", "run_executable", "step_identity"]
