"""Campaigns: the rules a definition must meet (``rules``), and create, edit, restore, fork, delete (``lifecycle``)."""

from .lifecycle import (
    campaign_create,
    campaign_delete,
    campaign_fork,
    campaign_touch,
    campaign_update,
    campaign_version_restore,
)
from .rules import definition_validate, executables_check, steps_backend_faults, tags_normalize, team_for_campaigns

__all__ = [
    "campaign_create",
    "campaign_delete",
    "campaign_fork",
    "campaign_touch",
    "campaign_update",
    "campaign_version_restore",
    "definition_validate",
    "executables_check",
    "steps_backend_faults",
    "tags_normalize",
    "team_for_campaigns",
]
