"""GET /api/v1/slots/ through the shared cache: one answer serves the requests of its second, and
nothing kept outlives a change or the notice of the moment."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.services.availability import free_slots
from tests.scenario import TUESDAY, TUESDAY_9, at, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("caseworker", "shared_slot_cache")]

TUESDAY_ONLY = {"date_from": "2026-12-01", "date_to": "2026-12-01"}


def shown(api, topic) -> list[str]:
    response = api.get("/api/v1/slots/", {"topic": topic.slug, **TUESDAY_ONLY})
    assert response.status_code == 200, response.json()
    return [slot["start"] for slot in response.json()["results"]]


def computed(topic) -> list[str]:
    return [slot.start.isoformat() for slot in free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY)]


def test_requests_of_one_second_share_an_answer_that_a_booking_ends(
    api, topic, django_capture_on_commit_callbacks
):
    first = shown(api, topic)
    with CaptureQueriesContext(connection) as queries:
        assert shown(api, topic) == first
    assert len(queries) == 0
    with django_capture_on_commit_callbacks(execute=True):
        book(topic, TUESDAY_9)
    again = shown(api, topic)  # the same frozen second
    assert TUESDAY_9.isoformat() in first
    assert TUESDAY_9.isoformat() not in again
    assert again == computed(topic)


@pytest.mark.parametrize(
    ("after_seven", "nine_shown"),
    [(-0.5, True), (0, True), (0.000001, False), (0.2, False), (0.9, False), (1, False)],
)
def test_each_answer_is_what_was_bookable_at_its_instant(api, topic, time_machine, after_seven, nine_shown):
    """Tuesday 09:00 with two hours' notice can be booked until 07:00:00 and not a moment later;
    answers of the seconds before are kept, and read, on the way there."""
    for earlier in (-1.5, -0.7, -0.1):
        time_machine.move_to(at(TUESDAY, "07:00") + timedelta(seconds=earlier), tick=False)
        shown(api, topic)
    time_machine.move_to(at(TUESDAY, "07:00") + timedelta(seconds=after_seven), tick=False)
    answer = shown(api, topic)
    assert answer == computed(topic)
    assert (TUESDAY_9.isoformat() in answer) is nine_shown


def test_a_bad_question_is_answered_in_the_asker_s_language_and_not_kept(api, topic):
    german = api.get(
        "/api/v1/slots/", {"topic": topic.slug, "date_from": "2026-12-09", "date_to": "2026-12-01"}
    )
    english = api.get(
        "/api/v1/slots/",
        {"topic": topic.slug, "date_from": "2026-12-09", "date_to": "2026-12-01"},
        headers={"accept-language": "en"},
    )
    assert german.status_code == english.status_code == 400
    assert german.json()["date_to"] != english.json()["date_to"]
    assert english.json()["date_to"] == ["The end date lies before the start date."]
