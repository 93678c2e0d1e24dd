"""Coordinators' figures: local days (DST too), outcomes, rates, shares, interpreters, constant queries."""

from datetime import UTC, date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override

from appointments.exceptions import ApplicationError
from appointments.models import Appointment, InterpreterRequest
from appointments.services.figures import office_figures
from appointments.services.retention import anonymise_clients
from tests.factories import (
    AppointmentFactory,
    CaseworkerFactory,
    InterpreterFactory,
    InterpreterRequestFactory,
    OfficeFactory,
    TopicFactory,
)
from tests.scenario import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

Status = Appointment.Status
Request = InterpreterRequest.Status


@pytest.fixture
def topic(db):
    return TopicFactory(office=OfficeFactory())


@pytest.fixture
def caseworker(topic):
    return CaseworkerFactory(office=topic.office, topics=[topic])


@pytest.fixture
def appointment(topic, caseworker):
    def make(start, status=Status.COMPLETED, **fields):
        return AppointmentFactory(topic=topic, caseworker=caseworker, start=start, status=status, **fields)

    return make


def request_for(appointment, status, *, created=None, **fields):
    return InterpreterRequestFactory(
        appointment=appointment,
        status=status,
        created_at=created or appointment.start - timedelta(days=3),
        **fields,
    )


def per_day(figures) -> dict[date, tuple[int, int, int, int]]:
    """Days with appointments: (held, no-show, cancelled, still booked)."""
    return {
        d.day: (d.counts.completed, d.counts.no_show, d.counts.cancelled, d.counts.booked)
        for d in figures.days
        if d.counts.total
    }


NOV_10 = date(2026, 11, 10)


@pytest.fixture
def november(appointment):
    """A constructed month: outcomes, modes, languages, interpreters, appointments on the period's edges."""
    appointment(at(NOV_10, "09:00"), mode="video", language="de")
    appointment(at(NOV_10, "10:00"), Status.NO_SHOW, mode="telephone", language="de")
    with_interpreter = appointment(
        at(NOV_10, "11:00"), mode="video", language="de", interpreter_language="ar"
    )
    appointment(at(NOV_10, "12:00"), Status.CANCELLED, mode="telephone", language="tr")
    appointment(at(NOV_10, "23:30"), mode="telephone", language="tr")  # 22:30 UTC: still the 10th
    appointment(
        at(NOV_10 + timedelta(days=1), "00:30"), Status.NO_SHOW, language="en"
    )  # 23:30 UTC on the 10th
    appointment(at(date(2026, 11, 1), "23:30"), language="de")  # the evening before the period
    appointment(at(date(2026, 11, 2), "00:15"), language="de")  # 23:15 UTC on the 1st, but the 2nd in Berlin
    fallback = appointment(
        at(date(2026, 11, 20), "09:00"), mode="telephone", language="de", interpreter_language="ar"
    )
    still_open = appointment(
        at(date(2026, 12, 1), "09:00"), Status.BOOKED, language="de", interpreter_language="fa"
    )  # tomorrow
    cancelled = appointment(
        at(date(2026, 11, 24), "09:00"), Status.CANCELLED, language="de", interpreter_language="ar"
    )
    appointment(at(date(2026, 12, 3), "09:00"), Status.BOOKED)  # after the period
    request_for(
        with_interpreter,
        Request.ACCEPTED,
        interpreter=InterpreterFactory(languages=["ar"]),
        accepted_at=at(NOV_10, "08:00") - timedelta(days=2),
    )
    request_for(fallback, Request.FALLBACK, fallback_at=at(date(2026, 11, 19), "09:00"))
    request_for(still_open, Request.OPEN, created=at(date(2026, 11, 25), "12:00"))
    request_for(cancelled, Request.CANCELLED)
    return {"with_interpreter": with_interpreter}


def figures_of(topic, first=date(2026, 11, 2), last=date(2026, 12, 2)):
    return office_figures(office=topic.office, first=first, last=last)


def test_counts_booked_slots_per_local_start_day_split_by_outcome(topic, november):
    figures = figures_of(topic)

    assert figures.days[0].day == date(2026, 11, 2)
    assert figures.days[-1].day == date(2026, 12, 2)
    assert len(figures.days) == 31  # every day listed, the empty ones too
    assert per_day(figures) == {
        date(2026, 11, 2): (1, 0, 0, 0),
        NOV_10: (3, 1, 1, 0),  # 09:00, 10:00, 11:00, 12:00 (cancelled), 23:30
        date(2026, 11, 11): (0, 1, 0, 0),  # 00:30 Berlin
        date(2026, 11, 20): (1, 0, 0, 0),
        date(2026, 11, 24): (0, 0, 1, 0),
        date(2026, 12, 1): (0, 0, 0, 1),
    }
    totals = figures.totals
    assert (totals.completed, totals.no_show, totals.cancelled, totals.booked, totals.total) == (
        5,
        2,
        2,
        1,
        10,
    )
    assert figures.held_or_planned == 8


def test_no_show_rate_is_of_the_appointments_with_an_outcome(topic, november):
    assert figures_of(topic).no_show_percent == round(100 * 2 / 7, 1)  # 28.6


