from django.contrib import admin
from django.urls import include, path

from tasks.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),  # login, logout, password change
    path("plans/", include("tasks.urls")),  # app_name "plans"
    path("notifications/", include("notifications.urls")),
    path("supervision/", include("workflow.urls_dashboard")),  # app_name "dashboard"
    path("supervision/", include("workflow.urls_lists")),  # app_name "lists"
    path("supervision/", include("workflow.urls_bulletins")),  # app_name "bulletins"
    path("", include("workflow.urls")),  # app_name "workflow"
]
