"""One client record per number, shared by the offices: changed only with proof, and then audited."""

import re

import pytest

from appointments.models import AuditEntry, Client
from appointments.services.booking import ClientDetails
from appointments.services.verification import confirm_phone_verification, start_phone_verification
from tests.factories import CaseworkerFactory, OfficeFactory, TopicFactory, week_of_hours
from tests.scenario import TUESDAY_10, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

PHONE = "+4915123456789"
OWNER = ClientDetails(
    name="Aylin Demir",
    phone=PHONE,
    email="aylin@example.org",
    customer_number="123D456789",
    language="tr",
    sms_consent=True,
)
STRANGER = ClientDetails(
    name="Mallory", phone="0151 23456789", email="m@example.net", customer_number="999", language="en"
)
STORED = ("Aylin Demir", "aylin@example.org", "123D456789", "tr", True)


def stored() -> tuple:
    return Client.objects.values_list("name", "email", "customer_number", "language", "sms_consent").get(
        phone=PHONE
    )


def staffed_topic(office=None):
    topic = TopicFactory(office=office or OfficeFactory())
    worker = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(worker)
    return topic, worker


@pytest.fixture
def home():
    """The office that knows the client: one booking there with the owner's details."""
    topic, worker = staffed_topic()
    book(topic, client=OWNER, booked_by=worker.user)
    return topic, worker


class TestWithoutProof:
    def test_an_office_without_verification_books_with_the_record_unchanged(self, home):
        elsewhere, _worker = staffed_topic()

        booking = book(elsewhere, client=STRANGER)

        assert stored() == STORED
        assert booking.appointment.client.name == "Aylin Demir"
        assert booking.details_kept
        entry = AuditEntry.objects.get(action="booked", appointment_id=booking.appointment.pk)
        assert entry.detail == "details_kept"
        assert not AuditEntry.objects.filter(action="contact_changed").exists()

    def test_staff_of_an_office_that_never_served_the_client_change_nothing(self, home):
        elsewhere, worker = staffed_topic()

        booking = book(elsewhere, client=STRANGER, booked_by=worker.user)

        assert stored() == STORED
        assert booking.details_kept

    def test_consent_is_neither_withdrawn_nor_given_by_a_stranger(self, home):
        elsewhere, _worker = staffed_topic()
        book(elsewhere, client=OWNER, sms_consent=False)
        assert stored()[4] is True

    def test_the_same_details_are_no_difference(self, home):
        elsewhere, _worker = staffed_topic()
        booking = book(elsewhere, client=OWNER)
        assert not booking.details_kept
        assert AuditEntry.objects.get(appointment_id=booking.appointment.pk).detail == ""


class TestWithProof:
    def test_staff_of_the_office_that_serves_the_client_change_it_audited(self, home):
        topic, worker = home

        booking = book(topic, TUESDAY_10, client=STRANGER, booked_by=worker.user)

        assert stored() == ("Mallory", "m@example.net", "999", "en", False)
        assert not booking.details_kept
        entry = AuditEntry.objects.get(action="contact_changed")
        assert (entry.actor_id, entry.office_id, entry.client_id, entry.party) == (
            worker.user.pk,
            topic.office_id,
            booking.appointment.client_id,
            "staff",
        )
        assert entry.detail == "name,email,customer_number,language,sms_consent"

    def test_the_sms_code_for_the_number_lets_the_client_change_it(
        self, home, sms_outbox, django_capture_on_commit_callbacks
    ):
        strict = OfficeFactory(require_phone_verification=True)
        elsewhere, _worker = staffed_topic(strict)
        with django_capture_on_commit_callbacks(execute=True):
            verification = start_phone_verification(phone=PHONE)
        code = re.search(r"\d{6}", sms_outbox[-1].body).group()
        token = confirm_phone_verification(verification_id=verification.id, code=code)

        new_email = ClientDetails(**{**OWNER.__dict__, "email": "neu@example.org"})
        book(elsewhere, client=new_email, verification_token=token)

        assert stored()[1] == "neu@example.org"
        entry = AuditEntry.objects.get(action="contact_changed")
        assert (entry.party, entry.office_id, entry.detail) == ("client", strict.pk, "email")


def test_a_new_number_is_stored_as_given():
    topic, _worker = staffed_topic()
    booking = book(topic, client=OWNER)
    assert stored() == STORED
    assert not booking.details_kept
    assert not AuditEntry.objects.filter(action="contact_changed").exists()
