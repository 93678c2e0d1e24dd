"""A booking for a client submitted many times at once (double clicks, two tabs) books once, on PostgreSQL."""

from collections import Counter

import pytest
from django.test import Client as HttpClient

from appointments.models import Appointment, Client
from tests.appointments.services.test_booking_race import race
from tests.frontend.test_staff_booking import start_new_client, step_url, walk_to_confirm

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("now")]

SUBMITS = 8


def test_one_draft_confirmed_many_times_at_once_books_once(client, caseworker, topic):
    client.force_login(caseworker.user)
    confirm_url = walk_to_confirm(client, start_new_client(client), topic)
    cookie = client.cookies["sessionid"].value
    answers = []

    def submit():
        browser = HttpClient()
        browser.cookies["sessionid"] = cookie
        answers.append(browser.post(confirm_url))

    outcomes = race([submit for _ in range(SUBMITS)], losing=())

    assert outcomes == Counter({"booked": SUBMITS})
    assert Appointment.objects.count() == 1
    assert Client.objects.filter(name="Bernd Becker").count() == 1
    assert {answer.status_code for answer in answers} == {302}
    assert {answer["Location"] for answer in answers} == {step_url(confirm_url, "gebucht")}
