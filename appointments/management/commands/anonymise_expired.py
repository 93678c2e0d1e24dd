"""manage.py anonymise_expired: anonymise personal data past each office's retention period (for cron)."""

from django.core.management.base import BaseCommand

from appointments.services.retention import anonymise_expired


class Command(BaseCommand):
    help = "Anonymise clients and appointments older than their office's retention period. Safe to repeat."

    def handle(self, *args, **options):
        count = anonymise_expired()
        self.stdout.write(f"{count} clients anonymised")
