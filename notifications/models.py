"""In-app notifications, and the email outbox that makes delivery exactly-once in effect."""
from django.conf import settings
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
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="outbox_messages",
    )
    to_email = models.EmailField(_("to"))
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
        return f"{self.to_email}: {self.subject}"

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
