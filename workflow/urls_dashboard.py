"""URLs of the supervision dashboard pages (issue 5)."""
from django.urls import path

app_name = "dashboard"

urlpatterns: list = [
    path  # noqa: B018  (placeholder until the views exist)
][:0]
