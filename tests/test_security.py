"""Issue 10, items 5 and 7: login lockout (django-axes), the throttled password reset, the idle
session timeout, password length, request size, the attachment quota, the
Content-Security-Policy and the production settings (check --deploy, no development key)."""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from workflow.models import Attachment, ProgressReport

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Correct-horse-2026"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def clerk():
    return User.objects.create_user("clerk", email="clerk@example.gov.cn", password=PASSWORD)


def log_in(client, url, password, **extra):
    return client.post(url, {"username": "clerk", "password": password}, **extra)


# ---- login lockout --------------------------------------------------------------------------

@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_login_locks_out_after_the_failure_limit(client, clerk, settings, url_name):
    clerk.is_staff = True
    clerk.save()
    url = reverse(url_name)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, url, "wrong-password").status_code == 200  # the form, again

    locked = log_in(client, url, "wrong-password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "登录失败次数过多" in page
    assert f"{settings.AXES_COOLOFF_MINUTES} 分钟后再试" in page
    # Even the right password is refused now, from this address …
    assert log_in(client, url, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # … but not from another one (the lock is per username and address).
    other = log_in(Client(), url, PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, clerk, settings):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, url, "wrong-password")
    assert log_in(client, url, PASSWORD).status_code == 429
    later = timezone.now() + timedelta(minutes=settings.AXES_COOLOFF_MINUTES, seconds=5)
    with time_machine.travel(later, tick=False):
        assert log_in(client, url, PASSWORD).status_code == 302


def test_a_success_resets_the_count(client, clerk, settings):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, url, "wrong-password")
    assert log_in(client, url, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, url, "wrong-password").status_code == 200


# ---- password reset ---------------------------------------------------------------------------

def test_password_reset_mails_are_throttled_per_email(client, clerk, settings):
    settings.PASSWORD_RESET_PER_IP_PER_HOUR = 100
    url = reverse("password_reset")
    for _ in range(settings.PASSWORD_RESET_PER_EMAIL_PER_HOUR + 3):
        response = client.post(url, {"email": "Clerk@example.gov.cn"})
        # Past the limit the answer is the same, so it tells nobody which addresses exist.
        assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert len(mail.outbox) == settings.PASSWORD_RESET_PER_EMAIL_PER_HOUR
    assert {tuple(m.to) for m in mail.outbox} == {("clerk@example.gov.cn",)}


def test_password_reset_is_throttled_per_address(client, clerk, settings):
    url = reverse("password_reset")
    for n in range(settings.PASSWORD_RESET_PER_IP_PER_HOUR):
        assert client.post(url, {"email": f"someone{n}@example.gov.cn"}).status_code == 302
    refused = client.post(url, {"email": "clerk@example.gov.cn"})
    assert refused.status_code == 429
    assert "密码重置请求过多" in refused.content.decode()
    assert mail.outbox == []  # none of those addresses has an account, and clerk's was refused
    other = Client(REMOTE_ADDR="198.51.100.7").post(url, {"email": "clerk@example.gov.cn"})
    assert other.status_code == 302 and len(mail.outbox) == 1


def test_the_reset_counts_an_hour_then_start_again(client, clerk, settings):
    url = reverse("password_reset")
    for _ in range(settings.PASSWORD_RESET_PER_EMAIL_PER_HOUR + 1):
        client.post(url, {"email": "clerk@example.gov.cn"})
    assert len(mail.outbox) == settings.PASSWORD_RESET_PER_EMAIL_PER_HOUR
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1), tick=False):
        client.post(url, {"email": "clerk@example.gov.cn"})
    assert len(mail.outbox) == settings.PASSWORD_RESET_PER_EMAIL_PER_HOUR + 1


# ---- sessions and passwords -------------------------------------------------------------------

def test_an_idle_session_expires(client, clerk, settings):
    client.force_login(clerk)
    page = reverse("notifications:list")
    assert client.get(page).status_code == 200
    idle = timedelta(seconds=settings.SESSION_IDLE_SECONDS + 5)
    with time_machine.travel(timezone.now() + idle, tick=False):
        response = client.get(page)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_activity_keeps_the_session(client, clerk, settings):
    client.force_login(clerk)
    page = reverse("notifications:list")
    start = timezone.now()
    step = timedelta(seconds=settings.SESSION_IDLE_SECONDS * 3 // 4)
    for n in range(1, 4):  # three times three quarters of the idle span: longer than one span
        with time_machine.travel(start + n * step, tick=False):
            assert client.get(page).status_code == 200, n


def test_a_short_password_is_refused(client, clerk):
    client.force_login(clerk)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Sh0rt-pass!", "new_password2": "Sh0rt-pass!"})
    assert response.status_code == 200
    assert "密码太短，至少需要 12 个字符。" in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)


