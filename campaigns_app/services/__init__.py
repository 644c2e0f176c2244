"""Every state change of campaigns, runs and steps goes through these functions."""

from .campaigns import campaign_create, campaign_delete, campaign_update
from .control import RunConflict, run_cancel, run_retry, runs_apply
from .errors import DefinitionInvalid, ParametersInvalid, ServiceError
from .recovery import watchdog_start, watchdog_stop
from .runs import batch_launch, run_launch
from .steps import step_run_execute

__all__ = [
    "RunConflict",
    "run_cancel",
    "run_retry",
    "runs_apply",
    "watchdog_start",
    "watchdog_stop",
    "DefinitionInvalid",
    "ParametersInvalid",
    "ServiceError",
    "batch_launch",
    "campaign_create",
    "campaign_delete",
    "campaign_update",
    "run_launch",
    "step_run_execute",
]
