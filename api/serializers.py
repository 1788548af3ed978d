"""What the API shows of each object, and the bodies its actions accept.

Read serializers are plain field lists over the models; the figures' serializers describe the
dashboard's output (supervision.dashboard) without computing anything."""
from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Agency
from notifications.models import Notification
from tasks.models import Indicator, Plan, Section, Target, Task, TaskAgency
from workflow.models import (
    Assignment,
    Attachment,
    Contribution,
    Escalation,
    IndicatorValue,
    ProgressReport,
    ReportingPeriod,
)

# ---- reads ------------------------------------------------------------------------------------


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "short_name", "kind", "parent", "active"]


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["id", "title", "issuer", "doc_number", "issued_on", "period_start",
                  "period_end", "state", "imported_at", "requires_signoff", "office_agency",
                  "acknowledge_within_days"]


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "plan", "parent", "order", "number", "title"]


class TaskSerializer(serializers.ModelSerializer):
    lead_agencies = serializers.SerializerMethodField()
    supporting_agencies = serializers.SerializerMethodField()
    groups = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "plan", "section", "order", "content", "deadline_on", "deadline_text",
                  "needs_lead", "source_ref", "state", "escalation_level", "lead_agencies",
                  "supporting_agencies", "groups"]

    def _agencies(self, task, role) -> list[int]:
        return [link.agency_id for link in task.agency_links.all() if link.role == role]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_lead_agencies(self, task) -> list[int]:
        return self._agencies(task, TaskAgency.Role.LEAD)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_supporting_agencies(self, task) -> list[int]:
        return self._agencies(task, TaskAgency.Role.SUPPORTING)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_groups(self, task) -> list[str]:
        """Agency groups named by the plan (…成员单位); their members are in the assignments."""
        return [link.group.name for link in task.group_links.all()]


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Target
        fields = ["value", "comparator", "kind", "text"]


class IndicatorSerializer(serializers.ModelSerializer):
    target = TargetSerializer(allow_null=True)

    class Meta:
        model = Indicator
        fields = ["id", "plan", "order", "category", "seq", "name", "unit", "baseline_value",
                  "baseline_label", "target", "attribute", "source_ref"]


class IndicatorValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorValue
        fields = ["id", "indicator", "period", "value", "note", "agency", "entered_at"]


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportingPeriod
        fields = ["id", "plan", "label", "starts_on", "ends_on", "due_on", "closed_at"]


class AssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = ["id", "task", "agency", "role", "via_group", "active", "created_at",
                  "ended_at", "end_reason", "acknowledged_at"]


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "report", "contribution", "name", "kind", "size", "uploaded_at",
                  "download_url"]

    def get_download_url(self, attachment) -> str:
        """The page's download, which checks the same rights."""
        return reverse("workflow:attachment", args=[attachment.pk])


class ReportSerializer(serializers.ModelSerializer):
    attachments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ProgressReport
        fields = ["id", "task", "period", "agency", "state", "progress", "completion",
                  "problems", "next_steps", "return_reason", "submitted_at", "late",
                  "updated_at", "attachments"]


class ContributionSerializer(serializers.ModelSerializer):
    attachments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Contribution
        fields = ["id", "task", "period", "agency", "text", "submitted_at", "updated_at",
                  "attachments"]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "text", "url", "created_at", "read_at"]


class EscalationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Escalation
        fields = ["id", "task", "period", "level", "kind", "text", "created_at"]


# ---- action bodies ----------------------------------------------------------------------------

TEXT_LIMIT = 20000  # characters of a report field or material; checked before any service runs


class ReportFieldsSerializer(serializers.Serializer):
    progress = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    completion = serializers.ChoiceField(required=False,
                                         choices=ProgressReport.Completion.choices)
    problems = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    next_steps = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)


class ReportCreateSerializer(ReportFieldsSerializer):
    task = serializers.IntegerField(min_value=1)
    period = serializers.IntegerField(min_value=1)


