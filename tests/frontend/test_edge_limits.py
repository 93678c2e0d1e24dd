"""The booking pages' limits against abuse: calling codes, codes per session and address (shared with the
API), the office's SMS budget, bookings per address a day and per client, and finding a booking by code
that tells nobody whether it exists."""

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail

from appointments.models import Appointment, Notification, PhoneVerification
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.outbox.worker import run_due_messages
from tests.factories import UserFactory
from tests.frontend.conftest import FIRST_SLOT, PHONE

pytestmark = pytest.mark.django_db

DETAILS = {"name": "Aylin Demir", "phone": PHONE, "sms_consent": "on"}
WRONG_CODE = "Der Code stimmt nicht oder ist abgelaufen."
TOO_MANY = "Zu viele Versuche."


def rates(settings, **changed) -> None:
    current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **current,
            **{key.replace("_", "-"): rate for key, rate in changed.items()},
        },
    }


def to_details(client, topic, start=FIRST_SLOT):
    client.post("/", {"topic": topic.slug})
    client.post("/termin/art/", {"mode": "video"})
    client.post("/termin/sprache/", {"language": "de"})
    client.post("/termin/zeit/", {"start": start})
    return client


@pytest.fixture
def at_details(client, now, caseworker, topic):
    return to_details(client, topic)


def test_no_code_to_a_number_of_another_country_and_the_page_says_what_is_accepted(at_details, sms_outbox):
    page = at_details.post("/termin/angaben/", {**DETAILS, "phone": "+44 7400 123456"})

    assert page.status_code == 200
    assert "Wir können SMS nur an Handynummern senden, die mit +49 beginnen." in page.text
    assert sms_outbox == []
    assert not PhoneVerification.objects.exists()


def test_codes_per_session_are_limited(at_details, settings, time_machine, now):
    rates(settings, code_session="2/hour")
    assert at_details.post("/termin/angaben/", DETAILS).url == "/termin/code/"
    time_machine.move_to(now + timedelta(minutes=2), tick=False)
    at_details.post("/termin/code/", {"action": "resend"})
    time_machine.move_to(now + timedelta(minutes=4), tick=False)

    page = at_details.post("/termin/code/", {"action": "resend"}, follow=True)

    assert TOO_MANY in page.text
    assert PhoneVerification.objects.count() == 2


def test_codes_per_address_are_counted_with_the_apis(at_details, settings, client, topic):
    rates(settings, verification="2/hour")
    for number in range(2):
        answer = client.post(
            "/api/v1/phone-verifications/",
            {"phone": f"0151 2345670{number}"},
            content_type="application/json",
        )
        assert answer.status_code == 201

    page = at_details.post("/termin/angaben/", DETAILS)

    assert TOO_MANY in page.text
    assert PhoneVerification.objects.count() == 2
    other = to_details(type(client)(REMOTE_ADDR="192.0.2.9"), topic)
    assert other.post("/termin/angaben/", DETAILS).url == "/termin/code/"


def test_ipv6_addresses_of_one_64_share_their_count(settings, client, now, caseworker, topic):
    rates(settings, verification="1/hour")
    first = to_details(type(client)(REMOTE_ADDR="2001:db8:1:2::10"), topic)
    assert first.post("/termin/angaben/", DETAILS).url == "/termin/code/"

    neighbour = to_details(type(client)(REMOTE_ADDR="2001:db8:1:2:ffff::77"), topic)
    assert TOO_MANY in neighbour.post("/termin/angaben/", {**DETAILS, "phone": "0151 23456780"}).text


def test_when_the_budget_is_spent_the_page_asks_to_call_and_the_coordinator_is_told_once(
    at_details, office, sms_outbox, django_capture_on_commit_callbacks, client, topic
):
    office.sms_codes_per_day = 1
    office.coordinator_email = "koordination@jobcenter.example"
    office.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert at_details.post("/termin/angaben/", DETAILS).url == "/termin/code/"
        for number in range(2):
            other = to_details(type(client)(REMOTE_ADDR=f"192.0.2.{number + 10}"), topic)
            page = other.post("/termin/angaben/", {**DETAILS, "phone": f"0151 2345670{number}"})
            assert page.status_code == 200
            assert (
                "Wir können heute keine SMS-Codes mehr senden. Bitte rufen Sie uns an: 0611 123 4567."
                in page.text
            )

    assert len(sms_outbox) == 1
    run_due_messages()  # the alert is an outbox row like any message
    assert [message.to for message in mail.outbox] == [["koordination@jobcenter.example"]]


def test_bookings_per_address_a_day_are_limited(settings, client, now, caseworker, topic, office):
    rates(settings, booking_day="1/day")
    office.require_phone_verification = False
    office.save()
    assert to_details(client, topic).post("/termin/angaben/", DETAILS).url == "/termin/fertig/"

    again = to_details(client, topic, start="2026-11-30T10:00:00+01:00")
    page = again.post("/termin/angaben/", {**DETAILS, "phone": "0151 23456780"}, follow=True)

    assert TOO_MANY in page.text
    assert Appointment.objects.count() == 1


