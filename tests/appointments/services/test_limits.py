"""The public edge's limits (services.limits): calling codes, per-number caps, the office's daily SMS
budget with one coordinator alert, and the cap on a client's upcoming appointments."""

from datetime import time, timedelta

import pytest
from django.core import mail

from appointments.exceptions import (
    CallingCodeNotAllowed,
    SmsBudgetExhausted,
    TooManyBookings,
    TooManyRequests,
)
from appointments.models import PhoneVerification, SmsBudget
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.limits import address, client_mobile_number
from appointments.services.outbox.worker import run_due_messages
from appointments.services.verification import start_phone_verification
from tests.factories import CaseworkerFactory, OfficeFactory, TopicFactory, UserFactory, week_of_hours
from tests.scenario import TUESDAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


@pytest.fixture
def office():
    return OfficeFactory(phone="0611 123 4567", coordinator_email="koordination@jobcenter.example")


@pytest.fixture
def topic(office):
    topic = TopicFactory(office=office)
    week_of_hours(CaseworkerFactory(office=office, topics=[topic]))
    return topic


class TestCallingCodes:
    def test_german_numbers_pass_and_others_are_refused_naming_what_is_accepted(self, office):
        assert client_mobile_number("0151 23456789", offices=[office]) == "+4915123456789"
        with pytest.raises(CallingCodeNotAllowed) as refused:
            client_mobile_number("+44 7400 123456", offices=[office])
        assert "+49" in str(refused.value.message)

    def test_an_office_may_add_calling_codes(self, office):
        office.extra_calling_codes = "+43 +44"
        assert client_mobile_number("+44 7400 123456", offices=[office]) == "+447400123456"
        with pytest.raises(CallingCodeNotAllowed) as refused:
            client_mobile_number("+90 532 123 4567", offices=[office])
        assert "+49, +43, +44" in str(refused.value.message)

    def test_the_setting_replaces_the_default(self, settings, office):
        settings.ALLOWED_CALLING_CODES = ["+43"]
        with pytest.raises(CallingCodeNotAllowed):
            client_mobile_number("0151 23456789", offices=[office])

    def test_no_code_goes_to_another_country(self, sms_outbox):
        with pytest.raises(CallingCodeNotAllowed):
            start_phone_verification(phone="+44 7400 123456")
        assert not PhoneVerification.objects.exists()

    def test_no_booking_for_a_number_of_another_country(self, topic):
        with pytest.raises(CallingCodeNotAllowed) as refused:
            book_appointment(
                topic=topic,
                mode="video",
                start=at(TUESDAY, "09:00"),
                client=ClientDetails(name="A", phone="+44 7400 123456"),
                booked_by=UserFactory(),
            )
        assert refused.value.field == "client.phone"


class TestPerNumber:
    def test_a_daily_cap_beyond_the_hourly_one(self, settings, now, time_machine):
        settings.PHONE_CODES_PER_DAY = 7
        moments = [now + timedelta(minutes=2 * n) for n in range(5)]
        moments += [now + timedelta(hours=2, minutes=2 * n) for n in range(2)]
        for moment in moments:
            time_machine.move_to(moment, tick=False)
            start_phone_verification(phone="0151 23456789")
        assert PhoneVerification.objects.count() == 7  # 5 in the first hour, 2 in the next
        time_machine.move_to(now + timedelta(hours=5), tick=False)
        with pytest.raises(TooManyRequests) as refused:
            start_phone_verification(phone="0151 23456789")
        assert "heute genug Codes" in str(refused.value.message)
        time_machine.move_to(now + timedelta(hours=25), tick=False)
        start_phone_verification(phone="0151 23456789")


class TestBudget:
    def test_when_spent_no_code_goes_out_the_client_is_asked_to_call_and_the_coordinator_is_told_once(
        self, office, sms_outbox, django_capture_on_commit_callbacks
    ):
        office.sms_codes_per_day = 2
        office.save()
        with django_capture_on_commit_callbacks(execute=True):
            for number in range(2):
                start_phone_verification(phone=f"0151 2345678{number}", office=office)
        for number in range(2, 5):
            with (
                django_capture_on_commit_callbacks(execute=True),
                pytest.raises(SmsBudgetExhausted) as refused,
            ):
                start_phone_verification(phone=f"0151 2345678{number}", office=office)
            assert "0611 123 4567" in str(refused.value.message)

        assert len(sms_outbox) == 2
        assert PhoneVerification.objects.count() == 2
        assert SmsBudget.objects.get(office=office).sent == 2
        run_due_messages()  # the alert is an outbox row like any message
        assert [message.to for message in mail.outbox] == [["koordination@jobcenter.example"]]
        assert "2" in mail.outbox[0].body

    def test_the_budget_is_per_office_and_per_local_day(self, office, time_machine, now):
        office.sms_codes_per_day = 1
        office.save()
        other = OfficeFactory(sms_codes_per_day=1)
        start_phone_verification(phone="0151 23456780", office=office)
        start_phone_verification(phone="0151 23456781", office=other)
        with pytest.raises(SmsBudgetExhausted):
            start_phone_verification(phone="0151 23456782", office=office)
        time_machine.move_to(at(TUESDAY, "00:01"), tick=False)  # just after midnight in Berlin
        start_phone_verification(phone="0151 23456782", office=office)

    def test_codes_that_name_no_office_have_the_sites_budget(self, settings):
        settings.SMS_CODES_PER_DAY = 1
        start_phone_verification(phone="0151 23456780")
        with pytest.raises(SmsBudgetExhausted):
            start_phone_verification(phone="0151 23456781")


class TestUpcomingCap:
    def book(self, topic, hour, **kwargs):
        return book_appointment(
            topic=topic,
            mode="video",
            start=at(TUESDAY, time(hour)),
            client=ClientDetails(name="Aylin Demir", phone="0151 23456789"),
            **kwargs,
        )

    def test_a_client_may_hold_the_offices_number_of_upcoming_appointments(self, topic, settings):
        topic.office.require_phone_verification = False
        topic.office.save()
        self.book(topic, 9)
        self.book(topic, 10)
        with pytest.raises(TooManyBookings) as refused:
            self.book(topic, 11)
        assert refused.value.status_code == 409
        assert "0611 123 4567" in str(refused.value.message)

    def test_staff_bookings_are_exempt(self, topic):
        for hour in (9, 10, 11):
            self.book(topic, hour, booked_by=UserFactory())

    def test_past_and_cancelled_appointments_do_not_count(self, topic, time_machine):
        from appointments.services.booking import cancel_appointment

        topic.office.require_phone_verification = False
        topic.office.max_upcoming_per_client = 1
        topic.office.save()
        first = self.book(topic, 9)
        cancel_appointment(appointment=first.appointment, by="client")
        self.book(topic, 10)
        time_machine.move_to(at(TUESDAY, "11:00"), tick=False)
        book_appointment(
            topic=topic,
            mode="video",
            start=at(TUESDAY + timedelta(days=1), "09:00"),
            client=ClientDetails(name="Aylin Demir", phone="0151 23456789"),
        )


@pytest.mark.parametrize(
    ("peer", "counted_as"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
    ],
)
def test_an_ipv6_address_counts_as_its_64(rf, peer, counted_as):
    assert address(rf.get("/", REMOTE_ADDR=peer)) == counted_as
