"""Two message workers run the retention at once on PostgreSQL: each client is anonymised once."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from appointments.models import Appointment, AuditEntry, Client
from appointments.services.references import new_reference
from appointments.services.retention import ANONYMOUS_PREFIX, anonymise_expired
from tests.appointments.services.test_booking_race import race
from tests.factories import CaseworkerFactory, ClientFactory, TopicFactory

pytestmark = pytest.mark.postgres

CLIENTS = 60
WORKERS = 4
LONG_AGO = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # far beyond the default 90 days before NOW
NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def test_workers_running_the_retention_at_once_anonymise_each_client_once(monkeypatch):
    monkeypatch.setattr("appointments.services.retention.BATCH", 7)  # many batches to interleave
    topic = TopicFactory()
    caseworker = CaseworkerFactory(office=topic.office, topics=[topic])
    clients = [ClientFactory() for _ in range(CLIENTS)]
    Appointment.objects.bulk_create(
        Appointment(
            reference=new_reference(),
            manage_token_hash="x",
            client=client,
            caseworker=caseworker,
            topic=topic,
            mode="telephone",
            start=LONG_AGO + timedelta(minutes=30 * n),
            end=LONG_AGO + timedelta(minutes=30 * n + 30),
            blocked_from=LONG_AGO + timedelta(minutes=30 * n),
            blocked_until=LONG_AGO + timedelta(minutes=30 * n + 30),
            status=Appointment.Status.COMPLETED,
        )
        for n, client in enumerate(clients)
    )
    counted: list[int] = []  # list.append is atomic across threads; `+=` on a counter is not

    def worker():
        counted.append(anonymise_expired(now=NOW))

    outcomes = race([worker for _ in range(WORKERS)], losing=())

    assert outcomes == Counter({"booked": WORKERS})
    assert sum(counted) == CLIENTS
    assert Client.objects.filter(phone__startswith=ANONYMOUS_PREFIX).count() == CLIENTS
    anonymised = AuditEntry.objects.filter(action=AuditEntry.Action.ANONYMISED)
    assert anonymised.count() == CLIENTS
    assert sorted(anonymised.values_list("client_id", flat=True)) == sorted(client.pk for client in clients)
