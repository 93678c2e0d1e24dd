"""Dates in staff addresses and forms: malformed or out of range is a 400 in the user's language, never a 500.

The sweep requests every page of the staff and interpreter workspaces (every URL name, so a page added
later is swept too) with every date parameter any of them reads, set to values at and past the ends of
the calendar; the pages that read the parameter must answer 400 with the message, the others as usual.
"""

from datetime import UTC, datetime

import pytest
from django.urls import get_resolver, reverse

from appointments.dates import EARLIEST, LATEST, day_param, month_param, parse_day, parse_moment
from appointments.exceptions import InvalidDate
from appointments.services.booking import ClientDetails, book_appointment
from tests.factories import CaseworkerFactory, week_of_hours
from tests.scenario import ENGLISH

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

MESSAGE = "Please give a valid date between 2000-01-01 and 2099-12-31 (YYYY-MM-DD)."
MONTH_MESSAGE = "Please give a valid month between 2000-01 and 2099-12 (YYYY-MM)."
BAD_DAYS = [
    "9999-12-31",
    "0001-01-01",
    "2100-01-01",
    "1999-12-31",
    "2026-02-30",
    "morgen",
    "2026-11-30T10:00",
]
BAD_MONTHS = ["9999-12", "0001-01", "2100-01", "2026-13", "nov", "2026-11-30"]
# Which page reads which date from its address.
READS = {
    "staff:day": ["tag"],
    "staff:week": ["woche"],
    "staff:team": ["tag"],
    "staff:figures": ["von", "bis"],
    "staff:figures-csv": ["von", "bis"],
    "staff:book-time": ["von"],
    "staff:appointment": ["ab"],
    "interpreter:figures": ["monat"],
}
MONTH_PARAMS = {"monat"}
ALL_PARAMS = sorted({param for params in READS.values() for param in params})
NAMESPACES = ("staff", "interpreter")


def names_in(namespace: str) -> list[str]:
    resolver = get_resolver().namespace_dict[namespace][1]
    return sorted(f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str))


@pytest.fixture
def coordinator(topic, caseworker):
    worker = CaseworkerFactory(office=topic.office, topics=[topic], is_coordinator=True)
    week_of_hours(worker)
    return worker


@pytest.fixture
def urls(client, topic, coordinator):
    """Every staff and interpreter URL, by name, with real objects of the coordinator's office."""
    appointment = book_appointment(
        topic=topic,
        mode="video",
        start=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        client=ClientDetails(name="Aylin Demir", phone="0151 23456789", sms_consent=True),
        caseworker=coordinator,
        booked_by=coordinator.user,
        interpreter_language="ar",
    ).appointment
    client.force_login(coordinator.user)
    picked = client.post(reverse("staff:book"), {"action": "pick", "client": appointment.client_id})
    assert picked.status_code == 302, picked.content
    draft = picked["Location"].split("/")[3]
    client.post(
        reverse("staff:book-request", args=[draft]),
        {"topic": topic.slug, "mode": "telephone", "language": "de", "interpreter_language": "", "who": "me"},
    )
    ids = {
        "appointment_id": appointment.pk,
        "draft": draft,
        "client_id": appointment.client_id,
        "request_id": appointment.interpreter_request.pk,
        "pk": 1,
        "invitation_id": 1,
        "kind": "wochenzeiten",
        "session_id": 1,
    }
    found = {}
    for namespace in NAMESPACES:
        for name in names_in(namespace):
            view_name = name.split(":")[1]
            resolver = get_resolver().namespace_dict[namespace][1]
            params = resolver.reverse_dict.getlist(view_name)[0][0][0][1]
            found[name] = reverse(name, kwargs={param: ids[param] for param in params})
    return found


def test_the_sweep_knows_every_page_that_reads_a_date(urls):
    assert set(READS) <= set(urls)
    assert len(urls) > 25  # all pages of both workspaces, not a handful


@pytest.mark.parametrize("param", ALL_PARAMS)
def test_every_staff_page_answers_bad_dates_in_its_address_with_a_400(client, urls, param):
    bad_values = BAD_MONTHS if param in MONTH_PARAMS else BAD_DAYS
    for name, url in urls.items():
        for value in bad_values:
            response = client.get(url, {param: value}, headers=ENGLISH)  # a 500 raises here
            if param in READS.get(name, []):
                assert response.status_code == 400, (name, value, response.status_code)
                text = response.content.decode()
                assert (MONTH_MESSAGE if param in MONTH_PARAMS else MESSAGE) in text, (name, value)
            else:
                assert response.status_code < 500, (name, value)


