"""The beat entries (listed and explained in notifications/tasks.py), as django_celery_beat rows
so that the office's admin can see and change them. get_or_create by name: an entry already
there — edited, disabled or rescheduled in the admin — is left exactly as it is."""
from django.db import migrations

SWEEP = "duban: daily reminder sweep"
FLUSH = "duban: outbox flush"


def create_entries(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    nine, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="9", day_of_month="*", month_of_year="*", day_of_week="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(name=SWEEP, defaults={
        "task": "notifications.tasks.sweep_reminders", "crontab": nine,
        "description": "One reminder digest per person: due soon, overdue, returned.",
    })
    five, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(name=FLUSH, defaults={
        "task": "notifications.tasks.flush_outbox", "interval": five, "expire_seconds": 300,
        "description": "Send queued emails: retries, deferred mail, mail queued while Redis "
                       "was down.",
    })
    # Signals do not run in migrations: tell a running beat that its schedule changed.
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0002_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    # Reversing leaves the entries: they may have been edited and belong to the admin by then.
    operations = [migrations.RunPython(create_entries, migrations.RunPython.noop)]
