"""No double booking on PostgreSQL: an exclusion constraint over each caseworker's blocked time.

Kept out of the model's Meta because SQLite cannot express it; there the booking
service's check inside an IMMEDIATE transaction does the same job.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT = "appointment_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE appointments_appointment ADD CONSTRAINT {CONSTRAINT} "
            "EXCLUDE USING gist (caseworker_id WITH =, tstzrange(blocked_from, blocked_until, '[)') WITH &&) "
            "WHERE (status <> 'cancelled')"
        )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE appointments_appointment DROP CONSTRAINT {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
