"""The office's settings for its read side: the assessment's weights per plan."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from tasks.models import Plan


class AssessmentWeights(models.Model):
    """The weights the office gives each part of an agency's score in a plan
    (supervision.assessment).

    A score is the weighted sum of components between 0 and 1, out of the sum of the weights.
    """

    plan = models.OneToOneField(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="assessment_weights"
    )
    on_time = models.PositiveSmallIntegerField(_("weight: reports submitted on time"), default=40)
    returns = models.PositiveSmallIntegerField(_("weight: reports not returned"), default=20)
    overdue = models.PositiveSmallIntegerField(_("weight: no overdue working days"), default=20)
    escalations = models.PositiveSmallIntegerField(_("weight: no escalations"), default=10)
    indicators = models.PositiveSmallIntegerField(_("weight: indicator attainment"), default=10)
    overdue_cap_working_days = models.PositiveSmallIntegerField(
        _("overdue working days that cost the whole overdue weight"), default=10,
        help_text=_("A report this many working days late (or more) scores 0 on punctuality."),
    )
    extended_on_time = models.BooleanField(
        _("a report on time by an accepted extension counts as on time"), default=True,
        help_text=_("Untick to count it as late (without overdue working days)."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("assessment weights")
        verbose_name_plural = _("assessment weights")

    def __str__(self):
        return str(self.plan)


class BulletinIssue(models.Model):
    """A bulletin's 期号: 第N期, numbered per issuing office (发文机关) and year.

    One issue per reporting period: generating the period's bulletin again brings its figures
    up to date under the same number (supervision.bulletins.bulletin_issue)."""

    period = models.OneToOneField(
        "workflow.ReportingPeriod", verbose_name=_("reporting period"),
        on_delete=models.CASCADE, related_name="bulletin_issue",
    )
    issuer = models.CharField(_("issuing office"), max_length=300)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("issue number"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bulletin issue")
        verbose_name_plural = _("bulletin issues")
        constraints = [
            # The numbering: bulletin_issue() takes the office's highest number of the year + 1.
            models.UniqueConstraint(fields=["issuer", "year", "number"],
                                    name="supervision_bulletin_issue_number"),
        ]

    def __str__(self):
        return f"{self.issuer} {self.year} 第{self.number}期"
