"""/api/v1/ (the resources), /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI) and
/api/redoc/ (ReDoc), both served from local static files (drf-spectacular-sidecar)."""
from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("plans", views.PlanViewSet, basename="plan")
router.register("sections", views.SectionViewSet, basename="section")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("indicator-values", views.IndicatorValueViewSet, basename="indicator-value")
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("periods", views.PeriodViewSet, basename="period")
router.register("reports", views.ReportViewSet, basename="report")
router.register("contributions", views.ContributionViewSet, basename="contribution")
router.register("attachments", views.AttachmentViewSet, basename="attachment")
router.register("notifications", views.NotificationViewSet, basename="notification")

app_name = "api"

urlpatterns = [
    path("v1/", include(router.urls)),
    # The schema and its readers describe the API, not its data: no login needed.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    # The split view serves Swagger UI's start-up script from a URL of its own: the
    # Content-Security-Policy allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema",
                                                      permission_classes=[AllowAny]), name="docs"),
    # ReDoc writes its styles into the page as it draws (styled-components): this page alone
    # allows inline styles. It shows the schema, no user data.
    path("redoc/", csp_replace({"style-src": [SELF, UNSAFE_INLINE]})(
        SpectacularRedocView.as_view(url_name="api:schema", permission_classes=[AllowAny])),
        name="redoc"),
]
