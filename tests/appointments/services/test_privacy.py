"""A client's data: found by code, number or customer number; exported as JSON; erased on request."""

import json
from datetime import UTC, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from appointments.models import AuditEntry, Client, InterpreterRequest, Notification
from appointments.services.booking import cancel_appointment
from appointments.services.interpreter_offers import accept_interpreter_request
from appointments.services.outbox.worker import run_due_messages
from appointments.services.privacy import (
    Erasure,
    erase_client,
    export_client_data,
    find_office_clients,
    stored_counts,
)
from appointments.services.verification import start_phone_verification
from tests.factories import (
    CaseworkerFactory,
    InterpreterFactory,
    OfficeFactory,
    TopicFactory,
    UserFactory,
    week_of_hours,
)
from tests.scenario import AYLIN_IN_FULL, TUESDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]

PHONE = "+4915123456789"


@pytest.fixture
def coordinator(office):
    return CaseworkerFactory(office=office, is_coordinator=True, user=UserFactory(username="koordination"))


class TestFind:
    def test_by_code_number_and_customer_number(self, topic, office, coordinator):
        appointment = book(topic, client=AYLIN_IN_FULL).appointment
        client = appointment.client
        user = coordinator.user
        for query in (
            appointment.reference,
            appointment.reference.lower(),
            "0151 23456789",
            PHONE,
            "123d456789",
        ):
            assert find_office_clients(office=office, user=user, query=query) == [client], query
        assert find_office_clients(office=office, user=user, query="") == []
        assert find_office_clients(office=office, user=user, query="nobody") == []

    def test_only_clients_of_the_office(self, topic):
        appointment = book(topic, client=AYLIN_IN_FULL).appointment
        other = CaseworkerFactory(office=OfficeFactory(), is_coordinator=True)
        for query in (appointment.reference, PHONE, "123D456789"):
            assert find_office_clients(office=other.office, user=other.user, query=query) == []


class TestExport:
    def test_bookings_messages_and_history_without_hashes(self, topic, office, coordinator):
        booking = book(topic, client=AYLIN_IN_FULL)
        run_due_messages()
        start_phone_verification(phone=PHONE)
        client = booking.appointment.client

        data = export_client_data(client, actor=coordinator.user, office=office)

        text = json.dumps(data)  # JSON-ready as it is
        assert data["client"]["name"] == "Aylin Demir"
        assert data["client"]["phone"] == PHONE
        assert data["client"]["customer_number"] == "123D456789"
        [appointment] = data["appointments"]
        assert appointment["reference"] == booking.appointment.reference
        assert appointment["start"] == TUESDAY_9.astimezone(UTC).isoformat()
        kinds = {(m["kind"], m["channel"]) for m in data["messages"]}
        assert ("confirmation", "sms") in kinds
        assert ("confirmation", "email") in kinds
        assert ("verification_code", "sms") in kinds
        assert all(m["recipient"] in (PHONE, "aylin@example.org") for m in data["messages"])
        assert len(data["phone_verifications"]) == 1
        assert [entry["action"] for entry in data["history"]] == ["booked"]
        assert booking.appointment.manage_token_hash not in text
        assert "code_hash" not in text
        assert "token_hash" not in text

    def test_the_export_is_in_the_audit_log(self, topic, office, coordinator):
        client = book(topic, client=AYLIN_IN_FULL).appointment.client
        export_client_data(client, actor=coordinator.user, office=office)
        entry = AuditEntry.objects.get(action="exported")
        assert (entry.client_id, entry.office_id, entry.actor_id, entry.party) == (
            client.pk,
            office.pk,
            coordinator.user.pk,
            "staff",
        )


