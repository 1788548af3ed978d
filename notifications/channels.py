"""Channels beyond email: 企业微信 and 钉钉 group robots, and SMS through an HTTP gateway.

The outbox (outbox.py) writes one row per message and endpoint and sends it with the same
claim, lease, backoff and failure list as an email; this module knows the rest:
- what an endpoint may be (`endpoint_problems`: robots only on CHANNEL_WEBHOOK_HOSTS, so an
  admin form cannot make the worker call an internal address; a phone that looks like one);
- the text of each channel, from the same template and context as the email
  (`channel_content`, then one formatter per channel: markdown for the robots, 70 characters
  with the link for SMS);
- the senders: a JSON POST with a timeout, no redirects followed. A non-2xx status or a robot's
  errcode other than 0 raises ChannelError, which the outbox retries with its backoff;
  EndpointGone (removed, deactivated, no longer allowed) fails the message at once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Channel

SMS_MAX_CHARS = 70  # one SMS segment of Chinese text (UCS-2)
WECOM_MAX_BYTES = 4096  # WeCom's limit on a markdown message's content
LINE_MAX_CHARS = 200
LINES_MAX = 20
REPLY_MAX_BYTES = 64 * 1024
PHONE = re.compile(r"^\+?\d{6,20}$")
OWNER_KEY = re.compile(r"^[a-z][a-z_]*:[\w-]+$")


class ChannelError(Exception):
    """The endpoint answered with a failure: retried with the outbox's backoff."""


class EndpointGone(ChannelError):
    """Nothing valid to send to any more: the message fails without further attempts."""


# ---- endpoints --------------------------------------------------------------------------------

def webhook_hosts() -> set[str]:
    return {h.strip().lower() for h in settings.CHANNEL_WEBHOOK_HOSTS if h.strip()}


def endpoint_problems(endpoint) -> dict[str, str]:
    """What is wrong with an endpoint, by field (empty: it may be used)."""
    problems = {}
    if (endpoint.user_id is None) == (not endpoint.owner_key):
        # Both would send each agency event twice to the same robot: once as the person's.
        problems["owner_key"] = _("Attach the endpoint to a person or to an owner key, "
                                  "not both and not neither.")
    elif endpoint.owner_key and not OWNER_KEY.match(endpoint.owner_key):
        problems["owner_key"] = _("An owner key looks like agency:12.")
    target = (endpoint.target or "").strip()
    if endpoint.kind == Channel.SMS:
        if not PHONE.match(target):
            problems["target"] = _("A phone number is 6 to 20 digits, optionally after a +.")
    else:
        url = urllib.parse.urlsplit(target)
        if url.scheme not in ("https", "http") or not url.hostname:
            problems["target"] = _("A robot's webhook is an https:// address.")
        elif url.hostname.lower() not in webhook_hosts():
            problems["target"] = _("Webhooks may only go to %(hosts)s (CHANNEL_WEBHOOK_HOSTS).") % {
                "hosts": ", ".join(sorted(webhook_hosts())) or "-"}
    return problems


# ---- text per channel -------------------------------------------------------------------------

@dataclass
class ChannelContent:
    """What every channel says: a title, some lines (each with an optional link), a link."""

    title: str
    link: str
    lines: list[tuple[str, str]] = field(default_factory=list)


def _one_line(text, limit: int = LINE_MAX_CHARS) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def channel_content(template: str, context: dict, subject: str) -> ChannelContent:
    """The title (the email's subject), the lines and the link of a message, from the context
    the email templates get: a digest's items, or a notice's text, task and plan."""
    link = f"{settings.SITE_URL}{context.get('url') or '/'}"
    content = ChannelContent(title=_one_line(subject, 120), link=link)
    with translation.override(settings.LANGUAGE_CODE):
        if "items" in context:  # a digest: one line per item, most urgent first
            for item in context["items"]:
                label = f"[{item['kind_label']}] " if item.get("kind_label") else ""
                content.lines.append((_one_line(label + item["text"]), item.get("link", "")))
            for group in context.get("more") or []:
                content.lines.append((_("%(label)s: %(n)s more") % {
                    "label": group["label"], "n": group["count"]}, group.get("link", "")))
        else:
            if context.get("text"):
                content.lines.append((_one_line(context["text"]), ""))
            if context.get("task_title"):
                content.lines.append((f"{_('Task')}: {_one_line(context['task_title'])}", ""))
            if context.get("plan_title"):
                content.lines.append((f"{_('Plan')}: {_one_line(context['plan_title'])}", ""))
    content.lines = content.lines[:LINES_MAX]
    return content


# Robots' markdown dialects do not reliably honour backslash escapes (企业微信 shows them), so
# the characters that would make user text a link, emphasis, code or HTML become their
# full-width forms, which read the same in Chinese text. Lines start with "> ": no heading.
_MD_INERT = str.maketrans({"[": "［", "]": "］", "*": "＊", "`": "｀", "<": "＜", ">": "＞"})