@pytest.mark.parametrize(
    ("name", "param"), [(name, param) for name, params in READS.items() for param in params]
)
def test_the_ends_of_the_calendar_are_served(client, urls, name, param):
    for day in (EARLIEST, LATEST):
        value = day.isoformat()[:7] if param in MONTH_PARAMS else day.isoformat()
        query = {"von": value, "bis": value} if name.startswith("staff:figures") else {param: value}
        assert client.get(urls[name], query).status_code == 200, (name, value)


def test_the_bad_date_page_is_translated_and_links_back_to_today(client, urls):
    page = client.get(urls["staff:day"], {"tag": "9999-12-31"}, headers={"accept-language": "de"})

    assert page.status_code == 400
    assert "gültiges Datum zwischen" in page.text
    assert f'href="{urls["staff:day"]}"' in page.text
    assert client.get(urls["staff:day"], {"tag": "9999-12-31"}, headers={"accept-language": "ar"}).text.count(
        'dir="rtl"'
    )


def test_the_interpreter_figures_api_answers_a_bad_month_as_a_field_error(client, urls):
    for value in BAD_MONTHS:
        response = client.get("/api/v1/interpreter-figures/", {"month": value}, headers=ENGLISH)
        assert response.status_code == 400, value
        assert response.json() == {"month": [MONTH_MESSAGE]}


AVAILABILITY_POSTS = [
    (
        "rule",
        {"weekday": "0", "start_time": "09:00", "end_time": "12:00", "modes": ["telephone"]},
        "valid_until",
    ),
    (
        "rule",
        {"weekday": "0", "start_time": "09:00", "end_time": "12:00", "modes": ["telephone"]},
        "valid_from",
    ),
    ("extra", {"start_time": "09:00", "end_time": "12:00", "modes": ["telephone"]}, "date"),
    ("absence", {"kind": "vacation", "start": "2026-12-01"}, "end"),
    ("absence", {"kind": "vacation", "end": "2026-12-01"}, "start"),
]


@pytest.mark.parametrize(("action", "fields", "field"), AVAILABILITY_POSTS)
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2026-02-30"])
def test_availability_forms_refuse_dates_out_of_range_as_a_field_error(
    client, urls, action, fields, field, value
):
    data = {f"{action}-{key}": val for key, val in {**fields, field: value}.items()}
    response = client.post(urls["staff:availability"], {"action": action, **data}, headers=ENGLISH)

    assert response.status_code == 400
    assert MESSAGE in response.text
    assert response.context["forms"][action].errors[field] == [MESSAGE]


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_closures_refuse_dates_out_of_range(client, urls, value):
    response = client.post(urls["staff:closures"], {"date": value}, headers=ENGLISH)
    assert response.status_code == 400
    assert MESSAGE in response.text


@pytest.mark.parametrize(
    "start", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+01:00", "2026-12-01T09:00:00", "bald"]
)
def test_times_posted_by_staff_at_the_ends_of_the_calendar_are_not_offered(client, urls, start):
    moved = client.post(urls["staff:appointment-reschedule"], {"start": start}, headers=ENGLISH, follow=True)
    chosen = client.post(urls["staff:book-time"], {"start": start}, headers=ENGLISH)

    assert moved.status_code == 200
    assert "This time is not offered." in moved.text
    assert chosen.status_code == 400
    assert "This time is not offered." in chosen.text


# The parser itself


@pytest.mark.parametrize(
    "raw", [None, "", " ", 20261130, "2026-1-1", "x" * 1000, "+2026-11-30", "9999-12-31"]
)
def test_parse_day_refuses_what_is_no_date_of_ours(raw):
    with pytest.raises(InvalidDate):
        parse_day(raw, field="tag")


def test_parse_day_takes_dates_within_the_calendar_we_serve():
    assert parse_day("2026-11-30").isoformat() == "2026-11-30"
    assert parse_day(EARLIEST) == EARLIEST
    assert parse_day(" 2099-12-31 ") == LATEST


def test_query_helpers_default_when_missing_and_refuse_when_bad():
    assert day_param({}, "tag", EARLIEST) == EARLIEST
    assert day_param({"tag": ""}, "tag", LATEST) == LATEST
    assert month_param({}, "monat") is None
    assert month_param({"monat": "2026-11"}, "monat").isoformat() == "2026-11-01"
    with pytest.raises(InvalidDate) as raised:
        day_param({"tag": "9999-12-31"}, "tag", EARLIEST)
    assert raised.value.field == "tag"


@pytest.mark.parametrize(
    "raw", ["2026-12-01T09:00:00", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+01:00", None, "bald"]
)
def test_parse_moment_wants_an_offset_and_a_day_we_serve(raw):
    with pytest.raises(InvalidDate):
        parse_moment(raw)


def test_parse_moment_keeps_the_offset():
    assert parse_moment("2026-12-01T09:00:00+01:00").utcoffset().total_seconds() == 3600
