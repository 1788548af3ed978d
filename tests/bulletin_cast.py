"""A period with one report submitted on time (returned once, then verified), one late and one
missing — 市农业农村局's three lead tasks — and an indicator value; shared by the bulletin tests.

Seed 001 has 43 tasks, all with a lead agency: 41 of them are not reported at all.
"""
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from tests.cast import build_cast
from workflow.models import Assignment
from workflow.services import (
    indicator_value_set,
    report_return,
    report_save,
    report_submit,
    report_verify,
)

DUE = date(2027, 1, 8)  # a Friday
AS_OF = date(2027, 1, 15)  # 5 working days later
LEAD_AGENCY = "市农业农村局"


def at(clock, day: date) -> None:
    """Stop the clock at 10:00 on the day (clock: time-machine's fixture)."""
    clock.move_to(timezone.make_aware(datetime.combine(day, time(10))), tick=False)


def _report(cast, task, text: str):
    report = report_save(task=task, period=cast.period, by=cast.lead,
                         data={"progress": text, "completion": "in_progress"})
    return report_submit(report=report, by=cast.lead)


def build_bulletin_cast(clock):
    cast = build_cast(due_on=DUE)
    tasks = [a.task for a in Assignment.objects.filter(
        agency__name=LEAD_AGENCY, role="lead", active=True).select_related("task")
        .order_by("task__order")]
    assert len(tasks) == 3
    cast.on_time_task, cast.late_task, cast.missing_task = tasks
    indicator = cast.plan.indicators.get(seq=3)
    cast.on_time_task.indicators.add(indicator)

    at(clock, date(2027, 1, 4))
    draft = report_save(task=cast.on_time_task, period=cast.period, by=cast.lead,
                        data={"progress": "已按期推进。", "completion": "in_progress"})
    indicator_value_set(indicator=indicator, period=cast.period, by=cast.lead,
                        value=Decimal("12"))  # entered with the report, before it is sent
    on_time = report_submit(report=draft, by=cast.lead)
    report_return(report=on_time, by=cast.office, reason="请补充具体数据")
    at(clock, date(2027, 1, 6))
    on_time.refresh_from_db()
    report_save(task=cast.on_time_task, period=cast.period, by=cast.lead,
                data={"progress": "已按期推进，地理标志12件。"})
    on_time.refresh_from_db()
    report_submit(report=on_time, by=cast.lead)
    report_verify(report=on_time, by=cast.office)
    at(clock, date(2027, 1, 12))
    _report(cast, cast.late_task, "逾期报送。")
    at(clock, AS_OF)
    cast.indicator = indicator
    return cast
