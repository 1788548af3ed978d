"""URLs of the supervision bulletins pages (issue 5)."""
from django.urls import path

app_name = "bulletins"

urlpatterns: list = [
    path  # noqa: B018  (placeholder until the views exist)
][:0]
