# AssessmentWeights moves here from workflow (workflow 0004 forgets it): the model's state is
# created without touching the database, then its table is renamed.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tasks', '0003_task_escalation_level'),
        ('workflow', '0003_assessment_weights'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AssessmentWeights',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('on_time', models.PositiveSmallIntegerField(default=40, verbose_name='weight: reports submitted on time')),
                        ('returns', models.PositiveSmallIntegerField(default=20, verbose_name='weight: reports not returned')),
                        ('overdue', models.PositiveSmallIntegerField(default=20, verbose_name='weight: no overdue working days')),
                        ('escalations', models.PositiveSmallIntegerField(default=10, verbose_name='weight: no escalations')),
                        ('indicators', models.PositiveSmallIntegerField(default=10, verbose_name='weight: indicator attainment')),
                        ('overdue_cap_working_days', models.PositiveSmallIntegerField(default=10, help_text='A report this many working days late (or more) scores 0 on punctuality.', verbose_name='overdue working days that cost the whole overdue weight')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('plan', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='assessment_weights', to='tasks.plan', verbose_name='plan')),
                    ],
                    options={
                        'verbose_name': 'assessment weights',
                        'verbose_name_plural': 'assessment weights',
                        'db_table': 'workflow_assessmentweights',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='assessmentweights', table=None),
    ]
