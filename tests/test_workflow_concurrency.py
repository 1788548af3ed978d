"""Two people act on the same report at once, on separate database connections.

On PostgreSQL the second UPDATE waits for the first to commit and then finds the state moved:
django-fsm-2's optimistic lock (ConcurrentTransitionMixin) turns that into StaleObject, whose
message names who changed the report and when. Nothing of the loser's attempt remains.
"""
import os
import threading

import pytest
from django.db import connection, connections
from django_fsm_log.models import StateLog

from tests.cast import build_cast
from workflow import services
from workflow.models import ProgressReport

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the concurrency tests on PostgreSQL")
        pytest.skip("real concurrent transactions need PostgreSQL (CI runs them)")


def race(*actions):
    """Run each action in its own thread and connection, released together; collect outcomes."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            action()
            outcomes[index] = "ok"
        except services.WorkflowError as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def submitted_report(cast):
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。", "completion": "completed"})
    services.report_submit(report=report, by=cast.lead)
    return report.pk


def fresh(pk):
    return ProgressReport.objects.select_related("task__plan", "period").get(pk=pk)


def test_verify_and_return_at_once_one_wins():
    cast = build_cast()
    pk = submitted_report(cast)
    first, second = fresh(pk), fresh(pk)  # both loaded while submitted
    outcomes = race(
        lambda: services.report_verify(report=first, by=cast.office),
        lambda: services.report_return(report=second, by=cast.director, reason="补充材料"),
    )
    winners = [o for o in outcomes if o == "ok"]
    losers = [o for o in outcomes if isinstance(o, services.StaleObject)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    report = fresh(pk)
    winner = cast.office if report.state == "verified" else cast.director
    assert report.state in ("verified", "returned")
    assert winner.username in str(losers[0])
    # one transition out of 'submitted' is logged, not two
    assert StateLog.objects.for_(report).filter(source_state="submitted").count() == 1


def test_double_submit_is_recorded_once():
    cast = build_cast()
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    first, second = fresh(report.pk), fresh(report.pk)
    outcomes = race(
        lambda: services.report_submit(report=first, by=cast.lead),
        lambda: services.report_submit(report=second, by=cast.head),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["StaleObject", "str"], outcomes
    assert fresh(report.pk).state == "submitted"
    assert StateLog.objects.for_(report).filter(state="submitted").count() == 1
    cast.task.refresh_from_db()
    assert StateLog.objects.for_(cast.task).count() == 1  # assigned → reporting, once