class TestErase:
    def test_upcoming_cancelled_without_telling_the_client_and_anonymised(
        self, topic, office, coordinator, caseworker, django_capture_on_commit_callbacks
    ):
        caseworker.user.email = "fachkraft@example.org"
        caseworker.user.save(update_fields=["email"])
        interpreter = InterpreterFactory(languages=["ar"], email="dolmetsch@example.org")
        upcoming = book(topic, client=AYLIN_IN_FULL, interpreter_language="ar").appointment
        request = InterpreterRequest.objects.get(appointment=upcoming)
        accept_interpreter_request(request_id=request.pk, interpreter=interpreter)
        run_due_messages()
        client = upcoming.client
        sent_before = Notification.objects.filter(audience="client", status="sent").count()

        with django_capture_on_commit_callbacks(execute=True):
            assert erase_client(client, actor=coordinator.user, office=office).cancelled == 1

        upcoming.refresh_from_db()
        assert (upcoming.status, upcoming.cancelled_by) == ("cancelled", "staff")
        client.refresh_from_db()
        assert (client.name, client.phone, client.email, client.customer_number) == (
            "–",
            f"anon-{client.pk}",
            "",
            "",
        )
        cancelled = Notification.objects.filter(appointment=upcoming, kind="cancelled")
        assert cancelled.filter(audience="client").exists()
        assert not cancelled.filter(audience="client").exclude(status="cancelled").exists()
        # The interpreter and the caseworker still hear of it.
        assert cancelled.filter(audience="interpreter", status="pending").exists()
        assert cancelled.filter(audience="caseworker", status="pending").exists()
        run_due_messages()
        assert Notification.objects.filter(audience="client", status="sent").count() == sent_before
        assert set(AuditEntry.objects.values_list("action", flat=True)) >= {"cancelled", "erased"}
        erased = AuditEntry.objects.get(action="erased")
        assert (erased.actor_id, erased.office_id, erased.client_id) == (
            coordinator.user.pk,
            office.pk,
            client.pk,
        )

    def test_the_time_is_free_again(self, topic, office, coordinator):
        client = book(topic, client=AYLIN_IN_FULL).appointment.client
        erase_client(client, actor=coordinator.user, office=office)
        again = book(topic, client=AYLIN_IN_FULL, phone="0151 23450001", customer_number="")
        assert again.appointment.start == TUESDAY_9

    def test_past_appointments_keep_their_figures(self, topic, office, coordinator, time_machine, now):
        past = book(topic, client=AYLIN_IN_FULL).appointment
        cancel_appointment(appointment=past, by="client", reason="Bin krank, Aylin")
        time_machine.move_to(now + timedelta(days=2), tick=False)

        assert erase_client(past.client, actor=coordinator.user, office=office).cancelled == 0

        past.refresh_from_db()
        assert (past.status, past.cancel_reason, past.mode, past.start) == (
            "cancelled",
            "",
            "video",
            TUESDAY_9,
        )

    def test_counts_before_and_after(self, topic, office, coordinator):
        client = book(topic, client=AYLIN_IN_FULL).appointment.client
        assert stored_counts(client) == {
            "appointments": 1,
            "upcoming": 1,
            "messages": 4,
            "verifications": 0,
            "audit": 1,
        }
        erase_client(client, actor=coordinator.user, office=office)
        client.refresh_from_db()
        counts = stored_counts(client)
        assert (counts["appointments"], counts["upcoming"]) == (1, 0)
        assert Client.objects.filter(name="Aylin Demir").count() == 0

    def test_erasing_twice_writes_one_entry(self, topic, office, coordinator):
        client = book(topic, client=AYLIN_IN_FULL).appointment.client
        erase_client(client, actor=coordinator.user, office=office)
        client.refresh_from_db()
        erase_client(client, actor=coordinator.user, office=office)
        assert AuditEntry.objects.filter(action="erased").count() == 1


@pytest.fixture
def elsewhere():
    """A second office with its own topic and caseworker."""
    topic = TopicFactory(office=OfficeFactory())
    week_of_hours(CaseworkerFactory(office=topic.office, topics=[topic]))
    return topic


