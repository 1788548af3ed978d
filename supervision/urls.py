"""The office's and leaders' read side, under /supervision/ (namespace "supervision")."""
from django.urls import path

from .views import bulletins, dashboard, lists

app_name = "supervision"

urlpatterns = [
    path("dashboard/", dashboard.office, name="office"),
    path("plans/<int:pk>/dashboard/", dashboard.plan, name="plan"),
    path("tasks/", lists.all_tasks, name="all-tasks"),
    path("plans/<int:pk>/tasks/", lists.task_list, name="tasks"),
    path("agencies/<int:pk>/", lists.scorecard, name="scorecard"),
    path("plans/<int:pk>/assessment/", lists.assessment, name="assessment"),
    path("plans/<int:pk>/assessment/weights/", lists.assessment_weights,
         name="assessment-weights"),
    path("periods/<int:pk>/bulletins/", bulletins.bulletin_list, name="bulletins"),
    path("periods/<int:pk>/bulletins/generate/", bulletins.bulletin_generate_view,
         name="bulletin-generate"),
    path("periods/<int:pk>/bulletins/<str:name>/", bulletins.bulletin_download,
         name="bulletin"),
]
