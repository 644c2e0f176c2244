from .audit import AuditViewSet
from .auth import (
    functions_list,
    me,
    password_change,
    session,
    session_login,
    session_logout,
    token_obtain,
    token_revoke,
    tokens,
)
from .campaigns import CampaignViewSet
from .dashboard import dashboard_feed
from .runs import BatchViewSet, RunViewSet, step_log
from .teams import TeamViewSet, user_rights, users

__all__ = [
    "AuditViewSet",
    "BatchViewSet",
    "CampaignViewSet",
    "RunViewSet",
    "TeamViewSet",
    "dashboard_feed",
    "functions_list",
    "me",
    "password_change",
    "session",
    "session_login",
    "session_logout",
    "step_log",
    "token_obtain",
    "token_revoke",
    "tokens",
    "user_rights",
    "users",
]
