"""Channels beyond email: group robots and SMS through the outbox, against a local HTTP server.

The server (http.server in a thread on 127.0.0.1) plays 企业微信, 钉钉 and the SMS gateway: it
records every call, checks 钉钉's signature as 钉钉 does, and fails calls on purpose. The
flush is the real one (outbox_flush, and the Celery task run eagerly); email goes to Django's
locmem backend as in tests/test_outbox.py.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from notifications.channels import SMS_MAX_CHARS, channel_content, dingtalk_sign, sms_text
from notifications.models import Channel, ChannelEndpoint, OutboxMessage
from notifications.outbox import message_enqueue, outbox_flush
from notifications.tasks import flush_outbox
from tests.cast import build_cast
from workflow import services
from workflow.recipients import agency_owner_key

pytestmark = pytest.mark.django_db

State = OutboxMessage.State
SECRET = "SECtest0123456789"
TOKEN = "gateway-token-1"


class Robots(ThreadingHTTPServer):
    """Records calls by path; `fail[path] = [(status, errcode), …]` answers the next calls so."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.calls: list[dict] = []
        self.fail: dict[str, list[tuple[int, int]]] = {}
        self.redirect: set[str] = set()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def delivered(self, path: str) -> list[dict]:
        return [c for c in self.calls if c["path"] == path and c["ok"]]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        server: Robots = self.server
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status, errcode = 200, 0
        with server.lock:
            queued = server.fail.get(url.path)
            if queued:
                status, errcode = queued.pop(0)
            elif url.path == "/dingtalk" and not _signed(query):
                status, errcode = 200, 310000  # 钉钉's "sign not match"
            call = {"path": url.path, "query": query, "body": body, "ok": status == 200
                    and errcode == 0, "auth": self.headers.get("Authorization"),
                    "at": timezone.now()}
            server.calls.append(call)
        if url.path in server.redirect:
            self.send_response(302)
            self.send_header("Location", f"{server.url}/elsewhere")
            self.end_headers()
            return
        reply = json.dumps({"errcode": errcode, "errmsg": "ok" if not errcode else "fail"})
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(reply.encode())


def _signed(query: dict) -> bool:
    """钉钉's check: sign = base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")), fresh."""
    timestamp = query.get("timestamp", "")
    if not timestamp.isdigit() or abs(int(timestamp) - timezone.now().timestamp() * 1000) > 3.6e6:
        return False
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    return query.get("sign") == expected  # parse_qsl has undone the urlencoding


@pytest.fixture
def robots():
    server = Robots()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def channel_settings(settings, robots, monkeypatch):
    settings.SITE_URL = "https://duban.example.gov.cn"
    settings.OUTBOX_MAX_ATTEMPTS = 6
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    settings.OUTBOX_DAILY_CAP = 3
    settings.CHANNEL_WEBHOOK_HOSTS = ["127.0.0.1"]
    settings.CHANNEL_TIMEOUT = 5
    settings.SMS_GATEWAY_URL = f"{robots.url}/sms"
    settings.SMS_GATEWAY_TOKEN = TOKEN
    monkeypatch.setattr(flush_outbox, "delay", lambda *a, **kw: None)  # no broker here


def person(username: str, email: str | None = None) -> User:
    return User.objects.create_user(
        username, email=f"{username}@example.gov.cn" if email is None else email)


def endpoints_for(user, robots) -> dict[str, ChannelEndpoint]:
    return {
        "wecom": ChannelEndpoint.objects.create(
            kind=Channel.WECOM, user=user, target=f"{robots.url}/wecom?key=abc"),
        "dingtalk": ChannelEndpoint.objects.create(
            kind=Channel.DINGTALK, user=user, secret=SECRET,
            target=f"{robots.url}/dingtalk?access_token=xyz"),
        "sms": ChannelEndpoint.objects.create(kind=Channel.SMS, user=user, target="13800138000"),
    }


def enqueue(user, key="instruction|k1", **context):
    context = {"task_title": "推进知识产权强市建设", "plan_title": "试点城市工作方案",
               "agency_name": "市农业农村局", "by_name": "张三", "text": "请加快进度",
               "url": "/tasks/1/", **context}
    return message_enqueue(recipient=user, key=key, template="instruction", context=context)


def due_now():
    OutboxMessage.objects.update(next_attempt_at=timezone.now())


# ---- each message once per channel ------------------------------------------------------------