@pytest.fixture
def data_protection_officer(coordinator):
    coordinator.user.user_permissions.add(
        Permission.objects.get(codename="process_all_client_data", content_type__app_label="appointments")
    )
    return get_user_model().objects.get(pk=coordinator.user.pk)  # without the cached permissions


class TestTwoOffices:
    """A person known to two offices: a coordinator's export and erasure cover their office's part."""

    @pytest.fixture
    def known_to_both(self, topic, elsewhere):
        here = book(topic, client=AYLIN_IN_FULL).appointment
        there = book(elsewhere, client=AYLIN_IN_FULL).appointment
        cancel_appointment(appointment=there, by="client", reason="Krank, Aylin Demir")
        return here, there

    def test_the_export_leaves_out_the_other_office(self, known_to_both, office, coordinator):
        here, there = known_to_both
        start_phone_verification(phone=PHONE)
        data = export_client_data(here.client, actor=coordinator.user, office=office)
        text = json.dumps(data, ensure_ascii=False)
        assert data["office"] == office.name
        assert [a["reference"] for a in data["appointments"]] == [here.reference]
        assert data["messages"]
        assert {m["appointment"] for m in data["messages"]} == {here.reference}
        assert data["phone_verifications"] == []
        assert {e["appointment"] for e in data["history"]} == {here.reference}
        assert there.reference not in text
        assert there.topic.office.name not in text
        assert "Krank" not in text
        assert stored_counts(here.client, actor=coordinator.user, office=office) == {
            "appointments": 1,
            "upcoming": 1,
            "messages": 4,
            "verifications": 0,
            "audit": 2,  # booked, and the export just now
        }

    def test_the_central_role_exports_everything(self, known_to_both, office, data_protection_officer):
        here, there = known_to_both
        data = export_client_data(here.client, actor=data_protection_officer, office=office)
        assert data["office"] is None
        assert {a["reference"] for a in data["appointments"]} == {here.reference, there.reference}

    def test_erasure_erases_the_office_part_and_keeps_the_shared_record(
        self, known_to_both, office, coordinator, elsewhere
    ):
        here, there = known_to_both

        erasure = erase_client(here.client, actor=coordinator.user, office=office)

        assert erasure == Erasure(cancelled=1, record_kept=True)
        person = Client.objects.get(phone=PHONE)
        assert (person.name, person.customer_number) == ("Aylin Demir", "123D456789")
        assert list(person.appointments.all()) == [there]
        there.refresh_from_db()
        assert there.cancel_reason == "Krank, Aylin Demir"  # the other office's note stays
        here.refresh_from_db()
        assert here.status == "cancelled"
        assert here.client != person
        assert here.client.phone == f"anon-{here.client_id}"
        assert here.client.name == "–"
        assert not Notification.objects.filter(appointment=here, audience="client").exclude(body="").exists()
        assert Notification.objects.filter(appointment=there, audience="client").exclude(body="").exists()
        assert find_office_clients(office=office, user=coordinator.user, query=PHONE) == []
        entry = AuditEntry.objects.get(action="erased")
        assert (entry.office_id, entry.client_id) == (office.pk, person.pk)

    def test_the_last_office_erases_the_person(self, known_to_both, office, coordinator, elsewhere):
        here, there = known_to_both
        erase_client(here.client, actor=coordinator.user, office=office)
        other = CaseworkerFactory(office=elsewhere.office, is_coordinator=True)

        erasure = erase_client(there.client, actor=other.user, office=elsewhere.office)

        assert not erasure.record_kept
        assert not Client.objects.filter(phone=PHONE).exists()

    def test_the_central_role_erases_everywhere_logged_in_both(
        self, known_to_both, office, elsewhere, data_protection_officer
    ):
        here, _there = known_to_both
        erasure = erase_client(here.client, actor=data_protection_officer, office=office)
        assert not erasure.record_kept
        assert not Client.objects.filter(phone=PHONE).exists()
        assert set(AuditEntry.objects.filter(action="erased").values_list("office_id", flat=True)) == {
            office.pk,
            elsewhere.office_id,
        }
