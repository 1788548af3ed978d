"""单位人员: the office manages an agency's people from its own pages — who is registered and in
which role, adding a person (who is emailed a link to set the password and can then log in),
a password link, deactivating, importing people from an .xlsx with errors naming their row —
and the contacts page counts the assigned agencies nobody is registered at. Permissions
follow through permissions.staff_sync. Anyone but the office: 403; another office's agency or
person: 404."""
import io
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from agencies.models import Agency, StaffProfile
from notifications.models import OutboxMessage
from tests.cast import OFFICE, build_cast, person

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

Role = StaffProfile.Role
AGRICULTURE = "市农业农村局"  # leads the cast's task
FINANCE = "市财政局"  # assigned on seed 001, nobody registered in the cast


@pytest.fixture
def cast():
    return build_cast()


@pytest.fixture
def office(cast):
    client = Client()
    client.force_login(cast.office)
    return client


def _people_url(name):
    return reverse("workflow:agency-people", args=[Agency.objects.get(name=name).pk])


def _add(client, name=AGRICULTURE, **fields):
    data = {"name": "王小明", "email": "wang@example.cn", "phone": "13800000000",
            "post": "科长", "role": "reporter", **fields}
    return client.post(_people_url(name), data)


def _link(email) -> str:
    message = OutboxMessage.objects.filter(to_email=email, kind="password_link").latest("pk")
    return re.search(r"(/accounts/reset/\S+/)", message.body_text).group(1)


def _set_password(link, password="Duban-2026-pass!"):
    client = Client()
    form = client.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(form.request["PATH_INFO"], {"new_password1": password,
                                                   "new_password2": password})
    assert done.status_code == 302
    return password


def test_the_page_lists_the_agencys_people_and_roles(cast, office):
    response = office.get(_people_url(AGRICULTURE))
    assert response.status_code == 200
    assert {(p.user.username, p.role) for p in response.context["profiles"]} == {
        ("lead", Role.REPORTER), ("head", Role.HEAD)}


def test_adding_a_person_emails_a_link_and_they_log_in_with_the_agencys_rights(cast, office):
    response = _add(office)
    assert response.status_code == 302
    user = User.objects.get(email="wang@example.cn")
    assert user.username == "wang@example.cn" and user.last_name == "王小明"
    assert not user.has_usable_password()
    profile = user.profile
    assert (profile.agency.name, profile.role, profile.post, profile.phone) == (
        AGRICULTURE, Role.REPORTER, "科长", "13800000000")
    assert user.has_perm("tasks.report_task", cast.task)  # the agency's grants, at once
    message = OutboxMessage.objects.get(to_email="wang@example.cn")
    assert "王小明" in message.body_text and AGRICULTURE in message.body_text
    password = _set_password(_link("wang@example.cn"))
    client = Client()
    assert client.login(username="wang@example.cn", password=password)
    assert client.get(reverse("workflow:task", args=[cast.task.pk])).status_code == 200


def test_an_email_already_registered_is_refused(cast, office):
    _add(office)
    response = _add(office, name=FINANCE, email="WANG@example.cn")
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert User.objects.filter(email__iexact="wang@example.cn").count() == 1


def test_a_bad_email_is_refused(cast, office):
    response = _add(office, email="not-an-email")
    assert response.status_code == 200 and "email" in response.context["form"].errors
    assert not User.objects.filter(last_name="王小明").exists()


def test_a_password_link_lets_the_person_set_a_new_password(cast, office):
    User.objects.filter(pk=cast.lead.pk).update(email="lead@example.cn")
    response = office.post(reverse("workflow:person-reset", args=[cast.lead.pk]))
    assert response.status_code == 302
    password = _set_password(_link("lead@example.cn"), "Another-pass-2026!")
    assert Client().login(username="lead", password=password)


def test_deactivating_stops_login_and_rights_and_reactivating_restores_them(cast, office):
    url = reverse("workflow:person-active", args=[cast.lead.pk])
    office.post(url, {"active": "0"})
    lead = User.objects.get(pk=cast.lead.pk)
    assert not lead.is_active
    assert not lead.has_perm("tasks.report_task", cast.task)
    assert not Client().login(username="lead", password="pw")
    office.post(url, {"active": "1"})
    lead = User.objects.get(pk=cast.lead.pk)
    assert lead.is_active and lead.has_perm("tasks.report_task", cast.task)


def test_the_office_cannot_deactivate_itself(cast, office):
    office.post(reverse("workflow:person-active", args=[cast.office.pk]), {"active": "0"})
    assert User.objects.get(pk=cast.office.pk).is_active


def test_the_contacts_page_counts_agencies_with_nobody_registered(cast, office):
    url = reverse("workflow:contacts-missing", args=[cast.plan.pk])
    unstaffed = {a.name for a in office.get(url).context["unstaffed"]}
    assert FINANCE in unstaffed
    assert AGRICULTURE not in unstaffed and "市工业和能源局" not in unstaffed
    page = office.get(url).content.decode()
    assert 'id="agencies-without-people"' in page and _people_url(FINANCE) in page
    _add(office, name=FINANCE, email="cai@example.cn")
    after = {a.name for a in office.get(url).context["unstaffed"]}
    assert after == unstaffed - {FINANCE}


# ---- import ------------------------------------------------------------------------------------

