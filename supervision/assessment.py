"""Assessment (考核): what each agency did per reporting period, and its score.

period_facts() reads the log and the data of one or more plans in a fixed number of queries:
for every live lead assignment and every period, whether the lead report was submitted on
time, late or is missing (and how many working days overdue), how often it was returned (退回,
from the state log), the escalations (催办 / 督办 / tiers) on the task, and for the indicators
the agency leads the attainment of their target by the period's value.

score() is a plain function of those facts and the plan's AssessmentWeights. Each component
is between 0 and 1; the score is Σ weight × component, out of the sum of the weights:

    on time      = on-time reports / reports due
    returns      = 1 − min(1, returns / reports due)
    overdue      = 1 − Σ min(working days overdue, cap) / (reports due × cap)
    escalations  = 1 − min(1, escalations / reports due)
    indicators   = mean attainment of the agency's indicators with a value (1 when none)

What an agency owed for a period, and whether it was on time, late or missing, is its lead
obligations (workflow.obligations: assigned by the due date, reassigned, co-led, completed…);
a report not yet due counts as pending and in no score.

Extensions (延期): a report on time by an accepted extension's new date counts as on time,
unless the office unticks AssessmentWeights.extended_on_time: then it counts as late, with no
overdue working days. The 督办单 (supervision slips) issued for a period are counted per agency
(`slips`), shown with the escalations they come with (each slip's 催办/督办 is one of those).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from lib.ranking import rank
from tasks.models import IndicatorLead, Target
from workflow.models import Escalation, IndicatorValue, SupervisionSlip
from workflow.obligations import LATE, ON_TIME, OVERDUE, ledger
from workflow.visibility import indicator_values_sent

from .models import AssessmentWeights

COMPONENTS = ("on_time", "returns", "overdue", "escalations", "indicators")
COMPONENT_LABELS = {
    "on_time": _("Submitted on time"), "returns": _("Returns"),
    "overdue": _("Overdue working days"), "escalations": _("Escalations"),
    "indicators": _("Indicator attainment"),
}


@dataclass
class Facts:
    """One agency in one period."""

    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0
    overdue_days: list[int] = field(default_factory=list)
    returns: int = 0
    escalations: int = 0
    extended: int = 0  # reports due under an accepted extension
    slips: int = 0  # 督办单 issued to the agency for the period
    attainment: list[Fraction] = field(default_factory=list)

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missing


@dataclass(frozen=True)
class Component:
    name: str
    weight: int
    value: Fraction
    expression: str  # how value was computed, with the facts' numbers

    @property
    def points(self) -> Fraction:
        return self.weight * self.value

    @property
    def label(self):
        return COMPONENT_LABELS[self.name]


@dataclass(frozen=True)
class Score:
    components: list[Component]
    total: Decimal
    out_of: int

    @property
    def formula(self) -> str:
        terms = " + ".join(f"{c.weight} × {_number(c.value)}" for c in self.components)
        return f"{terms} = {self.total}"


# ---- the rules ------------------------------------------------------------------------------

def _clamp(x: Fraction) -> Fraction:
    return max(Fraction(0), min(Fraction(1), x))


def _number(value: Fraction) -> str:
    """A component as a short decimal (exact when it has 4 digits or fewer)."""
    return str(_round(value, "0.0001").normalize())


def _round(value: Fraction, places: str = "0.01") -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal(places), rounding=ROUND_HALF_UP)


def attainment(*, value, target, comparator: str, baseline=None) -> Fraction | None:
    """How far a value reached its target, between 0 and 1; None when it cannot be said
    (no target value, or a target as a % change)."""
    if value is None or target is None:
        return None
    v, t = Fraction(value), Fraction(target)
    b = Fraction(baseline) if baseline is not None else None
    C = Target.Comparator
    if comparator in (C.GE, C.GT):
        if b is not None and t != b:
            return _clamp((v - b) / (t - b))
        return _clamp(v / t) if t else Fraction(int(v >= t))
    if comparator in (C.LE, C.LT):
        if b is not None and t != b:
            return _clamp((b - v) / (b - t))
        return Fraction(1) if v <= t else _clamp(t / v)
    if comparator == C.EQ:
        return Fraction(int(v == t))
    return None


def score(facts: Facts, weights: AssessmentWeights) -> Score | None:
    """The score of one agency in one period, or None when it owed no report."""
    due = facts.due
    if not due:
        return None
    cap = max(1, weights.overdue_cap_working_days)
    capped = sum(min(d, cap) for d in facts.overdue_days)
    if facts.attainment:
        ind = sum(facts.attainment, Fraction(0)) / len(facts.attainment)
        ind_text = f"{' + '.join(_number(a) for a in facts.attainment)} / {len(facts.attainment)}"
        if len(facts.attainment) == 1:
            ind_text = _number(facts.attainment[0])
    else:
        ind, ind_text = Fraction(1), str(_("1 (no indicator value)"))
    components = [
        Component("on_time", weights.on_time, Fraction(facts.on_time, due),
                  f"{facts.on_time} / {due}"),
        Component("returns", weights.returns, 1 - _clamp(Fraction(facts.returns, due)),
                  f"1 − min(1, {facts.returns} / {due})"),
        Component("overdue", weights.overdue, 1 - Fraction(capped, due * cap),
                  f"1 − {capped} / ({due} × {cap})"),
        Component("escalations", weights.escalations,
                  1 - _clamp(Fraction(facts.escalations, due)),
                  f"1 − min(1, {facts.escalations} / {due})"),
        Component("indicators", weights.indicators, ind, ind_text),
    ]
    total = _round(sum((c.points for c in components), Fraction(0)))
    return Score(components, total, sum(c.weight for c in components))


def weights_for(plan) -> AssessmentWeights:
    """The plan's weights, or the defaults (unsaved) when the office has set none."""
    return (AssessmentWeights.objects.filter(plan=plan).first()
            or AssessmentWeights(plan=plan))


