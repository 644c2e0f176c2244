from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("runs", views.RunViewSet, basename="run")
router.register("batches", views.BatchViewSet, basename="batch")

urlpatterns = [
    path("auth/token/", views.token_obtain, name="auth-token"),
    path("auth/login/", views.session_login, name="auth-login"),
    path("auth/logout/", views.session_logout, name="auth-logout"),
    path("auth/me/", views.me, name="auth-me"),
    path("dashboard/", views.dashboard_feed, name="dashboard"),
    path("functions/", views.functions_list, name="functions"),
    re_path(r"^runs/(?P<run_id>[0-9]+)/steps/(?P<step>[A-Za-z0-9_-]+)/log/?$", views.step_log, name="step-log"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include(router.urls)),
]