def test_a_notification_goes_to_email_and_every_channel_once(robots):
    user = person("lead")
    ends = endpoints_for(user, robots)
    enqueue(user)
    enqueue(user)  # the same event again: nothing new
    rows = OutboxMessage.objects.all()
    assert sorted(rows.values_list("key", flat=True)) == sorted([
        "instruction|k1", f"instruction|k1|wecom:{ends['wecom'].pk}",
        f"instruction|k1|dingtalk:{ends['dingtalk'].pk}", f"instruction|k1|sms:{ends['sms'].pk}"])
    assert outbox_flush()["sent"] == 4
    assert outbox_flush()["sent"] == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lead@example.gov.cn"]
    [wecom] = robots.delivered("/wecom")
    assert wecom["query"] == {"key": "abc"}
    assert wecom["body"]["msgtype"] == "markdown"
    content = wecom["body"]["markdown"]["content"]
    assert "请加快进度" in content and "推进知识产权强市建设" in content
    assert content.endswith("\n[在督办系统中查看](https://duban.example.gov.cn/tasks/1/)")
    assert content.startswith("**") and "\n> 请加快进度" in content
    [ding] = robots.delivered("/dingtalk")  # arrived signed: the server checked the sign
    assert ding["query"]["access_token"] == "xyz"
    assert ding["body"]["msgtype"] == "markdown"
    assert "推进知识产权强市建设" in ding["body"]["markdown"]["title"]
    assert "请加快进度" in ding["body"]["markdown"]["text"]
    assert ding["body"]["markdown"]["text"].startswith("#### ")
    assert "[在督办系统中查看](https://duban.example.gov.cn/tasks/1/)" in ding["body"]["markdown"][
        "text"]
    [sms] = robots.delivered("/sms")
    assert sms["auth"] == f"Bearer {TOKEN}"
    assert sms["body"]["phone"] == "13800138000"
    assert len(sms["body"]["text"]) <= SMS_MAX_CHARS
    assert sms["body"]["text"].endswith("https://duban.example.gov.cn/tasks/1/")
    assert len(robots.calls) == 3  # no call failed, none repeated
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.SENT}


def test_a_person_without_email_is_still_reached_by_their_channels(robots):
    user = person("noemail", email="")
    ChannelEndpoint.objects.create(kind=Channel.SMS, user=user, target="+8613800138000")
    assert enqueue(user) is None  # no email row
    [row] = OutboxMessage.objects.all()
    assert row.channel == Channel.SMS and row.to_email == ""
    assert outbox_flush()["sent"] == 1
    assert [c["body"]["phone"] for c in robots.delivered("/sms")] == ["+8613800138000"]
    assert mail.outbox == []


def test_inactive_endpoints_and_people_get_nothing(robots):
    user = person("lead")
    ChannelEndpoint.objects.create(kind=Channel.WECOM, user=user, active=False,
                                   target=f"{robots.url}/wecom")
    enqueue(user)
    assert list(OutboxMessage.objects.values_list("channel", flat=True)) == [Channel.EMAIL]
    gone = person("gone")
    endpoints_for(gone, robots)
    gone.is_active = False
    gone.save()
    assert enqueue(gone, key="k2") is None
    assert not OutboxMessage.objects.filter(key__startswith="k2").exists()


def test_an_agency_robot_gets_each_event_once_however_many_people_are_told(robots):
    cast = build_cast()
    for user in (cast.lead, cast.head):
        user.email = f"{user.username}@example.gov.cn"
        user.save()
    agency_id = cast.lead.profile.agency_id
    robot = ChannelEndpoint.objects.create(
        kind=Channel.DINGTALK, owner_key=agency_owner_key(agency_id), secret=SECRET,
        target=f"{robots.url}/dingtalk?access_token=group")
    services.instruction_create(task=cast.task, by=cast.leader, text="请加快进度")
    emails = OutboxMessage.objects.filter(kind="instruction", channel=Channel.EMAIL)
    assert emails.filter(recipient__profile__agency_id=agency_id).count() >= 2  # lead and head
    [row] = OutboxMessage.objects.filter(endpoint=robot)
    assert row.recipient is None and row.key.endswith(f"|agency:{agency_id}|dingtalk:{robot.pk}")
    outbox_flush()
    [call] = robots.delivered("/dingtalk")
    assert "请加快进度" in call["body"]["markdown"]["text"]
    assert f"/tasks/{cast.task.pk}/" in call["body"]["markdown"]["text"]


# ---- failures, retries, the failure list ------------------------------------------------------

