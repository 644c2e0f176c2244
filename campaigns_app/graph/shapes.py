"""The normalised shapes that ``validation.py`` returns: one typed definition each, published in the OpenAPI schema.

``api/schema.py`` turns these into schema components, and the frontend's
types are generated from that schema, so the browser and the validator read
the same definition.
"""

# No `from __future__ import annotations`: TypedDict reads NotRequired only from evaluated annotations.
from typing import Any, Literal, NotRequired, TypedDict

ParameterType = Literal["string", "integer", "number", "boolean", "choice", "json"]


class Position(TypedDict):
    x: float
    y: float


class StepResources(TypedDict, total=False):
    cores: int
    gpus: int
    walltime: str | float
    partition: str
    memory_mb: int


class WorkflowCampaignRef(TypedDict):
    """A workflow step's campaign by name (an export's form, or the editor's pick before it is saved)."""

    id: NotRequired[int | None]
    name: str
    version: NotRequired[int | None]
    parameters: NotRequired[list[Any]]


class GraphStep(TypedDict):
    id: str
    name: str
    kind: Literal["function", "executable", "workflow"]
    function: NotRequired[str]
    # A workflow step: the campaign it runs, the version pinned at save, the child run's parameters.
    # Stored as the campaign's id; a save or import may name it as ``{"id", "name"}`` (``services/workflow_refs.py``).
    campaign: NotRequired[int | WorkflowCampaignRef]
    version: NotRequired[int | None]
    parameters: NotRequired[dict[str, Any]]
    # A list of items, or a template naming a parameter or an upstream result; one child or call per item.
    for_each: NotRequired[list[Any] | str | None]
    max_parallel: NotRequired[int | None]
    kwargs: NotRequired[dict[str, Any]]
    argv: NotRequired[list[str]]
    env: NotRequired[dict[str, str]]
    cwd: NotRequired[str | None]
    backend: NotRequired[str]
    retries: NotRequired[int]
    retry_delay_s: NotRequired[float | None]
    timeout_s: NotRequired[float | None]
    position: NotRequired[Position | None]
    block: NotRequired[str | None]
    resources: NotRequired[StepResources | None]
    description: NotRequired[str]


class GraphBlock(TypedDict):
    id: str
    name: str
    parent: NotRequired[str | None]


class GraphEdge(TypedDict):
    source: str
    target: str


class Graph(TypedDict):
    steps: list[GraphStep]
    edges: list[GraphEdge]
    blocks: NotRequired[list[GraphBlock]]


class CampaignParameter(TypedDict):
    name: str
    type: ParameterType
    default: NotRequired[Any]
    description: NotRequired[str]
    required: NotRequired[bool]
    choices: NotRequired[list[Any]]


class ForkedFrom(TypedDict):
    """The campaign and version a fork started from; name and owner only while the reader may see it."""

    id: int | None
    version: int
    name: str | None
    owner: str | None
    deleted: bool


class RunBlock(TypedDict):
    """A block of a run's graph with the state folded from its steps (``graph/states.py``)."""

    id: str
    name: str
    parent: NotRequired[str | None]
    state: str
    steps: list[str]
    started_at: str | None
    finished_at: str | None


class CampaignPermissions(TypedDict):
    """What the reader may do with a campaign, for the UI to show or hide actions."""

    launch: bool
    edit: bool
    manage: bool
    fork: bool
    run_executables: bool


class RunParent(TypedDict):
    """For a child run: the run and workflow step (and ``for_each`` item) that started it."""

    run: int
    step: str
    item: int | None


class ChildRunProgress(TypedDict):
    """A child run of a run: its step (and item), state, and how many of its steps succeeded of how many."""

    id: int
    step: str
    item: int | None
    state: str
    done: int
    total: int


class RunPermissions(TypedDict):
    """``operate``: may the reader cancel or retry the run."""

    operate: bool