def test_the_demo_passwords_pass_the_validators():
    from workflow.management.commands.load_demo import DEMO_USERS

    for username, password, *_rest in DEMO_USERS:
        validate_password(password, User(username=username))
    with pytest.raises(ValidationError):
        validate_password("eleven-char", User(username="x"))


# ---- request size and the attachment quota ----------------------------------------------------

def test_an_oversized_anonymous_body_is_refused_unread(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y" * 2000})
    # 413 and not CSRF's 403: the body was refused before the CSRF check read it.
    assert response.status_code == 413


def test_a_logged_in_body_may_be_larger_up_to_its_own_limit(client, clerk, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.REQUEST_MAX_BYTES = 5000
    client.force_login(clerk)
    url = reverse("password_change")

    def post(size):  # a file: Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count it
        return client.post(url, {"old_password": "x",
                                 "f": SimpleUploadedFile("a.bin", b"x" * size)}).status_code

    assert post(2000) == 200
    assert post(6000) == 413


@pytest.fixture
def cast():
    from tests.cast import build_cast

    return build_cast()


def attach(cast, name, data):
    client = Client()
    client.force_login(cast.lead)
    report = ProgressReport.objects.get(task=cast.task, period=cast.period)
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    response = client.post(reverse("workflow:report-attach", args=[report.pk]),
                           {"file": upload}, follow=True)
    return [str(m) for m in response.context["messages"]]


@pytest.mark.dates
def test_the_attachment_count_per_report_is_limited(cast, settings, private_storage):
    from workflow import services

    settings.ATTACHMENTS_PER_REPORT = 2
    services.report_save(task=cast.task, period=cast.period, by=cast.lead, data={"progress": "x"})
    attach(cast, "一.pdf", PDF)
    attach(cast, "二.pdf", PDF)
    said = attach(cast, "三.pdf", PDF)
    assert Attachment.objects.count() == 2
    assert said == ["三.pdf 未能附上：这里已有 2 个附件，已达上限。"]
    stored = [p for p in (private_storage / "attachments").rglob("*") if p.is_file()]
    assert len(stored) == 2


@pytest.mark.dates
def test_the_attachments_total_size_per_report_is_limited(cast, settings):
    from workflow import services

    settings.ATTACHMENTS_TOTAL_BYTES = 2 * 1024 * 1024
    big = PDF + b"0" * (1024 * 1024)
    services.report_save(task=cast.task, period=cast.period, by=cast.lead, data={"progress": "x"})
    attach(cast, "一.pdf", big)
    said = attach(cast, "二.pdf", big)
    assert Attachment.objects.count() == 1
    assert said == ["二.pdf 未能附上：这里的附件合计将达 2.0 MB，超过总共允许的 2 MB。"]


# ---- Content-Security-Policy ------------------------------------------------------------------

def test_every_page_carries_the_policy(client, clerk):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"].startswith("'self'")
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    client.force_login(clerk)
    assert client.get(reverse("admin:index"))["Content-Security-Policy"] == policy


INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I), "inline script"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle=\"", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    """The policy allows neither; emails are not pages (their inline styles are for mail
    clients)."""
    found = []
    for path in sorted(ROOT.glob("**/templates/**/*.html")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] == ".venv" or "emails" in relative.parts:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{relative}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert found == []


# ---- production settings --------------------------------------------------------------------

def production_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST", "DJANGO_")) and k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "duban.example.gov.cn", "SITE_URL": "https://duban.example.gov.cn",
        "CSRF_TRUSTED_ORIGINS": "https://duban.example.gov.cn",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "DUBAN_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(ROOT),
    })
    env.update(extra)
    return env


def manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = manage(production_env(tmp_path, SECURE_HSTS_PRELOAD="1"),
                    "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # Without the preload opt-in, that is the one warning left (a choice left to the operator).
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 1
    assert re.findall(r"\((\S+\.W\d+)\)", result.stderr + result.stdout) == ["security.W021"]


def test_debug_off_with_the_development_key_refuses_to_start(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    for args in (["check"], ["migrate", "--check"]):
        result = manage(env, *args)
        assert result.returncode != 0
        assert "SECRET_KEY is the development key" in result.stderr
    # What gunicorn loads:
    result = subprocess.run([sys.executable, "-c", "import config.wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr


def test_production_defaults_are_https(tmp_path):
    code = ("from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, "
            "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_PROXY_SSL_HEADER)")
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings")
    del env["SECURE_PROXY_SSL_HEADER"]
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["True", "31536000", "True", "True", "None"], result.stderr


def test_the_client_address_behind_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1",
                     HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    from lib.security import client_ip

    settings.PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"  # no proxy trusted: the header is the client's
    settings.PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.7"  # what our one proxy saw; the rest is forgeable
    settings.PROXY_COUNT = 2
    assert client_ip(request) == "203.0.113.9"
    settings.PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.1"  # fewer entries than proxies: not through them
