"""Clients racing for one time through the API, for real on PostgreSQL: one 201, the rest a clean 409."""

import threading
from collections import Counter

import pytest
from django.db import connections
from rest_framework.test import APIClient

from appointments.models import Appointment
from tests.appointments.api.conftest import booking_body, with_client

pytestmark = pytest.mark.postgres

RACERS = 12


def test_many_clients_one_time_one_201_and_only_409s(now, topic, caseworker):
    barrier = threading.Barrier(RACERS)
    statuses: Counter = Counter()
    lock = threading.Lock()

    def attempt(n: int) -> None:
        body = with_client(booking_body(topic), phone=f"0170 12345{n:02d}")
        client = APIClient(raise_request_exception=False)
        try:
            barrier.wait()
            response = client.post("/api/v1/bookings/", body, format="json", REMOTE_ADDR=f"192.0.2.{n}")
            outcome = (response.status_code, "detail" in response.json())
        finally:
            connections.close_all()
        with lock:
            statuses[outcome] += 1

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == {(201, False): 1, (409, True): RACERS - 1}
    assert Appointment.objects.count() == 1
