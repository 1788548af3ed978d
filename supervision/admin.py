from django.contrib import admin

from agencies.admin import OfficeScopedAdmin

from .models import AssessmentWeights


@admin.register(AssessmentWeights)
class AssessmentWeightsAdmin(OfficeScopedAdmin):
    """The weights of the plan's assessment (考核); the page /supervision/plans/<id>/assessment/
    edits them too."""

    list_display = ["plan", "on_time", "returns", "overdue", "escalations", "indicators",
                    "overdue_cap_working_days", "updated_at"]
    raw_id_fields = ["plan"]
    plan_path = "plan"
