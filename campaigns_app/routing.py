from django.urls import path

from .consumers import DashboardConsumer, RunEventsConsumer

websocket_urlpatterns = [
    path("ws/runs/<int:run_id>/", RunEventsConsumer.as_asgi()),
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
]
