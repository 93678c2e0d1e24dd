"""manage.py run_message_worker: send due messages, climb the interpreter escalation ladder, expire
and remind unanswered invitations, read caseworkers' own calendars every minute (each as often as
OWN_CALENDAR_READ_MINUTES says, for at most OWN_CALENDAR_ROUND_SECONDS a round), and once an hour
anonymise what outlived the retention period and clear expired sessions."""

import signal
import time
from datetime import timedelta

from django.core.management.base import BaseCommand

from appointments.services.interpreter_escalation import escalate_interpreter_requests
from appointments.services.invitations import run_invitation_jobs
from appointments.services.outbox.worker import run_due_messages
from appointments.services.own_calendars import read_due_calendars
from appointments.services.retention import anonymise_expired, clear_expired_sessions

ESCALATION_EVERY_SECONDS = 60
RETENTION_EVERY_SECONDS = 3600


class Command(BaseCommand):
    help = (
        "Send due messages (SMS, e-mail), escalate open interpreter requests and, hourly, anonymise "
        "data past its retention period and clear expired sessions. Several may run at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=20, help="messages claimed per round")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds to wait when idle")
        parser.add_argument(
            "--lease", type=float, default=60.0, help="seconds a claim holds before others retake it"
        )
        parser.add_argument("--until-idle", action="store_true", help="stop once nothing is due")

    def handle(self, *args, batch, interval, lease, until_idle, **options):
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        next_escalation = next_retention = 0.0
        while self.running:
            if time.monotonic() >= next_escalation:
                escalate_interpreter_requests()
                run_invitation_jobs()
                read_due_calendars()
                next_escalation = time.monotonic() + ESCALATION_EVERY_SECONDS
            if time.monotonic() >= next_retention:
                # Idempotent and batched, so several workers doing it at once only repeat each other.
                anonymise_expired()
                clear_expired_sessions()
                next_retention = time.monotonic() + RETENTION_EVERY_SECONDS
            if run_due_messages(limit=batch, lease=timedelta(seconds=lease)) == 0:
                if until_idle:
                    return
                time.sleep(interval)

    def _stop(self, *_):
        self.running = False