def _md(text: str) -> str:
    """Markdown-inert text: user text cannot open links or emphasis in a robot's message."""
    return text.translate(_MD_INERT)


def _md_line(text: str, link: str) -> str:
    return f"[{_md(text)}]({link})" if link else _md(text)


def wecom_markdown(content: ChannelContent) -> str:
    """企业微信 robot markdown: bold title, quoted lines, the link back; at most 4096 bytes."""
    with translation.override(settings.LANGUAGE_CODE):
        footer = f"\n[{_('Open in duban')}]({content.link})"
    text = f"**{_md(content.title)}**"
    for line, link in content.lines:
        candidate = f"{text}\n> {_md_line(line, link)}"
        if len((candidate + footer).encode()) > WECOM_MAX_BYTES:
            break
        text = candidate
    return text + footer


def dingtalk_markdown(content: ChannelContent) -> str:
    """钉钉 robot markdown (the title travels beside it): heading, quoted lines, the link."""
    with translation.override(settings.LANGUAGE_CODE):
        footer = f"[{_('Open in duban')}]({content.link})"
    lines = [f"#### {_md(content.title)}"]
    lines += [f"> {_md_line(line, link)}" for line, link in content.lines]
    return "\n\n".join([*lines, footer])


def sms_text(content: ChannelContent) -> str:
    """At most SMS_MAX_CHARS: the title cut to fit, then the link (never cut: it must work)."""
    room = SMS_MAX_CHARS - len(content.link) - 1
    if room < 2:  # SITE_URL too long for an SMS (system check duban.W023): the link alone
        return content.link[:SMS_MAX_CHARS]
    title = content.title if len(content.title) <= room else content.title[:room - 1] + "…"
    return f"{title} {content.link}"


FORMATTERS = {Channel.WECOM: wecom_markdown, Channel.DINGTALK: dingtalk_markdown,
              Channel.SMS: sms_text}


# ---- senders ----------------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would send the message somewhere nobody configured: it is an error."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _post_json(url: str, payload: dict, *, headers: dict | None = None) -> bytes:
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    try:
        with _OPENER.open(request, timeout=settings.CHANNEL_TIMEOUT) as response:
            return response.read(REPLY_MAX_BYTES)
    except urllib.error.HTTPError as exc:  # any non-2xx status, redirects included
        raise ChannelError(f"HTTP {exc.code} from {urllib.parse.urlsplit(url).hostname}") from None


def _robot_reply(body: bytes) -> None:
    """Robots answer 200 with {"errcode": 0} on success, another errcode on failure."""
    try:
        reply = json.loads(body or b"{}")
    except ValueError:
        raise ChannelError(f"the robot's reply is not JSON: {body[:100]!r}") from None
    errcode = reply.get("errcode") if isinstance(reply, dict) else None
    if errcode != 0:
        errmsg = reply.get("errmsg", "") if isinstance(reply, dict) else ""
        raise ChannelError(f"robot errcode {errcode}: {errmsg}"[:300])


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉's signature: urlencode(base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_url(webhook: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return webhook
    timestamp_ms = timestamp_ms or int(time.time() * 1000)
    joiner = "&" if "?" in webhook else "?"
    return f"{webhook}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def wecom_send(endpoint, message) -> None:
    _robot_reply(_post_json(endpoint.target.strip(), {
        "msgtype": "markdown", "markdown": {"content": message.body_text}}))


def dingtalk_send(endpoint, message) -> None:
    # Signed at send time: 钉钉 refuses a timestamp more than an hour old (a retry's).
    _robot_reply(_post_json(dingtalk_url(endpoint.target.strip(), endpoint.secret), {
        "msgtype": "markdown", "markdown": {"title": message.subject, "text": message.body_text}}))


def sms_send(endpoint, message) -> None:
    if not settings.SMS_GATEWAY_URL:
        raise EndpointGone("SMS_GATEWAY_URL is not set")
    headers = ({"Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"}
               if settings.SMS_GATEWAY_TOKEN else {})
    _post_json(settings.SMS_GATEWAY_URL, {"phone": endpoint.target.strip(),
                                          "text": message.body_text}, headers=headers)


SENDERS = {Channel.WECOM: wecom_send, Channel.DINGTALK: dingtalk_send, Channel.SMS: sms_send}


def channel_send(message) -> None:
    """Send one outbox row of a non-email channel to its endpoint, as the endpoint is now."""
    endpoint = message.endpoint
    if endpoint is None or not endpoint.active:
        raise EndpointGone("the endpoint was removed or deactivated")
    problems = endpoint_problems(endpoint)
    if problems:
        raise EndpointGone("; ".join(str(p) for p in problems.values()))
    SENDERS[endpoint.kind](endpoint, message)
