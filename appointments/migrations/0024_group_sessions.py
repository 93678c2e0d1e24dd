"""Group sessions: topics of that kind, the sessions, and places as appointments of a session."""

import django.db.models.deletion
from django.db import migrations, models

CONSTRAINT = "appointment_no_overlap"
OVERLAP = "EXCLUDE USING gist (caseworker_id WITH =, tstzrange(blocked_from, blocked_until, '[)') WITH &&)"


def _constraint(where: str):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE appointments_appointment DROP CONSTRAINT {CONSTRAINT}")
            schema_editor.execute(
                f"ALTER TABLE appointments_appointment ADD CONSTRAINT {CONSTRAINT} {OVERLAP} WHERE ({where})"
            )

    return apply


# A group session's places share their host's time: the session blocks it, not each place.
places_left_out = _constraint("status <> 'cancelled' AND group_session_id IS NULL")
places_counted = _constraint("status <> 'cancelled'")


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0023_own_calendars'),
    ]

    operations = [
        migrations.AddField(
            model_name='topic',
            name='group',
            field=models.BooleanField(default=False, help_text="On: clients book a place in one of the topic's group sessions, not a time of their own.", verbose_name='group session'),
        ),
        migrations.CreateModel(
            name='GroupSession',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('mode', models.CharField(choices=[('telephone', 'Telephone'), ('video', 'Video'), ('in_person', 'In person')], default='in_person', max_length=20, verbose_name='mode')),
                ('start', models.DateTimeField(verbose_name='start')),
                ('end', models.DateTimeField(verbose_name='end')),
                ('blocked_from', models.DateTimeField()),
                ('blocked_until', models.DateTimeField()),
                ('capacity', models.PositiveSmallIntegerField(default=12, verbose_name='places')),
                ('status', models.CharField(choices=[('scheduled', 'Scheduled'), ('cancelled', 'Cancelled')], default='scheduled', max_length=20, verbose_name='status')),
                ('call_room', models.CharField(editable=False, max_length=32, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('hosts', models.ManyToManyField(related_name='group_sessions', to='appointments.caseworker')),
                ('languages', models.ManyToManyField(blank=True, help_text='Languages the session is held in or interpreted into; none: German only.', related_name='+', to='appointments.language', verbose_name='languages')),
                ('topic', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='group_sessions', to='appointments.topic')),
            ],
            options={
                'verbose_name': 'group session',
                'verbose_name_plural': 'group sessions',
                'ordering': ['start'],
            },
        ),
        migrations.AddField(
            model_name='appointment',
            name='group_session',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='places', to='appointments.groupsession', verbose_name='group session'),
        ),
        migrations.AddConstraint(
            model_name='groupsession',
            constraint=models.CheckConstraint(condition=models.Q(('end__gt', models.F('start'))), name='group_session_ends_after_start'),
        ),
        migrations.AddConstraint(
            model_name='groupsession',
            constraint=models.CheckConstraint(condition=models.Q(('capacity__gte', 1)), name='group_session_has_places'),
        ),
        migrations.RunPython(places_left_out, places_counted),
    ]
