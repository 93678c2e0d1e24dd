"""Message workers as real processes (manage.py run_message_worker) talking to a fake Twilio."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.db import connection

from appointments.models import Appointment, Notification
from tests.factories import CaseworkerFactory, ClientFactory, TopicFactory
from tests.fakes.twilio import FakeTwilio

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 2


def worker_env(fake: FakeTwilio) -> dict[str, str]:
    db = connection.settings_dict
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{host}/{db['NAME']}",
        "SMS_BACKEND": "appointments.providers.sms.TwilioBackend",
        "TWILIO_API_BASE": fake.url,
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "TWILIO_AUTH_TOKEN": "secret",
        "TWILIO_FROM": "+4930123456",
        "REDIS_URL": "",
    }


def start_worker(fake: FakeTwilio, log: Path, *extra: str) -> subprocess.Popen:
    command = [
        sys.executable,
        "manage.py",
        "run_message_worker",
        "--batch",
        "15",
        "--lease",
        str(LEASE_SECONDS),
    ]
    # A file, not a pipe: a pipe nobody reads fills up and stalls the worker.
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 (our own command line)
            [*command, *extra], cwd=ROOT, env=worker_env(fake), stdout=output, stderr=output
        )


def create_due_reminders(count: int, *, due: datetime) -> None:
    """`count` SMS reminders due at `due`, each for an appointment of its own, bodies "reminder 0" …"""
    topic = TopicFactory()
    caseworker = CaseworkerFactory(office=topic.office, topics=[topic])
    client = ClientFactory()
    start = datetime(2027, 1, 4, 7, tzinfo=UTC)
    appointments = Appointment.objects.bulk_create(
        Appointment(
            reference=f"R{n:07d}",
            manage_token_hash="x",
            client=client,
            caseworker=caseworker,
            topic=topic,
            mode="telephone",
            start=start + timedelta(minutes=30 * n),
            end=start + timedelta(minutes=30 * n + 30),
            blocked_from=start + timedelta(minutes=30 * n),
            blocked_until=start + timedelta(minutes=30 * n + 30),
        )
        for n in range(count)
    )
    Notification.objects.bulk_create(
        Notification(
            appointment=appointment,
            kind=Notification.Kind.REMINDER,
            reminder_minutes=60,
            channel=Notification.Channel.SMS,
            recipient=client.phone,
            body=f"reminder {n}",
            due_at=due,
        )
        for n, appointment in enumerate(appointments)
    )