class ContributionSaveSerializer(serializers.Serializer):
    task = serializers.IntegerField(min_value=1)
    period = serializers.IntegerField(min_value=1)
    text = serializers.CharField(allow_blank=True, max_length=TEXT_LIMIT)
    submit = serializers.BooleanField(default=False)


class IndicatorValueSetSerializer(serializers.Serializer):
    indicator = serializers.IntegerField(min_value=1)
    period = serializers.IntegerField(min_value=1)
    # The bounds of IndicatorValue.value and of the pages' form field.
    value = serializers.DecimalField(max_digits=20, decimal_places=4)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class EscalateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Escalation.Kind.choices)
    text = serializers.CharField(max_length=2000)
    period = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class DispatchRequestSerializer(serializers.Serializer):
    without_periods = serializers.BooleanField(
        default=False, help_text="Dispatch although the plan has no reporting period: the "
        "agencies then owe no report (the plan page's tick box).")


class DispatchOutcomeSerializer(serializers.Serializer):
    assignments = serializers.IntegerField()
    empty_groups = serializers.ListField(child=serializers.CharField())


# ---- the plan's figures (supervision.dashboard.plan_dashboard) --------------------------------


class CountsSerializer(serializers.Serializer):
    due = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    overdue = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
    lights = serializers.DictField(child=serializers.IntegerField())
    report_states = serializers.DictField(child=serializers.IntegerField())


class PeriodFiguresSerializer(serializers.Serializer):
    period = serializers.IntegerField()
    label = serializers.CharField()
    due_on = serializers.DateField()
    counts = CountsSerializer()


class SectionFiguresSerializer(serializers.Serializer):
    section = serializers.IntegerField()
    name = serializers.CharField()
    tasks = serializers.IntegerField()
    verified = serializers.IntegerField()
    submitted = serializers.IntegerField()
    verified_pct = serializers.FloatField()
    submitted_pct = serializers.FloatField()


class RankingRowSerializer(serializers.Serializer):
    agency = serializers.IntegerField()
    name = serializers.CharField()
    tasks = serializers.IntegerField()
    due = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    overdue = serializers.IntegerField()
    returned = serializers.IntegerField()
    verified = serializers.IntegerField()
    escalations = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)


class IndicatorFiguresRowSerializer(serializers.Serializer):
    indicator = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)
    target = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    value = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    period = serializers.IntegerField(allow_null=True)
    verified = serializers.BooleanField()
    reached_pct = serializers.FloatField(allow_null=True)
    light = serializers.CharField()
    shared = serializers.BooleanField()


class IndicatorFiguresSerializer(serializers.Serializer):
    elapsed_pct = serializers.FloatField(allow_null=True)
    targets = serializers.IntegerField()
    lights = serializers.DictField(child=serializers.IntegerField())
    rows = IndicatorFiguresRowSerializer(many=True)


class PlanFiguresSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    on_date = serializers.DateField()
    dispatched = serializers.BooleanField()
    task_total = serializers.IntegerField()
    task_states = serializers.DictField(child=serializers.IntegerField())
    totals = CountsSerializer()
    periods = PeriodFiguresSerializer(many=True)
    sections = SectionFiguresSerializer(many=True)
    ranking = RankingRowSerializer(many=True)
    indicators = IndicatorFiguresSerializer()


class PlanSummarySerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    title = serializers.CharField()
    task_total = serializers.IntegerField()
    task_states = serializers.DictField(child=serializers.IntegerField())
    totals = CountsSerializer()


class OfficeFiguresSerializer(serializers.Serializer):
    on_date = serializers.DateField()
    task_total = serializers.IntegerField()
    task_states = serializers.DictField(child=serializers.IntegerField())
    totals = CountsSerializer()
    plans = PlanSummarySerializer(many=True)
    drafts = serializers.ListField(child=serializers.IntegerField())
    ranking = RankingRowSerializer(many=True)
