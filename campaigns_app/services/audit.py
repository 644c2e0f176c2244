"""The audit trail: who did what, when, from which address.

``audit_record`` is called by every service that changes something a team
admin would want to know about.  The address comes from the request being
served (``AuditAddressMiddleware`` puts it in a context variable), so
services need no HTTP knowledge; commands and workers record none.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Any

from django.conf import settings

from ..models import AuditEntry, Campaign, Run, Team, Visibility

_current_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_address", default=None)


class Action:
    CAMPAIGN_CREATE = "campaign.create"
    CAMPAIGN_EDIT = "campaign.edit"
    CAMPAIGN_DELETE = "campaign.delete"
    CAMPAIGN_SHARE = "campaign.share"
    CAMPAIGN_FORK = "campaign.fork"
    CAMPAIGN_RESTORE = "campaign.restore"
    CAMPAIGN_IMPORT = "campaign.import"
    RUN_LAUNCH = "run.launch"
    RUN_CANCEL = "run.cancel"
    RUN_RETRY = "run.retry"
    RUN_TEST = "run.test"
    TOKEN_CREATE = "token.create"
    TOKEN_REVOKE = "token.revoke"
    PASSWORD_CHANGE = "user.password_change"
    USER_CREATE = "user.create"
    USER_CAPABILITIES = "user.capabilities"
    TEAM_CREATE = "team.create"
    TEAM_EDIT = "team.edit"
    TEAM_DELETE = "team.delete"
    MEMBER_ADD = "member.add"
    MEMBER_ROLE = "member.role"
    MEMBER_REMOVE = "member.remove"


ACTIONS = sorted(v for k, v in vars(Action).items() if k.isupper())


def request_address(meta: dict) -> str | None:
    """The client address of a request; X-Forwarded-For only behind a proxy the settings trust."""
    if getattr(settings, "STUDIO_TRUST_X_FORWARDED_FOR", False):
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return meta.get("REMOTE_ADDR") or None


@contextmanager
def audit_address(address: str | None):
    token = _current_address.set(address)
    try:
        yield
    finally:
        _current_address.reset(token)


class AuditAddressMiddleware:
    """Makes the client address of the request available to ``audit_record``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_address(request_address(request.META)):
            return self.get_response(request)


def campaign_audit_team(campaign: Campaign) -> Team | None:
    """A campaign's entries go to its team's admins only while the team can see it."""
    if campaign.team_id is None or campaign.visibility == Visibility.PRIVATE:
        return None
    return campaign.team


def audit_record(
    *,
    actor,
    action: str,
    target: Any = None,
    target_type: str | None = None,
    target_id: Any = None,
    target_repr: str | None = None,
    team: Team | None = None,
    campaign: Campaign | None = None,
    details: dict | None = None,
    address: str | None = None,
) -> AuditEntry:
    """Append one audit entry inside the caller's transaction (it rolls back with the change it records).

    ``target`` may be a model instance (its type, id and str are taken); a
    ``campaign`` gives the entry its campaign and, unless ``team`` is given,
    the team whose admins see it.
    """
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_id = target.pk if target_id is None else target_id
        target_repr = str(target) if target_repr is None else target_repr
    if campaign is not None and team is None:
        team = campaign_audit_team(campaign)
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor.get_username() if actor is not None and actor.is_authenticated else "",
        action=action,
        target_type=target_type or "",
        target_id="" if target_id is None else str(target_id),
        target_repr=(target_repr or "")[:200],
        team=team,
        about_campaign_id=campaign.pk if campaign is not None else None,
        address=address or _current_address.get(),
        details=details or {},
    )


def audit_run_record(*, actor, action: str, run: Run, details: dict) -> AuditEntry:
    """Append an audit entry about a run, named as people read it: ``run <id> of <campaign name>``."""
    return audit_record(
        actor=actor,
        action=action,
        target=run,
        target_repr=f"run {run.pk} of {run.campaign.name}",
        campaign=run.campaign,
        details=details,
    )
