"""The messages a run's websocket carries: one typed definition per event type; and the dashboard's feed.

``RunEvent.as_message`` builds the messages and the ledger's callers fill ``data``;
``selectors.dashboard_feed`` builds the feed (``GET /api/dashboard/``) that the
dashboard folds those messages into. ``api/schema.py`` publishes these definitions
in the OpenAPI schema, the frontend's types are generated from it
(``frontend/src/lib/generated/api.ts``), and ``tests/contract/test_contract.py``
checks stored events and a served feed against the schema.
"""

# No `from __future__ import annotations`: TypedDict reads NotRequired only from evaluated annotations.
from typing import Any, Literal, NotRequired, TypedDict

RunStateName = Literal["queued", "running", "succeeded", "failed", "cancelled"]
StepStateName = Literal["pending", "queued", "running", "succeeded", "failed", "skipped", "cancelled"]
BackendPhase = Literal["waiting", "executing", "done"]


class RunStateData(TypedDict):
    source: NotRequired[Literal["studio", "external"]]
    title: NotRequired[str]


class StepStateData(TypedDict):
    attempt: NotRequired[int]
    error: NotRequired[Any]
    reason: NotRequired[str]
    will_retry: NotRequired[bool]
    retry: NotRequired[bool]
    result: NotRequired[Any]
    result_truncated: NotRequired[bool]
    inferred: NotRequired[bool]
    task: NotRequired[str]
    depends_on: NotRequired[list[str]]
    inferred_depends_on: NotRequired[list[str]]


class StepLogData(TypedDict):
    """Lines as the step wrote them; shown as ``prefix + line``, under ``header`` (an attempt's first event).

    ``item``: the ``for_each`` item that wrote them (its ``[item N]`` is in ``prefix``).
    """

    attempt: int
    stream: str
    lines: list[str]
    prefix: str
    header: NotRequired[str]
    item: NotRequired[int]


class StepBackendData(TypedDict):
    """A backend's own task state; ``phase`` says what it means for the timeline (``backends/registry.py``)."""

    backend_state: str
    attempt: int
    backend: str
    phase: BackendPhase


class StepItemData(TypedDict):
    """One ``for_each`` item's progress (``services/fan_out.py``, and per child run of an ensemble).

    ``index``: the item's place in the list. ``attempt``: the item's own attempt (absent on an item cancelled or
    refused before it ran). ``will_retry`` on a ``pending`` event: the item failed and runs again.
    ``child_run``: the run an ensemble item started.
    """

    index: int
    attempt: NotRequired[int]
    error: NotRequired[str | None]
    reason: NotRequired[str]
    will_retry: NotRequired[bool]
    child_run: NotRequired[int]


class RunErrorData(TypedDict):
    error: str


class _EventBase(TypedDict):
    seq: int
    run: int
    at: str


class RunStateEvent(_EventBase):
    type: Literal["run.state"]
    step: None
    state: RunStateName
    data: RunStateData


class RunErrorEvent(_EventBase):
    type: Literal["run.error"]
    step: None
    state: RunStateName
    data: RunErrorData


class StepStateEvent(_EventBase):
    type: Literal["step.state"]
    step: str
    state: StepStateName
    data: StepStateData


class StepLogEvent(_EventBase):
    type: Literal["step.log"]
    step: str
    state: Literal[""]
    data: StepLogData


class StepBackendEvent(_EventBase):
    type: Literal["step.backend"]
    step: str
    state: Literal["running"]
    data: StepBackendData


class StepItemEvent(_EventBase):
    type: Literal["step.item"]
    step: str
    state: StepStateName
    data: StepItemData


EVENT_MESSAGES: tuple[type, ...] = (
    RunStateEvent,
    RunErrorEvent,
    StepStateEvent,
    StepLogEvent,
    StepBackendEvent,
    StepItemEvent,
)


# The dashboard feed: times are epoch milliseconds, and a step is a row, not an object, so that a thousand runs
# of four steps stay small enough to fetch and parse in one go.
DashboardFeedStep = tuple[str, str, StepStateName, int, int | None, int | None, int | None]
"""``[id, name, state, attempts, queued_at, started_at, finished_at]``"""


class DashboardFeedRun(TypedDict):
    """A run on the dashboard; ``parent``: the run whose workflow step started it."""

    id: int
    campaign: int
    campaign_name: str
    batch: int | None
    owner: str
    state: RunStateName
    parameters: dict[str, Any]
    created_at: int | None
    started_at: int | None
    finished_at: int | None
    last_seq: int
    parent: int | None
    steps: list[DashboardFeedStep]


class DashboardFeed(TypedDict):
    """``GET /api/dashboard/``: ``counts`` by run state before the state filter; ``truncated``: runs were left out."""

    now: int
    runs: list[DashboardFeedRun]
    counts: dict[str, int]
    truncated: bool


FEED_SHAPES: tuple[type, ...] = (DashboardFeedRun, DashboardFeed)
