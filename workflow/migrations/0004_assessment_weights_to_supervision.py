# AssessmentWeights now belongs to supervision (its 0001 takes over the table): forget it here
# without touching the database. The per-plan daily cap goes: the outbox's OUTBOX_DAILY_CAP is
# the one cap a person's mail has (a digest spans plans, so a per-plan cap had no effect).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('workflow', '0003_assessment_weights'),
        ('supervision', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='AssessmentWeights')],
            database_operations=[],
        ),
        migrations.RemoveField(model_name='reminderpolicy', name='daily_cap_per_person'),
    ]
