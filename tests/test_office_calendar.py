"""工作日历: the office enters a year's 法定节假日 and 调休 days (chinese-calendar 1.11 stops at
2026); they are kept in the database, registered into lib.workdays before the package's table,
and due dates count them. The dashboard warns while the coming year is missing. Office staff
only (the calendar is shared by every office, like the other cross-plan office pages: 403)."""
from datetime import date, datetime, time

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import StaffProfile
from lib import workdays
from lib.workdays import add_working_days, calendar_covers, is_working_day
from tasks.models import Plan
from tasks.services import plan_import
from tests.cast import OFFICE, person
from tests.seeds import seed_bytes, seed_path
from workflow.models import CalendarDay
from workflow.periods import plan_periods_set

Role = StaffProfile.Role
URL = reverse("workflow:calendar")
HOLIDAYS_2027 = "2027-01-01 元旦\n2027-02-06 至 2027-02-12 春节"
WORKDAYS_2027 = "2027-02-14 春节调休"


@pytest.fixture
def office(db):
    client = Client()
    client.force_login(person("office", OFFICE, Role.OFFICE_STAFF))
    return client


def _save(client, holidays=HOLIDAYS_2027, workdays_text=WORKDAYS_2027, year=2027):
    return client.post(URL, {"year": year, "holidays": holidays, "workdays": workdays_text})


# ---- lib.workdays: registered days, domain-free ---------------------------------------------

def test_registered_days_win_over_the_package_and_make_their_year_known():
    assert not calendar_covers(2027) and is_working_day(date(2027, 1, 1))  # a Friday
    workdays.use_extra_days(lambda: {date(2027, 1, 1): False, date(2027, 2, 14): True,
                                     date(2026, 10, 1): True}, ttl=None)
    assert calendar_covers(2027)
    assert not is_working_day(date(2027, 1, 1))
    assert is_working_day(date(2027, 2, 14))       # a Sunday worked instead
    assert is_working_day(date(2027, 1, 4))        # any other Monday
    assert is_working_day(date(2026, 10, 1))       # before the package's 国庆 holiday
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_each_test_starts_with_no_registered_day():
    """The fixture resets what the previous test registered."""
    assert not calendar_covers(2027)
    assert is_working_day(date(2027, 1, 1))


# ---- the page ------------------------------------------------------------------------------

def test_the_office_enters_2027_and_due_dates_count_it(office):
    response = _save(office)
    assert response.status_code == 302
    rows = {d.day: (d.kind, d.name) for d in CalendarDay.objects.all()}
    assert len(rows) == 1 + 7 + 1
    assert rows[date(2027, 1, 1)] == ("holiday", "元旦")
    assert rows[date(2027, 2, 9)] == ("holiday", "春节")
    assert rows[date(2027, 2, 14)] == ("workday", "春节调休")
    assert calendar_covers(2027)
    assert not is_working_day(date(2027, 1, 1)) and is_working_day(date(2027, 2, 14))
    # a quarter ending 2026-12-31, due 5 working days after: 元旦 pushes it to Friday 01-08
    plan = plan_import(data=seed_bytes("001"), source_name=seed_path("001").name).plan
    Plan.objects.filter(pk=plan.pk).update(period_end=date(2026, 12, 31))
    plan.refresh_from_db()
    [period] = plan_periods_set(plan=plan, by=person("clerk", OFFICE, Role.OFFICE_STAFF),
                                frequency="quarterly", due_working_days=5,
                                first_on=date(2026, 10, 1))
    assert period.due_on == date(2027, 1, 8)


def test_the_page_shows_the_year_as_entered_and_saving_again_replaces_it(office):
    _save(office)
    page = office.get(URL, {"year": 2027})
    assert page.context["form"].initial["holidays"] == HOLIDAYS_2027
    assert page.context["form"].initial["workdays"] == WORKDAYS_2027
    _save(office, holidays="2027-01-01 元旦", workdays_text="")
    assert list(CalendarDay.objects.values_list("day", flat=True)) == [date(2027, 1, 1)]
    assert is_working_day(date(2027, 2, 9))  # no longer a holiday


def test_a_bad_line_is_named_and_nothing_is_saved(office):
    _save(office)
    response = _save(office, holidays="2027-01-01 元旦\n2027-13-01 春节\n2026-10-01 国庆")
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "第 2 行" in errors and "2027-13-01" in errors
    assert "第 3 行" in errors and "2026-10-01" in errors
    assert CalendarDay.objects.count() == 9  # the year as it was


def test_a_day_both_holiday_and_working_day_is_refused(office):
    response = _save(office, workdays_text="2027-01-01")
    assert "2027-01-01" in " ".join(response.context["form"].non_field_errors())
    assert not CalendarDay.objects.exists()


def test_too_many_lines_are_refused_before_parsing(office):
    response = _save(office, holidays="\n".join(["2027-01-01"] * 101))
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not CalendarDay.objects.exists()


def test_access_office_only(db):
    for user in (person("reporter", "市农业农村局", Role.REPORTER),
                 person("leader", "市人民政府", Role.LEADER)):
        client = Client()
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert _save(client).status_code == 403
    assert not CalendarDay.objects.exists()
    assert Client().get(URL).status_code == 302  # to the login page
    elsewhere = Client()
    elsewhere.force_login(person("elsewhere", "某县人民政府", Role.OFFICE_STAFF))
    assert elsewhere.get(URL).status_code == 200  # one calendar for every office


def test_the_post_needs_a_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person("office", OFFICE, Role.OFFICE_STAFF))
    assert _save(client).status_code == 403
    assert not CalendarDay.objects.exists()


def test_the_page_runs_the_same_queries_for_a_few_or_many_days(office):
    _save(office, holidays="2027-01-01 元旦", workdays_text="")
    with CaptureQueriesContext(connection) as few:
        assert office.get(URL, {"year": 2027}).status_code == 200
    _save(office, holidays=HOLIDAYS_2027 + "\n2027-10-01 至 2027-10-07 国庆",
          workdays_text=WORKDAYS_2027 + "\n2027-10-09 国庆调休")
    with CaptureQueriesContext(connection) as many:
        response = office.get(URL, {"year": 2027})
    assert len(response.context["days"]) == 17
    assert len(many) == len(few)


# ---- the dashboard's warning -----------------------------------------------------------------

def test_the_dashboard_warns_while_the_coming_year_is_missing(office):
    moment = timezone.make_aware(datetime.combine(date(2026, 12, 2), time(10)))
    plan_import(data=seed_bytes("001"), source_name=seed_path("001").name)  # a plan to read
    with time_machine.travel(moment, tick=False):
        page = office.get(reverse("supervision:office"))
        assert page.context["calendar_missing"] == [2027]
        assert URL in page.content.decode()
        _save(office)
        page = office.get(reverse("supervision:office"))
        assert page.context["calendar_missing"] == []
        assert 'id="calendar-missing"' not in page.content.decode()
