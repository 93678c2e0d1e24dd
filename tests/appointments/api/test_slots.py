"""GET /api/v1/slots/: free start times with the office's UTC offset, and the query's validation."""

from datetime import time

import pytest

from tests.factories import CaseworkerFactory, TopicFactory, week_of_hours
from tests.scenario import TUESDAY, iso

pytestmark = pytest.mark.django_db

TUESDAY_ONLY = {"date_from": "2026-12-01", "date_to": "2026-12-01"}


@pytest.fixture(autouse=True, params=["computed", "kept"])
def slot_cache(request):
    """Every answer twice: computed, and kept as in production (see test_slot_answers.py)."""
    if request.param == "kept":
        request.getfixturevalue("shared_slot_cache")


def slots(api, **query):
    response = api.get("/api/v1/slots/", query)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def starts(api, **query) -> list[str]:
    return [slot["start"] for slot in slots(api, **query)]


@pytest.mark.usefixtures("caseworker")
def test_body_lists_start_end_and_modes_with_the_office_offset(api, topic):
    response = api.get("/api/v1/slots/", {"topic": topic.slug, **TUESDAY_ONLY})

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["results"]
    assert body["results"][0] == {
        "start": "2026-12-01T09:00:00+01:00",
        "end": "2026-12-01T09:30:00+01:00",
        "modes": ["telephone", "video"],
    }
    assert body["results"][-1]["start"] == "2026-12-01T11:30:00+01:00"
    assert len(body["results"]) == 11  # 09:00 to 11:30 every 15 minutes


def test_summer_times_carry_the_summer_offset(api, office, topic, caseworker):
    office.horizon_days = 365
    office.save(update_fields=["horizon_days"])

    found = starts(api, topic=topic.slug, date_from="2027-07-06", date_to="2027-07-06")

    assert found[0] == "2027-07-06T09:00:00+02:00"


@pytest.mark.usefixtures("caseworker")
def test_without_dates_gives_the_week_from_today_after_the_minimum_notice(api, topic):
    found = starts(api, topic=topic.slug)

    # Monday 07:00 now, two hours' notice: Monday 09:00 is the first; Friday 11:30 the last.
    assert found[0] == "2026-11-30T09:00:00+01:00"
    assert found[-1] == "2026-12-04T11:30:00+01:00"
    assert len(found) == 5 * 11


@pytest.mark.usefixtures("caseworker")
def test_with_date_from_only_gives_seven_days(api, topic):
    found = starts(api, topic=topic.slug, date_from="2026-12-02")

    assert found[0] == "2026-12-02T09:00:00+01:00"
    assert found[-1] == "2026-12-08T11:30:00+01:00"


@pytest.mark.usefixtures("caseworker")
def test_a_booked_time_is_not_offered(api, topic, book):
    assert book(start=iso(TUESDAY, "09:00")).status_code == 201

    found = starts(api, topic=topic.slug, **TUESDAY_ONLY)

    # 09:00 is taken; 08:45 would overlap it but lies outside the hours anyway.
    assert iso(TUESDAY, "09:00") not in found
    assert iso(TUESDAY, "09:30") in found


def test_mode_filter_offers_only_hours_with_that_mode(api, topic):
    by_phone = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(by_phone, weekdays=[1], modes=["telephone"])
    by_video = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(by_video, start=time(13), end=time(14), weekdays=[1], modes=["video"])

    video = slots(api, topic=topic.slug, mode="video", **TUESDAY_ONLY)
    telephone = slots(api, topic=topic.slug, mode="telephone", **TUESDAY_ONLY)

    assert [slot["start"] for slot in video] == [
        iso(TUESDAY, "13:00"),
        iso(TUESDAY, "13:15"),
        iso(TUESDAY, "13:30"),
    ]
    assert {tuple(slot["modes"]) for slot in video} == {("video",)}
    assert telephone[0]["start"] == iso(TUESDAY, "09:00")
    assert telephone[-1]["start"] == iso(TUESDAY, "11:30")
    assert {tuple(slot["modes"]) for slot in telephone} == {("telephone",)}


@pytest.mark.usefixtures("caseworker")
def test_a_mode_the_topic_does_not_offer_gives_no_times(api, topic):
    assert slots(api, topic=topic.slug, mode="in_person", **TUESDAY_ONLY) == []


