"""/api/v1/: thin views over the pages' selectors and services.

Every object comes from api.visibility (another agency's object: 404). Every change is one call
of the service the page calls (workflow.services, workflow.attachments, workflow.escalation),
after the same lookup the page makes (tasks.selectors / workflow.selectors `*_for_user` with
write=True: a reader who may not act gets 403). A refusal of the service (WorkflowError)
answers 400 with its message, a lost race (StaleObject) 409 (api.errors).
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from agencies.models import Agency
from notifications.models import Notification
from tasks.models import Indicator, Plan, Section, Task, TaskAgency
from workflow import selectors, services
from workflow.attachments import attachment_add
from workflow.escalation import task_escalate
from workflow.models import (
    Assignment,
    Attachment,
    Contribution,
    IndicatorValue,
    ProgressReport,
    ReportingPeriod,
)

from . import filters, serializers, visibility
from .figures import office_figures, plan_figures


class ScopedMixin:
    """The queryset is the user's visible objects of one kind (api.visibility)."""

    model = None
    visible = None  # a function of api.visibility
    ordering = ("pk",)
    related = ()
    prefetch = ()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user
            return self.model.objects.none()
        return (type(self).visible(self.request.user).select_related(*self.related)
                .prefetch_related(*self.prefetch).order_by(*self.ordering))


class ReadViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    pass


def _period_of(plan_id: int, pk) -> ReportingPeriod:
    """A period of the task's plan, or 404 (the pages' rule)."""
    return get_object_or_404(ReportingPeriod, pk=pk, plan_id=plan_id)


# ---- plans and their figures ------------------------------------------------------------------


class PlanViewSet(ReadViewSet):
    """Plans read whole: by their office and leaders."""

    model = Plan
    visible = visibility.plans_for
    serializer_class = serializers.PlanSerializer
    filterset_class = filters.PlanFilter
    ordering = ("-imported_at", "-pk")

    @extend_schema(responses=serializers.OfficeFiguresSerializer,
                   operation_id="v1_plans_figures_all")
    @action(detail=False, methods=["get"], url_path="figures", url_name="office-figures",
            filterset_class=None, pagination_class=None)
    def office_figures(self, request):
        """The office dashboard's figures across every plan the user reads (the office and
        leaders; anyone else: 403, as the dashboard)."""
        if not visibility.plans_for(request.user).exists():
            raise PermissionDenied
        return Response(serializers.OfficeFiguresSerializer(
            office_figures(request.user, timezone.localdate())).data)

    @extend_schema(responses=serializers.PlanFiguresSerializer)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def figures(self, request, pk=None):
        """The plan's supervision figures today: the dashboard's, from the same function."""
        plan = self.get_object()
        return Response(serializers.PlanFiguresSerializer(
            plan_figures(plan, timezone.localdate())).data)

    @extend_schema(request=serializers.DispatchRequestSerializer,
                   responses=serializers.DispatchOutcomeSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch",
            filterset_class=None)
    def dispatch_plan(self, request, pk=None):  # not `dispatch`: that is the view's entry
        """派发 (the office): one assignment per task and agency; refused while a task lacks a
        lead agency (the message lists them)."""
        plan = selectors.plan_for_user(request.user, self.get_object().pk, write=True)
        asked = serializers.DispatchRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        outcome = services.plan_dispatch(
            plan=plan, by=request.user, without_periods=asked.validated_data["without_periods"])
        return Response(serializers.DispatchOutcomeSerializer(
            {"assignments": outcome.assignments, "empty_groups": outcome.empty_groups}).data)


class SectionViewSet(ReadViewSet):
    model = Section
    visible = visibility.sections_for
    serializer_class = serializers.SectionSerializer
    filterset_class = filters.SectionFilter
    ordering = ("plan_id", "order", "pk")


