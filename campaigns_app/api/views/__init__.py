from .auth import functions_list, me, session_login, session_logout, token_obtain
from .campaigns import CampaignViewSet
from .dashboard import dashboard_feed
from .runs import BatchViewSet, RunViewSet, step_log

__all__ = ["BatchViewSet", "CampaignViewSet", "RunViewSet", "dashboard_feed", "functions_list", "me",
           "session_login", "session_logout", "step_log", "token_obtain"]
