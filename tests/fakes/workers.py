"""Message workers as real processes (manage.py run_message_worker) talking to a fake Twilio."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

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