def test_a_client_with_the_offices_number_of_upcoming_appointments_is_told_so(at_details, office, topic):
    office.require_phone_verification = False
    office.save()
    for hour in (10, 11):
        book_appointment(
            topic=topic,
            mode="video",
            start=datetime.fromisoformat(f"2026-12-01T{hour}:00:00+01:00"),
            client=ClientDetails(name="Aylin Demir", phone=PHONE),
        )

    page = at_details.post("/termin/angaben/", DETAILS, follow=True)

    assert "Sie haben schon 2 anstehende Termine." in page.text
    assert "0611 123 4567" in page.text
    assert Appointment.objects.count() == 2


class TestFindingByCode:
    @pytest.fixture
    def booking(self, now, caseworker, topic):
        return book_appointment(
            topic=topic,
            mode="video",
            start=datetime.fromisoformat(FIRST_SLOT),
            client=ClientDetails(name="Aylin Demir", phone=PHONE),
            booked_by=UserFactory(),
        )

    def find(self, client, reference, phone=PHONE):
        return client.post("/m/", {"reference": reference, "phone": phone})

    def test_a_match_and_a_miss_look_the_same_and_neither_calls_the_provider(
        self, client, booking, sms_outbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            hit = self.find(client, booking.appointment.reference)
            miss = self.find(type(client)(), "ACDEFHJK")

        assert (hit.status_code, hit.url) == (miss.status_code, miss.url) == (302, "/m/code/")
        assert sms_outbox == []  # in neither request: the worker sends the one that matched
        run_due_messages()
        assert len(sms_outbox) == 1

    def test_the_limit_per_number_is_the_same_for_a_match_and_a_miss(self, client, booking, settings):
        rates(settings, find_number="2/day")
        for _attempt in range(2):
            assert self.find(client, "ACDEFHJK").status_code == 302

        hit = self.find(type(client)(), booking.appointment.reference)
        miss = self.find(type(client)(), "ACDEFHJK")

        assert hit.status_code == miss.status_code == 200
        assert TOO_MANY in hit.text
        assert TOO_MANY in miss.text
        assert not PhoneVerification.objects.exists()

    def test_a_refusal_after_the_lookup_does_not_show(self, client, booking, settings):
        settings.PHONE_CODES_PER_DAY = 1
        assert self.find(client, booking.appointment.reference).url == "/m/code/"

        again = self.find(type(client)(), booking.appointment.reference)

        assert again.url == "/m/code/"
        assert PhoneVerification.objects.count() == 1

    def test_wrong_codes_get_the_same_answer_and_lock_the_booking(
        self, client, booking, settings, sms_outbox
    ):
        settings.FIND_MAX_WRONG_CODES = 3
        self.find(client, booking.appointment.reference)
        run_due_messages()
        code = re.search(r"\b\d{6}\b", sms_outbox[-1].body).group()
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        miss = type(client)()
        self.find(miss, "ACDEFHJK")

        for _attempt in range(3):
            assert WRONG_CODE in client.post("/m/code/", {"code": wrong}).text
            assert WRONG_CODE in miss.post("/m/code/", {"code": wrong}).text
        locked = client.post("/m/code/", {"code": code})

        assert locked.status_code == 200
        assert WRONG_CODE in locked.text
        assert client.get("/m/termin/").url == "/m/"
        assert self.find(type(client)(), booking.appointment.reference).url == "/m/code/"
        assert Notification.objects.filter(kind=Notification.Kind.VERIFICATION_CODE).count() == 1
        link = f"/b/{booking.appointment.reference}/{booking.manage_token}/"
        assert client.get(link).status_code == 200

    def test_the_lock_ends_after_its_hours(self, client, booking, settings, sms_outbox, time_machine, now):
        settings.FIND_MAX_WRONG_CODES = 1
        self.find(client, booking.appointment.reference)
        client.post("/m/code/", {"code": "000000"})
        time_machine.move_to(now + timedelta(hours=settings.FIND_LOCK_HOURS, minutes=1), tick=False)

        self.find(client, booking.appointment.reference)
        run_due_messages()
        code = re.search(r"\b\d{6}\b", sms_outbox[-1].body).group()

        assert client.post("/m/code/", {"code": code}).url == "/m/termin/"

    def test_asking_again_too_soon_keeps_the_code_already_sent(self, client, booking, sms_outbox):
        self.find(client, booking.appointment.reference)
        run_due_messages()
        code = re.search(r"\b\d{6}\b", sms_outbox[-1].body).group()

        assert self.find(client, booking.appointment.reference).url == "/m/code/"

        assert PhoneVerification.objects.count() == 1
        assert client.post("/m/code/", {"code": code}).url == "/m/termin/"
