"""The number of queries one booking makes, pinned: a new query in the booking's path must be chosen."""

import pytest
from django.db import connection

from appointments.models import Notification
from tests.factories import UserFactory
from tests.scenario import AYLIN_IN_FULL, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]


def test_a_client_booking_with_sms_and_email_makes_a_fixed_number_of_queries(
    topic, django_assert_num_queries
):
    # PostgreSQL takes an advisory lock for the cap on a client's bookings; SQLite's write lock needs none.
    with django_assert_num_queries(20 if connection.vendor == "postgresql" else 19):
        booking = book(topic, client=AYLIN_IN_FULL)
    # Its messages were written in the same transaction, not after it.
    assert Notification.objects.filter(appointment=booking.appointment).count() >= 3


def test_a_booking_by_staff_makes_a_fixed_number_of_queries(topic, django_assert_num_queries):
    front_desk = UserFactory()
    with django_assert_num_queries(19):
        book(topic, booked_by=front_desk)