def _xlsx(rows, header=("单位", "姓名", "职务", "手机", "邮箱", "角色")) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "people.xlsx"
    return buffer


def _import(client, buffer):
    return client.post(reverse("workflow:people-import"), {"file": buffer})


def test_importing_people_creates_them_with_their_roles_and_emails_links(cast, office):
    response = _import(office, _xlsx([
        (FINANCE, "李娜", "科员", 13900000001, "lina@example.cn", "填报人"),
        (FINANCE, "赵刚", "副局长", "13900000002", "zhao@example.cn", "单位负责人"),
        (AGRICULTURE, "孙丽", "", "", "lead@example.cn", "填报人"),
    ]))
    assert response.status_code == 302
    li = User.objects.get(email="lina@example.cn")
    assert (li.profile.agency.name, li.profile.role, li.profile.phone) == (
        FINANCE, Role.REPORTER, "13900000001")
    assert User.objects.get(email="zhao@example.cn").profile.role == Role.HEAD
    assert OutboxMessage.objects.filter(kind="password_link").count() == 3


def test_an_already_registered_email_is_left_as_it_is(cast, office):
    _add(office)
    _import(office, _xlsx([(FINANCE, "王小明", "", "", "wang@example.cn", "填报人")]))
    assert User.objects.get(email="wang@example.cn").profile.agency.name == AGRICULTURE


def test_import_errors_name_their_rows_and_nothing_is_imported(cast, office):
    response = _import(office, _xlsx([
        (FINANCE, "李娜", "科员", "13900000001", "lina@example.cn", "填报人"),
        ("市不存在局", "赵刚", "", "", "zhao@example.cn", "填报人"),
        (FINANCE, "", "", "", "bad-email", "局长"),
        (FINANCE, "周杰", "", "", "lina@example.cn", "填报人"),
    ]))
    assert response.status_code == 200
    errors = response.context["result"].errors
    assert [e.split("：")[0].split(":")[0] for e in errors] == ["第 3 行", "第 4 行", "第 5 行"]
    assert "市不存在局" in errors[0] and "bad-email" in errors[1]
    assert not User.objects.filter(email__in=["lina@example.cn", "zhao@example.cn"]).exists()


def test_an_agency_outside_the_offices_plans_is_an_error(cast, office):
    Agency.objects.create(name="某市某局")
    response = _import(office, _xlsx([("某市某局", "钱多", "", "", "qian@example.cn", "填报人")]))
    assert response.context["result"].errors
    assert not User.objects.filter(email="qian@example.cn").exists()


def test_a_file_that_is_not_a_workbook_or_lacks_a_column_is_refused(cast, office):
    fake = io.BytesIO(b"not a workbook at all")
    fake.name = "people.xlsx"
    response = _import(office, fake)
    assert response.status_code == 200 and response.context["form"].errors["file"]
    response = _import(office, _xlsx([], header=("单位", "姓名", "邮箱")))
    assert "职务" in " ".join(response.context["form"].errors["file"])


# ---- access ------------------------------------------------------------------------------------

def test_access_anyone_but_the_office_403_another_offices_agency_and_person_404(cast):
    url = _people_url(AGRICULTURE)
    for user in (cast.lead, cast.head, cast.leader):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(reverse("workflow:person-reset", args=[cast.lead.pk])).status_code \
            == 403
        assert client.get(reverse("workflow:people-import")).status_code == 403
    elsewhere = Client()
    elsewhere.force_login(person("elsewhere", "某县人民政府", Role.OFFICE_STAFF))
    assert elsewhere.get(url).status_code == 404
    assert elsewhere.post(url, {"name": "x", "email": "x@example.cn",
                                "role": "reporter"}).status_code == 404
    assert elsewhere.post(reverse("workflow:person-active", args=[cast.lead.pk]),
                          {"active": "0"}).status_code == 404
    assert User.objects.get(pk=cast.lead.pk).is_active
    assert not User.objects.filter(email="x@example.cn").exists()
    assert Client().get(url).status_code == 302


def test_changes_are_post_only_with_a_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.office)
    assert client.get(reverse("workflow:person-reset", args=[cast.lead.pk])).status_code == 405
    assert client.post(reverse("workflow:person-active", args=[cast.lead.pk]),
                       {"active": "0"}).status_code == 403
    assert User.objects.get(pk=cast.lead.pk).is_active


def test_the_page_runs_the_same_queries_for_2_or_12_people(cast, office):
    url = _people_url(AGRICULTURE)
    office.get(url)
    with CaptureQueriesContext(connection) as few:
        office.get(url)
    for n in range(10):
        person(f"extra{n}", AGRICULTURE, Role.REPORTER)
    with CaptureQueriesContext(connection) as many:
        response = office.get(url)
    assert len(response.context["profiles"]) == 12
    assert len(many) == len(few)


def test_office_roles_are_given_at_the_offices_own_agency_only(cast, office):
    response = _add(office, name=AGRICULTURE, email="fake@example.cn", role="office_staff")
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not User.objects.filter(email="fake@example.cn").exists()
    response = _import(office, _xlsx([(FINANCE, "钱多", "", "", "qian@example.cn", "办公室主任")]))
    assert response.context["result"].errors
    assert _add(office, name=OFFICE, email="colleague@example.cn",
                role="office_staff").status_code == 302
    assert User.objects.get(email="colleague@example.cn").profile.role == Role.OFFICE_STAFF
