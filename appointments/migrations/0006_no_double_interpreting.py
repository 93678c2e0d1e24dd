"""No interpreter in two places: an exclusion constraint over accepted assignments (PostgreSQL only)."""

from django.db import migrations

CONSTRAINT = "interpreter_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE appointments_interpreterrequest ADD CONSTRAINT {CONSTRAINT} "
            "EXCLUDE USING gist (interpreter_id WITH =, tstzrange(blocked_from, blocked_until, '[)') WITH &&) "
            "WHERE (status = 'accepted' AND interpreter_id IS NOT NULL)"
        )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE appointments_interpreterrequest DROP CONSTRAINT {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("appointments", "0005_interpreting")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
