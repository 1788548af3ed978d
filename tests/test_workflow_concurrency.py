"""Two people act on the same report (or plan) at once, on separate database connections.

On PostgreSQL the second UPDATE waits for the first to commit and then finds the state moved:
django-fsm-2's optimistic lock (ConcurrentTransitionMixin) turns that into StaleObject, whose
message names who changed the report and when. Nothing of the loser's attempt remains.
"""
import os
import threading
import time

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django_fsm_log.models import StateLog

from agencies.models import Agency, StaffProfile
from tasks.models import Plan
from tasks.services import plan_import, sha256_of
from tests.cast import OFFICE, build_cast, person
from tests.seeds import seed_bytes, seed_path
from workflow import services
from workflow.models import Assignment, ProgressReport
from workflow.services import staff_profile_save

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


# ---- double actions through the pages: a message naming what happened, never a 500 ----------
# The first action runs in a transaction held open until the second request is seen waiting on
# its rows (pg_stat_activity), so that the two really overlap, every time.

def wait_until_someone_waits_for_a_lock(timeout=30):
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the second request never waited for the first")


def overlap(first, second):
    """first() in a transaction kept open until second() (a request) waits on its rows; then
    first commits. Returns second's result."""
    done, release, result = threading.Event(), threading.Event(), {}

    def run_first():
        try:
            with transaction.atomic():
                first()
                done.set()
                release.wait(30)
        finally:
            done.set()
            connections.close_all()

    def run_second():
        try:
            result["value"] = second()
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            result["error"] = exc
        finally:
            connections.close_all()

    one = threading.Thread(target=run_first)
    one.start()
    assert done.wait(30)
    two = threading.Thread(target=run_second)
    two.start()
    try:
        wait_until_someone_waits_for_a_lock()
    finally:
        release.set()
        one.join(30)
        two.join(60)
    assert "error" not in result, result.get("error")
    return result["value"]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_two_first_saves_of_one_report_the_loser_keeps_its_text():
    cast = build_cast()
    url = reverse("workflow:report-save", args=[cast.task.pk])
    loser = Client()
    loser.force_login(cast.lead)  # the same reporter in a second tab

    response = overlap(
        lambda: services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                     data={"progress": "先保存的进展。"}),
        lambda: loser.post(url, {"period": cast.period.pk, "action": "save",
                                 "progress": "后保存的进展,不能丢。", "completion": "completed",
                                 "problems": "资金不足。"}, follow=True),
    )

    assert response.status_code == 200
    (said,) = messages_of(response)
    assert said.startswith("另一次保存已先完成：lead（") and "已保留在下方表单中" in said
    page = response.content.decode()
    assert 'id="report-kept"' in page
    assert ">后保存的进展,不能丢。</textarea>" in page and ">资金不足。</textarea>" in page
    assert 'value="completed" checked' in page
    assert "先保存的进展。" in page  # the saved report, shown beside the kept text
    report = ProgressReport.objects.get(task=cast.task, period=cast.period)
    assert report.progress == "先保存的进展。"
    # The kept text is shown once: the next visit shows the saved report in the form.
    again = loser.get(reverse("workflow:task", args=[cast.task.pk]) + f"?period={cast.period.pk}")
    assert 'id="report-kept"' not in again.content.decode()
    assert ">先保存的进展。</textarea>" in again.content.decode()


def test_a_plan_confirmed_twice_at_once_is_imported_once():
    office_agency = Agency.objects.create(name=OFFICE, kind="department")
    clerk = User.objects.create_user("clerk")
    staff_profile_save(user=clerk, agency=office_agency, role=StaffProfile.Role.OFFICE_STAFF)
    client = Client()
    client.force_login(clerk)
    data = seed_bytes("001")
    client.post(reverse("plans:import"),
                {"file": SimpleUploadedFile(seed_path("001").name, data), "title": ""})

    response = overlap(
        lambda: plan_import(data=data, source_name=seed_path("001").name,
                            office_agency_id=office_agency.pk, by=clerk),
        lambda: client.post(reverse("plans:import-confirm"), {"sha256": sha256_of(data)},
                            follow=True),
    )

    plan = Plan.objects.get()  # one plan, not two
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("plans:detail", args=[plan.pk])
    assert messages_of(response) == [f"该文件已导入为“{plan.title}”。"]
    assert Agency.objects.filter(name="市农业农村局").count() == 1


def test_two_dispatches_at_once_dispatch_once():
    cast_plan = plan_import(data=seed_bytes("001"), source_name=seed_path("001").name).plan
    office = person("office", OFFICE, StaffProfile.Role.OFFICE_STAFF)
    director = person("director", OFFICE, StaffProfile.Role.OFFICE_DIRECTOR)
    first, second = (Plan.objects.get(pk=cast_plan.pk) for _ in range(2))

    outcomes = race(lambda: services.plan_dispatch(plan=first, by=office, without_periods=True),
                    lambda: services.plan_dispatch(plan=second, by=director,
                                                   without_periods=True))

    losers = [o for o in outcomes if isinstance(o, services.StaleObject)]
    assert outcomes.count("ok") == 1 and len(losers) == 1, outcomes
    winner = "office" if outcomes[0] == "ok" else "director"
    assert str(losers[0]).startswith(f"该方案已由 {winner} 于 ") and "未重复派发" in str(losers[0])
    assigned = Assignment.objects.filter(task__plan=cast_plan)
    assert assigned.count() == assigned.values("task", "agency").distinct().count() > 0
    assert StateLog.objects.for_(Plan.objects.get(pk=cast_plan.pk)).count() == 1

    # Pressing the button again on the page says so too.
    client = Client()
    client.force_login(office)
    response = client.post(reverse("workflow:dispatch", args=[cast_plan.pk]), follow=True)
    assert response.status_code == 200
    assert [m for m in messages_of(response) if "未重复派发" in m]


def test_two_threads_reloading_the_same_kind_of_row_do_not_trip_the_protected_state():
    """django-fsm-2 lifts `protected` on the (shared) state field while it reloads a row and
    puts it back after. A second thread reloading meanwhile sees it lifted, so lifts nothing;
    when the first puts it back before the second writes the state it read, the second fails
    ("Direct state modification is not allowed": a 500 on 审核通过 under the load test).
    lib.fsm makes each reload one step per process. Here the first reload is held inside
    Django's refresh until the second is inside too (or, when the second must wait for the
    first, for half a second); the second then writes only once the first is done."""
    from django.db import models

    cast = build_cast()
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    first_inside, second_inside, first_done = (threading.Event(), threading.Event(),
                                               threading.Event())
    original = models.Model.refresh_from_db
    first = threading.current_thread()

    def held(self, *args, **kwargs):
        if threading.current_thread() is first:
            first_inside.set()
            second_inside.wait(timeout=0.5)
        else:
            second_inside.set()
            first_done.wait(timeout=5)
        return original(self, *args, **kwargs)

    errors = []

    def second():
        try:
            first_inside.wait(timeout=10)
            ProgressReport.objects.get(pk=report.pk).refresh_from_db()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    models.Model.refresh_from_db = held
    try:
        other = threading.Thread(target=second)
        other.start()
        report.refresh_from_db()  # the first reload
        first_done.set()
        other.join(timeout=30)
    finally:
        models.Model.refresh_from_db = original
    assert errors == []
    assert report.state == ProgressReport.State.DRAFT