def test_no_show_rate_without_any_outcome_is_none(topic, appointment):
    appointment(at(NOV_10, "09:00"), Status.CANCELLED)
    appointment(at(date(2026, 12, 1), "09:00"), Status.BOOKED)

    figures = figures_of(topic)

    assert figures.totals.total == 2
    assert figures.no_show_percent is None
    assert figures.fill_percent is None


def test_an_empty_period_has_zero_days_and_no_rates(topic):
    figures = figures_of(topic, date(2026, 11, 1), date(2026, 11, 1))

    assert [d.day for d in figures.days] == [date(2026, 11, 1)]
    assert figures.totals.total == 0
    assert (figures.modes, figures.languages, figures.interpreting) == ([], [], [])
    assert figures.no_show_percent is None


def test_shares_by_mode_and_client_language_leave_cancelled_out(topic, november):
    with override("en"):
        figures = figures_of(topic)

    modes = {s.code: (s.label, s.count, s.percent, s.with_interpreter) for s in figures.modes}
    assert modes == {
        "video": ("Video", 5, 62.5, 2),
        "telephone": ("Telephone", 3, 37.5, 1),
    }
    assert [s.code for s in figures.modes] == ["video", "telephone"]  # biggest first
    languages = {s.code: (s.label, s.count, s.percent, s.with_interpreter) for s in figures.languages}
    # With an interpreter the consultation is held in German; the client's language is the interpreter's.
    assert languages == {
        "de": ("Deutsch", 3, 37.5, 0),
        "ar": ("العربية", 2, 25.0, 2),
        "fa": ("فارسی", 1, 12.5, 1),
        "tr": ("Türkçe", 1, 12.5, 0),
        "en": ("English", 1, 12.5, 0),
    }
    assert sum(s.count for s in figures.languages) == figures.held_or_planned


def test_interpreter_fill_rate_counts_needed_requests_only(topic, november):
    figures = figures_of(topic)

    # Accepted and fallback (Arabic), open (Farsi); the cancelled one was never needed.
    assert (figures.interpreter_requests, figures.interpreter_filled) == (3, 1)
    assert figures.fill_percent == 33.3
    assert figures.interpreter_fallbacks == 1
    rows = {
        r.code: (r.label, r.requests, r.filled, r.fallbacks, r.fill_percent) for r in figures.interpreting
    }
    assert rows == {"ar": ("العربية", 2, 1, 1, 50.0), "fa": ("فارسی", 1, 0, 0, 0.0)}


def test_only_the_offices_own_appointments_count(topic, november):
    other = TopicFactory(office=OfficeFactory())
    AppointmentFactory(topic=other, start=at(NOV_10, "14:00"), status=Status.NO_SHOW)

    assert figures_of(topic).totals.no_show == 2
    assert figures_of(other).totals.total == 1


def test_dst_day_counts_by_local_date(topic, appointment):
    # Sunday 25 October 2026: clocks go back at 03:00 CEST, the day has 25 hours.
    appointment(at(date(2026, 10, 24), "23:30"))  # 21:30 UTC on the 24th
    appointment(at(date(2026, 10, 25), "00:30"))  # 22:30 UTC on the 24th
    appointment(at(date(2026, 10, 25), "23:30"), Status.NO_SHOW)  # 22:30 UTC on the 25th
    appointment(at(date(2026, 10, 26), "00:30"))  # 23:30 UTC on the 25th
    assert at(date(2026, 10, 25), "00:30").astimezone(UTC).date() == date(2026, 10, 24)

    figures = figures_of(topic, date(2026, 10, 25), date(2026, 10, 25))

    assert per_day(figures) == {date(2026, 10, 25): (1, 1, 0, 0)}
    assert per_day(figures_of(topic, date(2026, 10, 24), date(2026, 10, 26))) == {
        date(2026, 10, 24): (1, 0, 0, 0),
        date(2026, 10, 25): (1, 1, 0, 0),
        date(2026, 10, 26): (1, 0, 0, 0),
    }


def test_figures_stay_the_same_after_the_clients_are_anonymised(topic, november):
    before = figures_of(topic)

    anonymise_clients(Appointment.objects.values_list("client_id", flat=True))

    assert figures_of(topic) == before


@pytest.mark.parametrize(
    ("first", "last"),
    [(date(2026, 11, 2), date(2026, 11, 1)), (date(2025, 11, 29), date(2026, 11, 30))],  # 367 days,
)
def test_backwards_or_longer_than_366_days_is_refused(topic, first, last):
    with pytest.raises(ApplicationError):
        office_figures(office=topic.office, first=first, last=last)


def test_366_days_are_allowed(topic):
    figures = office_figures(office=topic.office, first=date(2025, 12, 1), last=date(2026, 12, 1))
    assert len(figures.days) == 366


def test_query_count_does_not_grow_with_appointments(topic, caseworker, appointment):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            figures_of(topic)
        return len(queries)

    def add(start, language):
        made = appointment(start, Status.BOOKED, language="de", interpreter_language=language)
        request_for(made, Request.OPEN, created=start - timedelta(days=1))

    add(at(date(2026, 11, 3), "09:00"), "ar")
    one = count_queries()
    languages = ["ar", "fa", "tr", "uk", "ru"]
    for n in range(29):
        add(at(date(2026, 11, 4) + timedelta(days=n // 3), time(9 + n % 3)), languages[n % 5])
    many = count_queries()

    assert figures_of(topic).totals.total == 30
    assert one == many
    assert many <= 4
