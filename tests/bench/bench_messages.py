"""How late reminders leave: a burst of due reminders, two worker processes, a fake Twilio with latency."""

import statistics
import time
from datetime import UTC, datetime

import pytest

from appointments.models import Notification
from tests.bench.helpers import report
from tests.fakes.twilio import FakeTwilio
from tests.fakes.workers import create_due_reminders, start_worker

pytestmark = pytest.mark.postgres

REMINDERS = 3000
WORKERS = 2
TWILIO_LATENCY = 0.02


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def test_reminder_lateness(tmp_path):
    fake = FakeTwilio(delay=TWILIO_LATENCY)
    log = tmp_path / "workers.log"
    try:
        due = datetime.now(UTC)
        create_due_reminders(REMINDERS, due=due)
        started = time.perf_counter()
        workers = [start_worker(fake, log, "--until-idle") for _ in range(WORKERS)]
        for worker in workers:
            assert worker.wait(timeout=600) == 0, log.read_text()
        elapsed = time.perf_counter() - started
    finally:
        fake.stop()
    lateness = [request["at"] - due.timestamp() for request in fake.requests]
    assert len(lateness) == REMINDERS
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == REMINDERS
    within = sum(1 for late in lateness if late <= 60) / len(lateness)
    report(
        f"reminders: {REMINDERS} due at once, {WORKERS} workers, "
        f"Twilio answering in {TWILIO_LATENCY * 1000:.0f} ms: "
        f"{REMINDERS / elapsed:.0f} sent/s; lateness median {statistics.median(lateness):.1f} s, "
        f"p99 {percentile(lateness, 0.99):.1f} s, p99.9 {percentile(lateness, 0.999):.1f} s, "
        f"max {max(lateness):.1f} s; {within:.1%} within 60 s"
    )
