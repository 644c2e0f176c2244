from .auth import functions_list, me, session_login, session_logout, token_obtain
from .campaigns import CampaignViewSet
from .dashboard import dashboard_feed
from .runs import BatchViewSet, RunViewSet

__all__ = ["BatchViewSet", "CampaignViewSet", "dashboard_feed", "RunViewSet", "functions_list", "me", "session_login",
           "session_logout", "token_obtain"]
