from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from .accounts import ThrottledPasswordResetView
from .views import home

# The admin speaks as the system it manages, not as "Django administration".
admin.site.site_header = admin.site.site_title = _("Duban system administration")

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/password_reset/", ThrottledPasswordResetView.as_view(),
         name="password_reset"),  # before Django's own, which it replaces
    path("accounts/", include("django.contrib.auth.urls")),  # login, logout, password change
    path("plans/", include("tasks.urls")),  # app_name "plans"
    path("notifications/", include("notifications.urls")),
    path("api/", include("api.urls")),  # app_name "api": /api/v1/, schema and docs
    path("supervision/", include("supervision.urls")),  # app_name "supervision"
    path("", include("workflow.urls")),  # app_name "workflow"
]
