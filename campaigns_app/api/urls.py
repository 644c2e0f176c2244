from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import views
from .views.backends import backends_list
from .views.external_runs import ExternalRunViewSet

router = DefaultRouter()
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("runs", views.RunViewSet, basename="run")
router.register("batches", views.BatchViewSet, basename="batch")
router.register("teams", views.TeamViewSet, basename="team")
router.register("audit", views.AuditViewSet, basename="audit")
router.register("external-runs", ExternalRunViewSet, basename="external-run")

urlpatterns = [
    path("auth/token/", views.token_obtain, name="auth-token"),
    path("auth/login/", views.session_login, name="auth-login"),
    path("auth/logout/", views.session_logout, name="auth-logout"),
    path("auth/me/", views.me, name="auth-me"),
    path("auth/session/", views.session, name="auth-session"),
    path("dashboard/", views.dashboard_feed, name="dashboard"),
    path("auth/password/", views.password_change, name="auth-password"),
    path("auth/tokens/", views.tokens, name="auth-tokens"),
    path("auth/tokens/<int:token_id>/", views.token_revoke, name="auth-token-revoke"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/", views.user_rights, name="user-rights"),
    path("functions/", views.functions_list, name="functions"),
    re_path(r"^runs/(?P<run_id>[0-9]+)/steps/(?P<step>[A-Za-z0-9_-]+)/log/?$", views.step_log, name="step-log"),
    path("backends/", backends_list, name="backends"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The page and its start-up script apart, so the Content-Security-Policy needs no inline scripts.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("", include(router.urls)),
]
