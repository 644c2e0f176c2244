from django.contrib import admin
from django.urls import include, path, re_path

from campaigns_app.views import spa_index

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("campaigns_app.api.urls")),
    # Everything else is a client-side route of the single-page app.
    re_path(r"^(?!api/|admin/|static/|ws/).*$", spa_index, name="spa"),
]