class TaskViewSet(ReadViewSet):
    model = Task
    visible = visibility.tasks_for
    serializer_class = serializers.TaskSerializer
    filterset_class = filters.TaskFilter
    ordering = ("plan_id", "order", "pk")
    prefetch = (Prefetch("agency_links", queryset=TaskAgency.objects.order_by("order", "pk")),
                "group_links__group")

    def _writable(self) -> Task:
        task = self.get_object()
        return selectors.task_for_user(self.request.user, task.pk, write=True)

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.TaskSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def reopen(self, request, pk=None):
        """重新打开 a verified task, with a reason (the office)."""
        task = self._writable()
        body = serializers.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.task_reopen(task=task, by=request.user, reason=body.validated_data["reason"])
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=serializers.EscalateSerializer,
                   responses={201: serializers.EscalationSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def escalate(self, request, pk=None):
        """催办 (kind=urge) or 督办 (kind=supervise) to the lead agency (the office)."""
        task = self._writable()
        body = serializers.EscalateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        period = _period_of(task.plan_id, data["period"]) if data.get("period") else None
        escalation = task_escalate(task=task, by=request.user, kind=data["kind"],
                                   period=period, text=data["text"])
        return Response(serializers.EscalationSerializer(escalation).data,
                        status=status.HTTP_201_CREATED)


class IndicatorViewSet(ReadViewSet):
    model = Indicator
    visible = visibility.indicators_for
    serializer_class = serializers.IndicatorSerializer
    filterset_class = filters.IndicatorFilter
    ordering = ("plan_id", "order", "pk")
    related = ("target",)


class IndicatorValueViewSet(ScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    model = IndicatorValue
    visible = visibility.indicator_values_for
    serializer_class = serializers.IndicatorValueSerializer
    filterset_class = filters.IndicatorValueFilter
    ordering = ("indicator_id", "period_id", "pk")

    @extend_schema(request=serializers.IndicatorValueSetSerializer,
                   responses={201: serializers.IndicatorValueSerializer})
    def create(self, request, *args, **kwargs):
        """Report once: the value of an indicator for a period (the lead agency of a task
        linked to it); a second value for the same period replaces the first."""
        body = serializers.IndicatorValueSetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        indicator = get_object_or_404(visibility.indicators_for(request.user),
                                      pk=data["indicator"])
        period = _period_of(indicator.plan_id, data["period"])
        entry = services.indicator_value_set(indicator=indicator, period=period,
                                             by=request.user, value=data["value"],
                                             note=data.get("note", ""))
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)


class AgencyViewSet(ReadViewSet):
    model = Agency

    visible = visibility.agencies_for
    serializer_class = serializers.AgencySerializer
    ordering = ("name", "pk")


class AssignmentViewSet(ReadViewSet):
    model = Assignment
    visible = visibility.assignments_for
    serializer_class = serializers.AssignmentSerializer
    filterset_class = filters.AssignmentFilter
    ordering = ("task_id", "role", "pk")

    @extend_schema(request=None, responses=serializers.AssignmentSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def acknowledge(self, request, pk=None):
        """签收 by the assigned agency (a second time changes nothing)."""
        assignment = self.get_object()
        if assignment.acknowledged_at is None:
            assignment = services.assignment_acknowledge(assignment=assignment, by=request.user)
        return Response(self.get_serializer(assignment).data)


class PeriodViewSet(ReadViewSet):
    model = ReportingPeriod
    visible = visibility.periods_for
    serializer_class = serializers.PeriodSerializer
    filterset_class = filters.PeriodFilter
    ordering = ("plan_id", "starts_on", "pk")


class NotificationViewSet(ReadViewSet):
    model = Notification
    visible = visibility.notifications_for
    serializer_class = serializers.NotificationSerializer
    filterset_class = filters.NotificationFilter
    ordering = ("-created_at", "-pk")


class AttachmentViewSet(ReadViewSet):
    model = Attachment
    visible = visibility.attachments_for
    serializer_class = serializers.AttachmentSerializer
    filterset_class = filters.AttachmentFilter
    ordering = ("pk",)


# ---- reports and contributions ----------------------------------------------------------------

UPLOAD = extend_schema(request={"multipart/form-data": serializers.UploadSerializer},
                       responses={201: serializers.AttachmentSerializer})


def _attach(request, owner) -> Response:
    upload = request.FILES.get("file")
    if upload is None:
        return Response({"file": [_("Choose a file to upload.")]},
                        status=status.HTTP_400_BAD_REQUEST)
    attachment = attachment_add(owner=owner, upload=upload, by=request.user)
    return Response(serializers.AttachmentSerializer(attachment).data,
                    status=status.HTTP_201_CREATED)


class ReportViewSet(ScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """填报: the lead agency saves its draft and submits it; the office verifies or returns."""

    model = ProgressReport
    visible = visibility.reports_for
    serializer_class = serializers.ReportSerializer
    filterset_class = filters.ReportFilter
    ordering = ("period__starts_on", "task__order", "pk")
    related = ("task__plan", "period")
    prefetch = ("attachments",)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _respond(self, report, code=status.HTTP_200_OK) -> Response:
        report = self.get_queryset().get(pk=report.pk)
        return Response(self.get_serializer(report).data, status=code)

    def _fields(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(request=serializers.ReportCreateSerializer,
                   responses={200: serializers.ReportSerializer,
                              201: serializers.ReportSerializer})
    def create(self, request, *args, **kwargs):
        """Save the draft of a task's report for a period (created on the first save)."""
        data = self._fields(serializers.ReportCreateSerializer)
        task = get_object_or_404(visibility.tasks_for(request.user), pk=data.pop("task"))
        period = _period_of(task.plan_id, data.pop("period"))
        existed = ProgressReport.objects.filter(task=task, period=period).exists()
        report = services.report_save(task=task, period=period, by=request.user, data=data)
        return self._respond(report, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ReportFieldsSerializer,
                   responses=serializers.ReportSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Save the draft (a draft or a returned report)."""
        report = self.get_object()
        data = self._fields(serializers.ReportFieldsSerializer)
        services.report_save(task=report.task, period=report.period, by=request.user, data=data)
        return self._respond(report)

    @extend_schema(request=None, responses=serializers.ReportSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def submit(self, request, pk=None):
        """报送: to the office, or to the agency head first when the plan asks for sign-off."""
        report = self.get_object()
        services.report_submit(report=report, by=request.user)
        return self._respond(report)

    @extend_schema(request=None, responses=serializers.ReportSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off", filterset_class=None)
    def sign_off(self, request, pk=None):
        report = self.get_object()
        services.report_sign_off(report=report, by=request.user)
        return self._respond(report)

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.ReportSerializer)
    @action(detail=True, methods=["post"], url_path="send-back", filterset_class=None)
    def send_back(self, request, pk=None):
        report = self.get_object()
        reason = self._fields(serializers.ReasonSerializer)["reason"]
        services.report_send_back(report=report, by=request.user, reason=reason)
        return self._respond(report)

    def _writable(self) -> ProgressReport:
        report = self.get_object()
        return selectors.report_for_user(self.request.user, report.pk, write=True)

    @extend_schema(request=serializers.CommentSerializer, responses=serializers.ReportSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def verify(self, request, pk=None):
        """审核通过 (the office); a report claiming completion also closes the task (办结)."""
        report = self._writable()
        comment = self._fields(serializers.CommentSerializer).get("comment", "")
        services.report_verify(report=report, by=request.user, comment=comment)
        return self._respond(report)

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.ReportSerializer)
    @action(detail=True, methods=["post"], url_path="return", filterset_class=None)
    def return_(self, request, pk=None):
        """退回 with a reason (the office); the agency is told."""
        report = self._writable()
        reason = self._fields(serializers.ReasonSerializer)["reason"]
        services.report_return(report=report, by=request.user, reason=reason)
        return self._respond(report)

    @UPLOAD
    @action(detail=True, methods=["post"], filterset_class=None,
            parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        """Attach a file (pdf, doc/docx, xls/xlsx, jpg, png, zip; checked by content)."""
        return _attach(request, self.get_object())


class ContributionViewSet(ScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """配合单位材料: a supporting agency's material, saved or submitted to the lead agency."""

    model = Contribution
    visible = visibility.contributions_for
    serializer_class = serializers.ContributionSerializer
    filterset_class = filters.ContributionFilter
    ordering = ("period_id", "task_id", "pk")
    related = ("task", "period")
    prefetch = ("attachments",)

    @extend_schema(request=serializers.ContributionSaveSerializer,
                   responses={200: serializers.ContributionSerializer})
    def create(self, request, *args, **kwargs):
        body = serializers.ContributionSaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        task = get_object_or_404(visibility.tasks_for(request.user), pk=data["task"])
        period = _period_of(task.plan_id, data["period"])
        contribution = services.contribution_save(task=task, period=period, by=request.user,
                                                  text=data["text"].strip(),
                                                  submit=data["submit"])
        return Response(self.get_serializer(self.get_queryset().get(pk=contribution.pk)).data)

    @UPLOAD
    @action(detail=True, methods=["post"], filterset_class=None,
            parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        return _attach(request, self.get_object())