def test_failures_are_retried_with_the_outbox_backoff_and_arrive_once(robots):
    user = person("lead", email="")
    ends = endpoints_for(user, robots)
    robots.fail["/wecom"] = [(500, 0), (500, 0)]  # two server errors
    robots.fail["/dingtalk"] = [(200, 310000)]  # one refusal by errcode
    robots.fail["/sms"] = [(503, 0)]
    enqueue(user)
    start = timezone.now()
    assert outbox_flush() == {"sent": 0, "retried": 3, "failed": 0, "deferred": 0, "taken": 0}
    rows = {r.channel: r for r in OutboxMessage.objects.all()}
    for row in rows.values():
        assert row.state == State.PENDING and row.attempts == 1
        # base 60 s × 2^1
        assert start + timedelta(seconds=119) <= row.next_attempt_at <= (
            timezone.now() + timedelta(seconds=121))
    assert "HTTP 500" in rows["wecom"].last_error
    assert "errcode 310000" in rows["dingtalk"].last_error
    assert "HTTP 503" in rows["sms"].last_error
    assert outbox_flush()["sent"] == 0  # not due yet: nothing is called
    assert len(robots.calls) == 3
    due_now()
    start = timezone.now()
    assert outbox_flush() == {"sent": 2, "retried": 1, "failed": 0, "deferred": 0, "taken": 0}
    wecom = OutboxMessage.objects.get(endpoint=ends["wecom"])
    assert wecom.attempts == 2 and wecom.next_attempt_at >= start + timedelta(seconds=239)
    due_now()
    assert outbox_flush()["sent"] == 1
    due_now()
    assert outbox_flush()["sent"] == 0
    for path in ("/wecom", "/dingtalk", "/sms"):
        assert len(robots.delivered(path)) == 1  # each arrived exactly once
    assert [c["ok"] for c in robots.calls if c["path"] == "/wecom"] == [False, False, True]
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.SENT}


def test_a_wrong_signature_is_refused_by_the_robot_and_retried(robots):
    user = person("lead", email="")
    ChannelEndpoint.objects.create(kind=Channel.DINGTALK, user=user, secret="SECwrong",
                                   target=f"{robots.url}/dingtalk?access_token=xyz")
    enqueue(user)
    assert outbox_flush()["retried"] == 1
    assert "errcode 310000" in OutboxMessage.objects.get().last_error
    assert robots.delivered("/dingtalk") == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_dead_endpoint_ends_in_the_failure_list(robots, client):
    cast = build_cast()
    dead = ChannelEndpoint.objects.create(
        kind=Channel.WECOM, user=cast.lead, name="填报群",
        target=f"http://127.0.0.1:{_closed_port()}/wecom?key=abc")
    enqueue(cast.lead, key="instruction|dead")
    row = OutboxMessage.objects.get(endpoint=dead)
    waits = []
    for _attempt in range(6):
        due_now()
        start = timezone.now()
        outbox_flush()
        row.refresh_from_db()
        waits.append(round((row.next_attempt_at - start).total_seconds() / 60))
    assert row.state == State.FAILED and row.attempts == 6
    assert "refused" in row.last_error.lower()
    assert waits[:5] == [2, 4, 8, 16, 32]
    client.force_login(cast.office)
    page = client.get(reverse("workflow:failed-emails"))
    assert row in page.context["outbox"]
    assert "填报群" in page.content.decode()
    assert "key=abc" not in page.content.decode()  # the webhook's token is not shown


def test_a_redirect_is_not_followed(robots):
    user = person("lead", email="")
    ChannelEndpoint.objects.create(kind=Channel.WECOM, user=user, target=f"{robots.url}/wecom")
    robots.redirect.add("/wecom")
    enqueue(user)
    assert outbox_flush()["retried"] == 1
    assert "HTTP 302" in OutboxMessage.objects.get().last_error
    assert [c["path"] for c in robots.calls] == ["/wecom"]  # /elsewhere never called


def test_a_removed_or_disallowed_endpoint_fails_at_once(robots, settings):
    user = person("lead", email="")
    ends = endpoints_for(user, robots)
    enqueue(user)
    ends["sms"].delete()
    ends["wecom"].active = False
    ends["wecom"].save()
    settings.CHANNEL_WEBHOOK_HOSTS = ["oapi.dingtalk.com"]  # 127.0.0.1 no longer allowed
    assert outbox_flush()["failed"] == 3
    assert robots.calls == []


def test_the_celery_task_flushes_the_channels(robots):
    user = person("lead", email="")
    endpoints_for(user, robots)
    enqueue(user)
    assert flush_outbox.apply().get()["sent"] == 3


# ---- text per channel -------------------------------------------------------------------------

def test_an_sms_is_at_most_70_characters_with_the_whole_link():
    content = channel_content("instruction", {"url": "/tasks/12345/", "text": "x" * 500},
                              "[督办] 领导批示:" + "推进知识产权强市建设" * 10)
    text = sms_text(content)
    assert len(text) == SMS_MAX_CHARS
    assert text.endswith(" https://duban.example.gov.cn/tasks/12345/")
    assert text.startswith("[督办] 领导批示:推进") and "…" in text
    short = sms_text(channel_content("instruction", {"url": "/tasks/1/"}, "[督办] 短"))
    assert short == "[督办] 短 https://duban.example.gov.cn/tasks/1/"


