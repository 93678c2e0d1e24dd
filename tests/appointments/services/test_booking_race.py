"""Concurrent bookings race for real on PostgreSQL: exactly one wins, every other gets SlotTaken."""

import itertools
import threading
from collections import Counter
from datetime import date, time, timedelta

import pytest
from django.db import connection, connections

from appointments.exceptions import SlotTaken
from appointments.models import Appointment
from appointments.services.booking import ClientDetails, book_appointment, reschedule_appointment
from tests.factories import CaseworkerFactory, TopicFactory, UserFactory, week_of_hours
from tests.scenario import TUESDAY, at

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("now")]

RACERS = 24


def race(attempts, losing: tuple[type[Exception], ...] = (SlotTaken,)) -> Counter:
    """Run each callable in its own thread and connection, all released at once; count outcomes.

    An attempt ends "booked", "taken" (it raised one of `losing`), or with anything else, by name.
    """
    barrier = threading.Barrier(len(attempts))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(attempt):
        try:
            barrier.wait()
            attempt()
            outcome = "booked"
        except losing:
            outcome = "taken"
        except Exception as exc:  # any other outcome is the failure this test looks for
            outcome = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def assert_no_overlaps() -> None:
    booked = list(Appointment.objects.exclude(status="cancelled").order_by("caseworker_id", "blocked_from"))
    for earlier, later in itertools.pairwise(booked):
        if earlier.caseworker_id == later.caseworker_id:
            assert earlier.blocked_until <= later.blocked_from, (earlier, later)


@pytest.fixture
def staff():
    return UserFactory()


def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_many_clients_one_slot_one_winner(topic, caseworker, staff):
    def attempt(n):
        return lambda: book_appointment(
            topic=topic,
            mode="video",
            start=at(TUESDAY, "10:00"),
            client=ClientDetails(name=f"Client {n}", phone=f"0170 12345{n:02d}"),
            booked_by=staff,
        )

    outcomes = race([attempt(n) for n in range(RACERS)])
    assert outcomes == Counter({"booked": 1, "taken": RACERS - 1})
    assert Appointment.objects.count() == 1
    assert_no_overlaps()


def test_partly_overlapping_times_of_different_topics_one_winner(office, topic, caseworker, staff):
    """10:00–10:30 against 10:15–11:00: a check on equal start times alone would let both in."""
    longer = TopicFactory(office=office, duration=timedelta(minutes=45))
    caseworker.topics.add(longer)

    def attempt(n):
        chosen, start = (topic, at(TUESDAY, "10:00")) if n % 2 else (longer, at(TUESDAY, "10:15"))
        return lambda: book_appointment(
            topic=chosen,
            mode="video",
            start=start,
            client=ClientDetails(name=f"Client {n}", phone=f"0170 12345{n:02d}"),
            booked_by=staff,
        )

    outcomes = race([attempt(n) for n in range(RACERS)])
    assert outcomes == Counter({"booked": 1, "taken": RACERS - 1})
    assert Appointment.objects.count() == 1
    assert_no_overlaps()


def test_a_losing_caseworker_choice_falls_to_a_free_colleague(topic, caseworker, staff):
    """With two caseworkers free at 10:00, two of many racers get the time, one with each."""
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(colleague)

    def attempt(n):
        return lambda: book_appointment(
            topic=topic,
            mode="video",
            start=at(TUESDAY, "10:00"),
            client=ClientDetails(name=f"Client {n}", phone=f"0170 12345{n:02d}"),
            booked_by=staff,
        )

    outcomes = race([attempt(n) for n in range(RACERS)])
    assert outcomes == Counter({"booked": 2, "taken": RACERS - 2})
    assert sorted(Appointment.objects.values_list("caseworker_id", flat=True)) == sorted(
        [caseworker.pk, colleague.pk]
    )
    assert_no_overlaps()


def test_concurrent_reschedules_onto_one_time_one_winner(topic, caseworker, staff):
    appointments = [
        book_appointment(
            topic=topic,
            mode="video",
            start=at(date(2026, 12, 2 + n // 6), time(9 + (n % 6) // 2, 30 * (n % 2))),
            client=ClientDetails(name=f"Client {n}", phone=f"0170 12345{n:02d}"),
            booked_by=staff,
        ).appointment
        for n in range(12)
    ]

    outcomes = race(
        [lambda a=a: reschedule_appointment(appointment=a, start=at(TUESDAY, "10:00")) for a in appointments]
    )
    assert outcomes == Counter({"booked": 1, "taken": 11})
    assert Appointment.objects.filter(start=at(TUESDAY, "10:00")).count() == 1
    assert_no_overlaps()