# ---- reading the facts ------------------------------------------------------------------------

def period_facts(plan_ids, on_date: date | None = None, agency_id: int | None = None):
    """{(agency_id, period_id): Facts} for the plans' periods, and the periods, from the
    obligations of the lead agencies (workflow.obligations) — the same rules as every page."""
    on_date = on_date or timezone.localdate()
    book = ledger(plan_ids=plan_ids, on_date=on_date, agency_id=agency_id, returns=True)
    periods = sorted(book.periods.values(), key=lambda p: (p.due_on, p.pk))
    escalations = defaultdict(int)
    for task_id, period_id in Escalation.objects.filter(
            task_id__in={o.task_id for o in book.obligations},
            period__isnull=False).values_list("task_id", "period_id"):
        escalations[(task_id, period_id)] += 1

    strict = set(AssessmentWeights.objects.filter(plan_id__in=plan_ids, extended_on_time=False)
                 .values_list("plan_id", flat=True))
    slips = defaultdict(int)
    for key in SupervisionSlip.objects.filter(
            task_id__in={o.task_id for o in book.obligations},
            period__isnull=False).values_list("agency_id", "period_id"):
        slips[key] += 1

    facts: dict[tuple[int, int], Facts] = defaultdict(Facts)
    for ob in book.leads():
        f = facts[(ob.agency_id, ob.period.pk)]
        f.extended += ob.item.extended
        if ob.status == ON_TIME and ob.item.extended and ob.plan_id in strict:
            f.late += 1  # on time only by the extension, and the office counts that as late
            f.overdue_days.append(0)
        elif ob.status == ON_TIME:
            f.on_time += 1
        elif ob.status == LATE:
            f.late += 1
            f.overdue_days.append(ob.overdue_days)
        elif ob.status == OVERDUE:
            f.missing += 1
            f.overdue_days.append(ob.overdue_days)
        else:
            f.pending += 1
        f.returns += ob.item.returns
        f.escalations += escalations.get((ob.task_id, ob.period.pk), 0)
    for (agency, period_id), count in slips.items():
        if (agency, period_id) in facts:
            facts[(agency, period_id)].slips = count

    indicator_leads = IndicatorLead.objects.filter(indicator__plan_id__in=plan_ids)
    if agency_id is not None:
        indicator_leads = indicator_leads.filter(agency_id=agency_id)
    indicator_leads = list(indicator_leads.values_list(
        "indicator_id", "agency_id", "indicator__baseline_value", "indicator__target__value",
        "indicator__target__comparator"))
    values = defaultdict(list)
    for indicator_id, period_id, value in indicator_values_sent(IndicatorValue.objects.filter(
            indicator_id__in={row[0] for row in indicator_leads})).values_list(
            "indicator_id", "period_id", "value"):
        values[indicator_id].append((period_id, value))
    for indicator_id, agency, baseline, target, comparator in indicator_leads:
        for period_id, value in values[indicator_id]:
            reached = attainment(value=value, target=target, comparator=comparator,
                                 baseline=baseline)
            if reached is not None and (agency, period_id) in facts:
                facts[(agency, period_id)].attainment.append(reached)
    return dict(facts), periods


# ---- the ranking ------------------------------------------------------------------------------

def assessment_ranking(period, facts, weights, names: dict | None = None) -> list[dict]:
    """The ranking of one period: agencies that owed a report, best score first; equal
    scores share a rank (并列, lib.ranking). The assessment page, the scorecard and the
    bulletin all read it. `names` (agency id → name) saves the query when the caller has them."""
    if period is None:
        return []
    agency_ids = [a for (a, p) in facts if p == period.pk]
    if names is None:
        names = dict(Agency.objects.filter(pk__in=agency_ids).values_list("pk", "name"))
    rows = []
    for agency_id in agency_ids:
        result = score(facts[(agency_id, period.pk)], weights)
        if result is not None:
            rows.append({"agency_id": agency_id, "name": names.get(agency_id, ""),
                         "facts": facts[(agency_id, period.pk)], "score": result})
    rows.sort(key=lambda r: (-r["score"].total, r["name"]))
    return rank(rows, key=lambda r: r["score"].total)
