"""Booked and held appointments get their call room now: rooms are made with the appointment, pages only read them."""

import secrets

from django.db import migrations


def give_rooms(apps, schema_editor):
    Appointment = apps.get_model("appointments", "Appointment")
    for appointment in Appointment.objects.filter(status__in=["booked", "held"], call_room__isnull=True).only("pk"):
        Appointment.objects.filter(pk=appointment.pk, call_room__isnull=True).update(
            call_room=secrets.token_urlsafe(24)
        )


class Migration(migrations.Migration):
    dependencies = [("appointments", "0020_call_status_choices")]

    operations = [migrations.RunPython(give_rooms, migrations.RunPython.noop)]
