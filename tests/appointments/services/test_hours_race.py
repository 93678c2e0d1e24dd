"""Hours and closures saved at once on PostgreSQL: overlapping ones never slip in side by side."""

from collections import Counter
from datetime import time

import pytest

from appointments.exceptions import ApplicationError
from appointments.models import AvailabilityRule, ExtraHours, OfficeClosure
from appointments.services.hours import add_closure, add_extra_hours, add_weekly_hours
from tests.appointments.services.test_booking_race import race
from tests.factories import CaseworkerFactory
from tests.scenario import SATURDAY

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("now")]

RACERS = 12


def overlapping(n: int) -> tuple[time, time]:
    """From 08:00 + n minutes for two hours: every pair of these overlaps."""
    return time(8, n), time(10, n)


def test_overlapping_weekly_hours_saved_at_once_one_is_kept():
    caseworker = CaseworkerFactory()

    outcomes = race(
        [
            lambda n=n: add_weekly_hours(
                caseworker=caseworker,
                weekday=5,
                start_time=overlapping(n)[0],
                end_time=overlapping(n)[1],
                modes=["video"],
            )
            for n in range(RACERS)
        ],
        losing=(ApplicationError,),
    )

    assert outcomes == Counter({"booked": 1, "taken": RACERS - 1})
    assert AvailabilityRule.objects.filter(caseworker=caseworker).count() == 1


def test_overlapping_extra_hours_saved_at_once_one_is_kept():
    caseworker = CaseworkerFactory()

    outcomes = race(
        [
            lambda n=n: add_extra_hours(
                caseworker=caseworker,
                day=SATURDAY,
                start_time=overlapping(n)[0],
                end_time=overlapping(n)[1],
                modes=["video"],
            )
            for n in range(RACERS)
        ],
        losing=(ApplicationError,),
    )

    assert outcomes == Counter({"booked": 1, "taken": RACERS - 1})
    assert ExtraHours.objects.filter(caseworker=caseworker).count() == 1


def test_one_day_closed_at_once_by_many_is_closed_once():
    office = CaseworkerFactory().office

    outcomes = race(
        [lambda: add_closure(office=office, day=SATURDAY) for _ in range(RACERS)], losing=(ApplicationError,)
    )

    assert outcomes == Counter({"booked": 1, "taken": RACERS - 1})
    assert OfficeClosure.objects.filter(office=office).count() == 1
