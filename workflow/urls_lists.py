"""URLs of the supervision lists pages (issue 5): task list, agency scorecard, assessment."""
from django.urls import path

from .views import lists

app_name = "lists"

urlpatterns = [
    path("plans/<int:pk>/tasks/", lists.task_list, name="tasks"),
    path("agencies/<int:pk>/", lists.scorecard, name="scorecard"),
    path("plans/<int:pk>/assessment/", lists.assessment, name="assessment"),
    path("plans/<int:pk>/assessment/weights/", lists.assessment_weights,
         name="assessment-weights"),
]
