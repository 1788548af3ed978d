"""In-app notifications, and the email outbox that makes delivery exactly-once in effect."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="notifications",
    )
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            # The unread count in the header.
            models.Index(fields=["recipient"], condition=Q(read_at=None),
                         name="notifications_unread"),
        ]

    def __str__(self):
        return self.text


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    SMS = "sms", _("SMS")


class ChannelEndpoint(models.Model):
    """A way to reach a person or an agency besides email: a group robot's webhook or a phone.

    Attached to a user (their own phone or robot) and/or to an owner key the caller passes —
    "agency:12" for an agency's group, since notifications knows nothing of agencies. Who at an
    agency is told is decided by workflow.recipients, which passes that key; every notification
    to the person or the agency then also goes to each active endpoint, one outbox row each.
    """

    kind = models.CharField(
        _("kind"), max_length=10,
        choices=[(c.value, c.label) for c in Channel if c != Channel.EMAIL],
    )
    name = models.CharField(_("name"), max_length=100, blank=True,
                            help_text=_("What the office calls it, e.g. the group's name."))
    # Webhook URL of a robot (its host must be in CHANNEL_WEBHOOK_HOSTS), or a phone number.
    target = models.CharField(_("webhook URL or phone number"), max_length=500)
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True,
        help_text=_("DingTalk robots with the “signature” security setting: its SEC… secret."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
        related_name="channel_endpoints", null=True, blank=True,
    )
    # The lookup of owner_enqueue (an agency's endpoints).
    owner_key = models.CharField(
        _("owner key"), max_length=100, blank=True, db_index=True,
        help_text=_("Who else it belongs to, e.g. agency:12 for the agency with id 12."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("channel endpoint")
        verbose_name_plural = _("channel endpoints")
        ordering = ["kind", "pk"]
        constraints = [
            # Exactly one owner: unowned it is never used; owned twice, an agency's event
            # would reach the same robot twice (as the agency's and as the person's).
            models.CheckConstraint(
                condition=(Q(user=None) & ~Q(owner_key="")) | (~Q(user=None) & Q(owner_key="")),
                name="notifications_endpoint_one_owner"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name or self.masked_target}"

    @property
    def masked_target(self) -> str:
        """The target without its token: a webhook's access token or key is a credential."""
        if self.kind == Channel.SMS:
            return self.target[:3] + "****" + self.target[-4:]
        return self.target.split("?", 1)[0]

    def clean(self):
        from .channels import endpoint_problems  # the rules live with the senders

        problems = endpoint_problems(self)
        if problems:
            raise ValidationError(problems)


class OutboxMessage(models.Model):
    """One email to send, written in the same transaction as the event that causes it.

    `key` is the idempotency key (recipient, kind, object, period, stage …): a unique constraint,
    so a second sweep, a beat firing twice or a retried request cannot add a second row. The
    flush (notifications/outbox.py) claims a row pending → sending with a lease, sends, and marks
    it sent; a claim whose lease expired (its worker died) is claimed again.
    """

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("outbox state", "Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Priority(models.IntegerChoices):
        NORMAL = 1, _("Normal")
        URGENT = 2, _("Urgent")  # escalations: never held back by the daily cap

    key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    # Empty for a message to an agency's group robot: it goes to the agency, not to a person.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="outbox_messages", null=True, blank=True,
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    # The robot or phone a non-email message goes to; read at send time, so a corrected
    # webhook or secret applies to the retries. Removed endpoint: the message fails.
    endpoint = models.ForeignKey(
        "ChannelEndpoint", verbose_name=_("channel endpoint"), on_delete=models.SET_NULL,
        related_name="messages", null=True, blank=True,
    )
    to_email = models.EmailField(_("to"), blank=True)
    kind = models.CharField(_("kind"), max_length=50)  # the template's name: digest, escalation…
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at"]
        indexes = [
            # The flush's claim query (outbox._due): pending and due, or sending with an expired
            # lease, oldest next_attempt_at first. Sent and failed rows (nearly all) stay out.
            models.Index(
                fields=["next_attempt_at"], condition=Q(state__in=["pending", "sending"]),
                name="notifications_outbox_due",
            ),
            # The daily cap (outbox._capped): how many emails a person got since midnight.
            models.Index(
                fields=["recipient", "sent_at"], condition=Q(state="sent"),
                name="notifications_outbox_sent",
            ),
        ]

    def __str__(self):
        return f"{self.destination}: {self.subject}"

    @property
    def destination(self) -> str:
        """Where it goes: the email address, or the endpoint (token masked)."""
        if self.channel == Channel.EMAIL:
            return self.to_email
        return str(self.endpoint) if self.endpoint else f"{self.get_channel_display()} (-)"

    @property
    def is_deferred(self) -> bool:
        """Waiting for a retry or for tomorrow's allowance, not merely queued."""
        return self.state == self.State.PENDING and self.next_attempt_at > timezone.now()


class OutboxItem(models.Model):
    """One reminder item (ReminderItem.key) and the digest that carried it.

    A sweep skips items whose key is here, so each item is mailed once whatever the number of
    sweeps; written in the same transaction as its OutboxMessage.
    """

    key = models.CharField(_("item key"), max_length=255, unique=True)
    message = models.ForeignKey(
        OutboxMessage, verbose_name=_("email"), on_delete=models.CASCADE, related_name="items"
    )
    kind = models.CharField(_("kind"), max_length=50)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder item sent")
        verbose_name_plural = _("reminder items sent")
        ordering = ["-created_at"]

    def __str__(self):
        return self.key


class SweepRun(models.Model):
    """The reminder sweep of one day: when it started and finished (notifications/catch_up.py).

    Lets the outbox flush notice a day whose 09:00 sweep never ran (beat could not reach Redis)
    and run it late rather than a day late.
    """

    day = models.DateField(_("day"), unique=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    digests = models.PositiveIntegerField(_("digests queued"), default=0)

    class Meta:
        verbose_name = _("reminder sweep")
        verbose_name_plural = _("reminder sweeps")
        ordering = ["-day"]

    def __str__(self):
        return self.day.isoformat()
