from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/leads/", views.plan_leads, name="leads"),
    path("import/", views.plan_import_upload, name="import"),
    path("import/confirm/", views.plan_import_confirm, name="import-confirm"),
]
