"""URLs of the supervision lists pages (issue 5)."""
from django.urls import path

app_name = "lists"

urlpatterns: list = [
    path  # noqa: B018  (placeholder until the views exist)
][:0]
