"""`manage.py send_reminders [--date YYYY-MM-DD] [--dry-run]`: the reminder sweep, then a flush.

The same sweep as the beat task (workflow.tasks.sweep_reminders); without Redis, cron runs
this once a day. Safe to repeat: items already mailed are not mailed again.
"""
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.outbox import outbox_flush
from workflow.sweep import reminders_sweep


class Command(BaseCommand):
    help = ("Queue one reminder digest per person for what is due, overdue or returned, then "
            "send the outbox. --dry-run prints who would get what and writes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to sweep for, YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true",
                            help="print the recipients and their items; write and send nothing")

    def handle(self, *args, **options):
        on_date = self._date(options["date"])
        dry_run = options["dry_run"]
        result = reminders_sweep(on_date, dry_run=dry_run, flush=False)
        heading = "Dry run: nothing written or sent." if dry_run else "Reminder sweep:"
        self.stdout.write(f"{heading} {on_date.isoformat()}")
        for digest in result.digests:
            email = digest.email or "no email"
            self.stdout.write(f"{digest.recipient.get_username()} <{email}>: "
                              f"{len(digest.items)} item(s)")
            for item in digest.items:
                self.stdout.write(f"  - [{item.stage}] {item.text}")
        if not result.digests:
            self.stdout.write("No reminders are due.")
        if result.already_sent:
            self.stdout.write(f"{result.already_sent} item(s) were mailed by an earlier sweep.")
        if dry_run:
            return
        counts = outbox_flush()
        self.stdout.write(
            f"Queued {result.messages_created} digest(s); outbox: "
            + ", ".join(f"{name} {n}" for name, n in counts.items())
        )

    @staticmethod
    def _date(value: str | None):
        if not value:
            return timezone.localdate()
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date {value!r} is not a date; use YYYY-MM-DD") from None
