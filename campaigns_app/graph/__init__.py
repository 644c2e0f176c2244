"""Pure-Python campaign graph logic: validation, ordering, templating.

Nothing in this package imports Django, so the rules that decide whether a
campaign is valid and which steps may run next can be tested (and reused by
clients) without a database.
"""

from .dag import Dag, find_cycle
from .errors import GraphError, GraphFault
from .templating import TemplateError, placeholders_in, render_value
from .validation import (
    FunctionSignature,
    normalize_graph,
    normalize_parameters,
    validate_campaign,
)

__all__ = [
    "Dag",
    "FunctionSignature",
    "GraphError",
    "GraphFault",
    "TemplateError",
    "find_cycle",
    "normalize_graph",
    "normalize_parameters",
    "placeholders_in",
    "render_value",
    "validate_campaign",
]
