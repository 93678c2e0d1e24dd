"""The time rules on the models: an office's today and day bounds, an appointment's times, change and call."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from appointments.models import Appointment
from appointments.services.booking import ClientDetails, book_appointment
from tests.factories import AppointmentFactory, CaseworkerFactory, OfficeFactory, TopicFactory, week_of_hours

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def test_today_is_the_offices_local_date():
    office = OfficeFactory(time_zone="Europe/Berlin")
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 December in Berlin
    assert office.today(late) == date(2026, 12, 1)
    assert OfficeFactory(time_zone="America/New_York").today(late) == date(2026, 11, 30)


def test_day_bounds_are_local_midnights_and_follow_daylight_saving():
    office = OfficeFactory(time_zone="Europe/Berlin")
    since, until = office.day_bounds(date(2026, 3, 29), date(2026, 3, 29))
    assert since == datetime(2026, 3, 29, tzinfo=BERLIN)
    assert until.timestamp() - since.timestamp() == 23 * 3600  # clocks go forward that night
    since, until = office.day_bounds(date(2026, 11, 30), date(2026, 12, 6))
    assert (since, until) == (datetime(2026, 11, 30, tzinfo=BERLIN), datetime(2026, 12, 7, tzinfo=BERLIN))


def test_an_appointments_times_run_in_utc_and_widen_by_the_buffers():
    minutes = {"buffer_before": timedelta(minutes=5), "buffer_after": timedelta(minutes=10)}
    topic = TopicFactory(duration=timedelta(minutes=120), **minutes)
    start = datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN)  # clocks go back at 03:00 that night
    times = topic.times(start)
    assert times.start == datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    assert times.end == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # two real hours, not 03:30 local
    assert times.blocked_from == times.start - timedelta(minutes=5)
    assert times.blocked_until == times.end + timedelta(minutes=10)


def test_the_factory_sets_times_as_booking_does(now):
    topic = TopicFactory(buffer_before=timedelta(minutes=5), buffer_after=timedelta(minutes=10))
    caseworker = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(caseworker)
    start = datetime(2026, 11, 30, 10, tzinfo=BERLIN)
    booked = book_appointment(
        topic=topic, mode="video", start=start, client=ClientDetails(name="A B", phone="+4915123456789")
    ).appointment
    made = AppointmentFactory(topic=topic, caseworker=caseworker, start=start + timedelta(days=1))
    booked.refresh_from_db()
    made.refresh_from_db()
    for field in ("end", "blocked_from", "blocked_until"):
        assert getattr(made, field) - made.start == getattr(booked, field) - booked.start, field


@pytest.mark.parametrize(
    ("status", "minutes_to_start", "changeable"),
    [
        (Appointment.Status.BOOKED, 1, True),
        (Appointment.Status.BOOKED, 0, False),
        (Appointment.Status.HELD, 60, False),
        (Appointment.Status.CANCELLED, 60, False),
        (Appointment.Status.COMPLETED, 60, False),
    ],
)
def test_changeable_is_booked_and_not_begun(status, minutes_to_start, changeable):
    now = datetime(2026, 11, 30, 9, tzinfo=UTC)
    appointment = AppointmentFactory.build(start=now + timedelta(minutes=minutes_to_start), status=status)
    assert appointment.is_changeable(now) is changeable


def test_the_call_window_is_the_settings_around_the_appointment(settings):
    settings.CALL_OPENS_MINUTES_BEFORE = 10
    settings.CALL_CLOSES_MINUTES_AFTER = 60
    start = datetime(2026, 11, 30, 9, tzinfo=UTC)
    appointment = AppointmentFactory.build(start=start)
    window = appointment.call_window()
    assert window.opens == start - timedelta(minutes=10)
    assert window.closes == appointment.end + timedelta(minutes=60)
    assert window.is_open(window.opens)
    assert window.is_open(window.closes)
    assert not window.is_open(window.closes + timedelta(seconds=1))
    assert appointment.is_call_open(window.closes)
    appointment.status = Appointment.Status.CANCELLED
    assert not appointment.is_call_open(start)
