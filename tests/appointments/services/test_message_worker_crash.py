"""A worker killed with SIGKILL mid-batch loses nothing and repeats at most the message in flight.

Real processes (manage.py run_message_worker) on PostgreSQL, sending through the real
twilio client to a local fake of Twilio's API, which counts what arrives.
"""

import signal
import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from appointments.models import Notification
from tests.fakes.twilio import FakeTwilio
from tests.fakes.workers import LEASE_SECONDS, create_due_reminders, start_worker

pytestmark = pytest.mark.postgres

MESSAGES = 240


@pytest.fixture
def due_reminders():
    create_due_reminders(MESSAGES, due=datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.usefixtures("due_reminders")
def test_killed_worker_sends_every_message_exactly_once_but_the_one_in_flight(tmp_path):
    fake = FakeTwilio(delay=0.01)
    log = tmp_path / "workers.log"
    try:
        victim = start_worker(fake, log)
        deadline = time.monotonic() + 60
        while len(fake.requests) < MESSAGES // 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        sent_before_crash = len(fake.requests)
        assert MESSAGES // 3 <= sent_before_crash < MESSAGES, "the worker must die mid-run"
        assert Notification.objects.filter(status=Notification.Status.SENDING).exists(), (
            "it died holding a lease"
        )

        # Two workers start after the crash; they share the rest through SKIP LOCKED and
        # take back the dead worker's messages once its lease has run out.
        time.sleep(LEASE_SECONDS + 0.5)
        survivors = [start_worker(fake, log, "--until-idle") for _ in range(2)]
        for survivor in survivors:
            assert survivor.wait(timeout=120) == 0, log.read_text()
    finally:
        fake.stop()

    per_message = Counter(request["Body"] for request in fake.requests)
    assert set(per_message) == {f"reminder {n}" for n in range(MESSAGES)}
    repeated = {body: count for body, count in per_message.items() if count > 1}
    assert sum(count - 1 for count in repeated.values()) <= 1, repeated
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == MESSAGES
    assert Notification.objects.exclude(provider_message_id__startswith="SM").count() == 0
