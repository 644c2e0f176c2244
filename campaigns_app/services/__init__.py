"""Every state change of campaigns, runs and steps goes through these functions."""

from .campaigns import campaign_create, campaign_delete, campaign_update
from .errors import DefinitionInvalid, ParametersInvalid, ServiceError
from .runs import batch_launch, run_launch
from .steps import step_run_execute

__all__ = [
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