def test_a_digest_lists_its_items_with_their_links_in_markdown(robots):
    user = person("lead", email="")
    ChannelEndpoint.objects.create(kind=Channel.WECOM, user=user, target=f"{robots.url}/wecom")
    message_enqueue(recipient=user, key="digest|x", template="digest", context={
        "recipient_name": "lead", "total": 2, "more": [],
        "items": [{"text": "任务一 overdue", "kind_label": "逾期",
                   "link": "https://duban.example.gov.cn/tasks/1/"},
                  {"text": "任务二 *due*", "kind_label": "", "link": ""}]})
    body = OutboxMessage.objects.get().body_text
    assert "> [［逾期］ 任务一 overdue](https://duban.example.gov.cn/tasks/1/)" in body
    assert "> 任务二 ＊due＊\n" in body  # user text cannot format the message


def test_the_dingtalk_sign_matches_the_documented_example():
    # urlencode(base64(HMAC-SHA256)): '+', '/' and '=' are escaped for the query string.
    sign = dingtalk_sign(SECRET, 1700000000000)
    raw = base64.b64encode(hmac.new(SECRET.encode(), f"1700000000000\n{SECRET}".encode(),
                                    hashlib.sha256).digest()).decode()
    assert urllib.parse.unquote_plus(sign) == raw
    assert all(ch not in sign for ch in "+/=")


# ---- endpoints and their admin ----------------------------------------------------------------

def test_an_endpoint_must_have_one_owner_an_allowed_host_and_a_phone(settings):
    user = person("lead")
    settings.CHANNEL_WEBHOOK_HOSTS = ["qyapi.weixin.qq.com"]
    bad_host = ChannelEndpoint(kind=Channel.WECOM, user=user, target="http://10.0.0.5/admin")
    with pytest.raises(ValidationError) as error:
        bad_host.full_clean()
    assert "target" in error.value.message_dict
    both = ChannelEndpoint(kind=Channel.SMS, user=user, owner_key="agency:1",
                           target="13800138000")
    with pytest.raises(ValidationError) as error:
        both.full_clean()
    assert "owner_key" in error.value.message_dict
    with pytest.raises(ValidationError):
        ChannelEndpoint(kind=Channel.SMS, user=user, target="call me").full_clean()
    ChannelEndpoint(kind=Channel.WECOM, owner_key="agency:12",
                    target="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k").full_clean()


def test_the_admin_lists_endpoints_without_their_tokens_and_keeps_the_secret(client, robots):
    admin = User.objects.create_superuser("admin", password="x")
    endpoint = ChannelEndpoint.objects.create(
        kind=Channel.DINGTALK, owner_key="agency:3", name="农业局群", secret=SECRET,
        target=f"{robots.url}/dingtalk?access_token=topsecret")
    client.force_login(admin)
    listing = client.get(reverse("admin:notifications_channelendpoint_changelist"))
    assert listing.status_code == 200 and "农业局群" in listing.content.decode()
    assert "topsecret" not in listing.content.decode()
    change = reverse("admin:notifications_channelendpoint_change", args=[endpoint.pk])
    page = client.get(change)
    assert page.status_code == 200 and SECRET not in page.content.decode()
    response = client.post(change, {"kind": "dingtalk", "name": "农业局群", "secret": "",
                                    "target": endpoint.target, "owner_key": "agency:3",
                                    "active": "on"})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret == SECRET  # an empty field keeps it
    enqueue(person("lead", email=""), key="instruction|adm")  # no row: lead has no endpoint
    ChannelEndpoint.objects.create(kind=Channel.SMS, user=User.objects.get(username="lead"),
                                   target="13800138000")
    enqueue(User.objects.get(username="lead"), key="instruction|adm2")
    row = OutboxMessage.objects.get(channel=Channel.SMS)
    outbox = client.get(reverse("admin:notifications_outboxmessage_changelist") + "?channel=sms")
    assert outbox.status_code == 200 and "138****8000" in outbox.content.decode()
    assert client.get(reverse("admin:notifications_outboxmessage_change",
                              args=[row.pk])).status_code == 200
    client.force_login(User.objects.get(username="lead"))
    assert client.get(reverse("admin:notifications_channelendpoint_changelist")).status_code == 302


def test_office_staff_of_the_demo_may_manage_endpoints():
    from workflow.management.commands.load_demo import Command

    group = Command._admin_group()
    codenames = set(group.permissions.filter(content_type__app_label="notifications")
                    .values_list("codename", flat=True))
    assert codenames == {"add_channelendpoint", "change_channelendpoint",
                         "delete_channelendpoint", "view_channelendpoint"}
