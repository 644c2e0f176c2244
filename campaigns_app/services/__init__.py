"""Every state change of campaigns, runs, teams, tokens and the audit trail goes through these functions."""

from .audit import Action, audit_record
from .campaigns import (
    campaign_create,
    campaign_delete,
    campaign_fork,
    campaign_update,
    campaign_version_restore,
    executables_check,
    team_for_campaigns,
)
from .control import RunConflict, run_cancel, run_retry, runs_apply
from .errors import ActionForbidden, DefinitionInvalid, EditConflict, ParametersInvalid, ServiceError
from .exchange import campaign_document, campaign_import, campaign_script, document_dumps, document_parse
from .recovery import watchdog_start, watchdog_stop
from .runs import batch_launch, launch_check, run_launch, run_operate_check
from .step_batches import step_run_execute_on_runner, step_runs_execute
from .steps import step_run_execute
from .teams import (
    member_add,
    member_remove,
    member_role_set,
    password_change,
    team_create,
    team_delete,
    team_update,
    user_create,
    user_executables_set,
)
from .test_steps import step_test_launch
from .tokens import api_token_create, api_token_revoke, login_token_create

__all__ = [
    "RunConflict",
    "run_cancel",
    "run_retry",
    "runs_apply",
    "watchdog_start",
    "watchdog_stop",
    "Action",
    "ActionForbidden",
    "DefinitionInvalid",
    "EditConflict",
    "ParametersInvalid",
    "ServiceError",
    "api_token_create",
    "api_token_revoke",
    "audit_record",
    "batch_launch",
    "campaign_create",
    "campaign_delete",
    "campaign_document",
    "campaign_fork",
    "campaign_import",
    "campaign_script",
    "campaign_update",
    "campaign_version_restore",
    "document_dumps",
    "document_parse",
    "executables_check",
    "launch_check",
    "login_token_create",
    "member_add",
    "member_remove",
    "member_role_set",
    "password_change",
    "run_launch",
    "step_test_launch",
    "run_operate_check",
    "step_run_execute",
    "step_run_execute_on_runner",
    "step_runs_execute",
    "team_create",
    "team_delete",
    "team_for_campaigns",
    "team_update",
    "user_create",
    "user_executables_set",
]
