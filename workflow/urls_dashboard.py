"""URLs of the supervision dashboard pages (issue 5), under /supervision/."""
from django.urls import path

from .views import dashboard

app_name = "dashboard"

urlpatterns = [
    path("plans/<int:pk>/dashboard/", dashboard.plan, name="plan"),
    path("dashboard/", dashboard.office, name="office"),
]
