"""The booking-steps core that the client's steps, moving a booking, invitations and staff booking share."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from appointments.exceptions import SlotNotOffered, SlotTaken
from appointments.services.booking import ClientDetails, book_appointment
from frontend.steps import slot_page, start_problem

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

MONDAY_9 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, the first free time


def test_every_public_address_keeps_its_name_and_path():
    token = {"reference": "K7MX3PQA", "token": "abc"}
    assert reverse("frontend:home") == "/"
    assert reverse("frontend:time") == "/termin/zeit/"
    assert reverse("frontend:done") == "/termin/fertig/"
    assert reverse("frontend:manage", kwargs=token) == "/b/K7MX3PQA/abc/"
    assert reverse("frontend:reschedule", kwargs=token) == "/b/K7MX3PQA/abc/zeit/"
    assert reverse("frontend:cancel", kwargs=token) == "/b/K7MX3PQA/abc/absagen/"
    assert reverse("frontend:find") == "/m/"
    assert reverse("frontend:find-code") == "/m/code/"
    assert reverse("frontend:found-manage") == "/m/termin/"
    assert reverse("frontend:found-reschedule") == "/m/termin/zeit/"
    assert reverse("frontend:found-cancel") == "/m/termin/absagen/"
    assert reverse("frontend:manage-short", kwargs={"token": "abc"}) == "/m/abc"
    assert reverse("frontend:accessibility") == "/barrierefreiheit/"


def test_a_page_of_free_times_has_as_many_days_as_asked_and_says_where_the_next_starts(topic, caseworker):
    phone = slot_page(topic=topic, mode="telephone", language="de", first_day=None)
    desk = slot_page(topic=topic, mode="telephone", language="de", first_day=None, per_page=5)

    assert len(phone["days"]) == 3
    assert phone["later"] == "2026-12-03"
    assert len(desk["days"]) == 5
    assert desk["later"] == "2026-12-07"  # Monday: no hours at the weekend
    assert phone["earlier"] is False
    assert phone["days"][0]["times"][0]["value"] == MONDAY_9.astimezone(topic.office.zone).isoformat()


def test_a_later_page_can_go_back_to_the_earliest_times(topic, caseworker):
    page = slot_page(topic=topic, mode="telephone", language="de", first_day=datetime(2026, 12, 3).date())

    assert page["earlier"] is True
    assert page["days"][0]["times"][0]["value"].startswith("2026-12-03")


def test_a_start_is_checked_as_the_booking_checks_it(topic, caseworker):
    def problem(start):
        return start_problem(topic=topic, mode="telephone", start=start, language="de", caseworker=None)

    assert problem(MONDAY_9) is None
    assert isinstance(problem(None), SlotNotOffered)
    assert isinstance(problem(MONDAY_9.replace(minute=7)), SlotNotOffered)
    topic.office.require_phone_verification = False
    topic.office.save()
    book_appointment(
        topic=topic,
        mode="telephone",
        start=MONDAY_9,
        client=ClientDetails(name="Aylin Demir", phone="0151 23456789", language="de", sms_consent=True),
        language="de",
    )
    assert isinstance(problem(MONDAY_9), SlotTaken)
