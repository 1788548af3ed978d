"""Every admin page list and form, the login, password reset and lockout pages, under the
Content-Security-Policy: the `login` fixture fails the test on any violation Chromium reports."""
import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_admin_pages_load_without_a_csp_violation(login, live_server):
    User.objects.create_superuser("root", password="pw")
    page = login("root")
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    seen = 0
    for url in urls:
        response = page.goto(f"{live_server.url}{url}")
        if response.status == 403:  # an admin that adds nothing by hand
            continue
        assert response.status == 200, url
        page.wait_for_load_state("load")
        seen += 1
    assert seen > 40, seen
    policy = page.goto(f"{live_server.url}{urls[0]}").headers["content-security-policy"]
    assert "script-src 'self'" in policy


def test_the_periodic_task_form_shows_the_crontab_in_words(login, live_server):
    """django-celery-beat's inline script, moved to static/js/periodic_task_form.js."""
    from django_celery_beat.models import CrontabSchedule

    User.objects.create_superuser("root", password="pw")
    crontab = CrontabSchedule.objects.create(minute="0", hour="9", timezone="Asia/Shanghai")
    page = login("root")
    page.goto(f"{live_server.url}{reverse('admin:django_celery_beat_periodictask_add')}")
    page.select_option("#id_crontab", str(crontab.pk))
    page.dispatch_event("#id_crontab", "change")
    assert "Translation: " in page.inner_text(".field-crontab .help")


def test_the_login_reset_and_lockout_pages_load_without_a_csp_violation(login, live_server,
                                                                        settings):
    page = login("nobody", "wrong")  # the login page, and its refusal
    page.goto(f"{live_server.url}{reverse('password_reset')}")
    page.fill("input[name=email]", "nobody@example.gov.cn")
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(reverse("password_reset_done"))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}{reverse('login')}")
        page.fill("input[name=username]", "nobody")
        page.fill("input[name=password]", "wrong")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
    assert "登录失败次数过多" in page.inner_text("#locked-out h1")