def test_language_filter_leaves_out_caseworkers_who_do_not_speak_it(api, topic, caseworker):
    speaks_turkish = CaseworkerFactory(office=topic.office, topics=[topic], languages=["de", "tr"])
    week_of_hours(speaks_turkish, start=time(13), end=time(14), weekdays=[1])

    in_turkish = starts(api, topic=topic.slug, language="tr", **TUESDAY_ONLY)
    in_german = starts(api, topic=topic.slug, language="de", **TUESDAY_ONLY)

    assert in_turkish == [iso(TUESDAY, "13:00"), iso(TUESDAY, "13:15"), iso(TUESDAY, "13:30")]
    assert in_german[0] == iso(TUESDAY, "09:00")
    assert len(in_german) == 11 + 3


@pytest.mark.usefixtures("caseworker")
def test_a_language_nobody_speaks_gives_no_times(api, topic):
    assert slots(api, topic=topic.slug, language="ti", **TUESDAY_ONLY) == []


@pytest.mark.usefixtures("caseworker")
def test_a_range_of_31_days_is_allowed(api, topic):
    response = api.get(
        "/api/v1/slots/", {"topic": topic.slug, "date_from": "2026-12-01", "date_to": "2026-12-31"}
    )

    assert response.status_code == 200


class TestRefusedQueries:
    def test_unknown_topic_is_a_field_error(self, api, db):
        response = api.get("/api/v1/slots/", {"topic": "no-such-topic"})

        assert response.status_code == 400
        assert list(response.json()) == ["topic"]

    def test_inactive_topic_is_a_field_error(self, api, office):
        retired = TopicFactory(office=office, active=False)

        response = api.get("/api/v1/slots/", {"topic": retired.slug})

        assert response.status_code == 400
        assert list(response.json()) == ["topic"]

    def test_missing_topic_is_a_field_error(self, api, db):
        response = api.get("/api/v1/slots/", TUESDAY_ONLY)

        assert response.status_code == 400
        assert list(response.json()) == ["topic"]

    @pytest.mark.parametrize("value", ["2026-13-01", "tomorrow", "01.12.2026", ""])
    def test_a_bad_date_is_a_field_error(self, api, topic, value):
        response = api.get("/api/v1/slots/", {"topic": topic.slug, "date_from": value})

        assert response.status_code == 400
        assert list(response.json()) == ["date_from"]

    def test_date_to_before_date_from_is_a_field_error(self, api, topic):
        response = api.get(
            "/api/v1/slots/", {"topic": topic.slug, "date_from": "2026-12-02", "date_to": "2026-12-01"}
        )

        assert response.status_code == 400
        assert list(response.json()) == ["date_to"]

    def test_more_than_31_days_is_a_field_error(self, api, topic):
        response = api.get(
            "/api/v1/slots/", {"topic": topic.slug, "date_from": "2026-12-01", "date_to": "2027-01-01"}
        )

        assert response.status_code == 400
        assert list(response.json()) == ["date_to"]

    def test_a_far_date_to_alone_is_a_field_error(self, api, topic):
        response = api.get("/api/v1/slots/", {"topic": topic.slug, "date_to": "2099-12-31"})

        assert response.status_code == 400
        assert list(response.json()) == ["date_to"]

    def test_a_date_to_alone_before_today_is_a_field_error(self, api, topic):
        response = api.get("/api/v1/slots/", {"topic": topic.slug, "date_to": "2026-11-01"})

        assert response.status_code == 400
        assert list(response.json()) == ["date_to"]

    @pytest.mark.parametrize(
        ("date_from", "date_to"), [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")]
    )
    def test_dates_at_the_ends_of_the_calendar_give_no_times_and_no_error(
        self, api, topic, date_from, date_to
    ):
        response = api.get(
            "/api/v1/slots/", {"topic": topic.slug, "date_from": date_from, "date_to": date_to}
        )

        assert response.status_code == 200
        assert response.json() == {"results": []}

    def test_an_unknown_mode_is_a_field_error(self, api, topic):
        response = api.get("/api/v1/slots/", {"topic": topic.slug, "mode": "fax"})

        assert response.status_code == 400
        assert list(response.json()) == ["mode"]

    def test_an_unknown_query_parameter_is_an_error(self, api, topic):
        response = api.get("/api/v1/slots/", {"topic": topic.slug, "day": "2026-12-01"})

        assert response.status_code == 400
        assert list(response.json()) == ["day"]
