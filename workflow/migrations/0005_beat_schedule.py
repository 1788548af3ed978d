"""The reminder sweep now lives in workflow (notifications is a leaf): its beat entry points at
workflow.tasks.sweep_reminders, and the catch-up that the outbox flush used to run is its own
entry, every 5 minutes. Entries are listed and explained in workflow/tasks.py; an entry edited
in the admin keeps its schedule (only the task's dotted path is moved)."""
from django.db import migrations
from django.utils import timezone

SWEEP = "duban: daily reminder sweep"
CATCH_UP = "duban: reminder sweep catch-up"


def create_entries(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(task="notifications.tasks.sweep_reminders").update(
        task="workflow.tasks.sweep_reminders")
    five, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(name=CATCH_UP, defaults={
        "task": "workflow.tasks.sweep_catch_up", "interval": five, "expire_seconds": 300,
        "description": "Run today's reminder sweep if its 09:00 run was lost.",
    })
    # Signals do not run in migrations: tell a running beat that its schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):

    dependencies = [
        ("workflow", "0004_assessment_weights_to_supervision"),
        ("notifications", "0004_sweep_run"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    # Reversing leaves the entries: they may have been edited and belong to the admin by then.
    operations = [migrations.RunPython(create_entries, migrations.RunPython.noop)]
