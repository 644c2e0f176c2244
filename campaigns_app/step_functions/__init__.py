"""The registry of callable step functions.

Only functions in this registry can run as function steps: the built-ins plus
the dotted paths listed in ``settings.STUDIO_STEP_FUNCTIONS``.
"""

from .context import StepCancelled, StepContext
from .registry import RegisteredFunction, function_registry, get_function

__all__ = ["RegisteredFunction", "StepCancelled", "StepContext", "function_registry", "get_function"]
