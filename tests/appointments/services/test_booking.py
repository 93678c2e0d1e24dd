"""book_appointment, reschedule_appointment, cancel_appointment, record_outcome."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from appointments.exceptions import (
    ApplicationError,
    InvalidPhoneNumber,
    NotAllowed,
    SlotNotOffered,
    SlotTaken,
    VerificationFailed,
)
from appointments.models import Appointment, Client, InterpreterRequest
from appointments.services.availability import free_slots
from appointments.services.booking import (
    ClientDetails,
    cancel_appointment,
    record_outcome,
    reschedule_appointment,
)
from appointments.services.references import REFERENCE_ALPHABET, normalize_reference
from appointments.services.tokens import token_matches
from appointments.services.verification import confirm_phone_verification, start_phone_verification
from tests.factories import CaseworkerFactory, TopicFactory, UserFactory, week_of_hours
from tests.scenario import BERLIN, TUESDAY, at, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


@pytest.mark.usefixtures("caseworker")
class TestBook:
    def test_books_and_returns_a_token_stored_only_as_hash(self, topic, caseworker):
        booking = book(topic, at(TUESDAY, "09:00"))
        appointment = Appointment.objects.get()
        assert appointment == booking.appointment
        assert appointment.caseworker == caseworker
        assert appointment.status == Appointment.Status.BOOKED
        assert appointment.version == 0
        assert (appointment.start, appointment.end) == (at(TUESDAY, "09:00"), at(TUESDAY, "09:30"))
        assert len(appointment.reference) == 8
        assert set(appointment.reference) <= set(REFERENCE_ALPHABET)
        assert len(booking.manage_token) >= 22  # 128 bits, URL-safe
        assert booking.manage_token not in appointment.manage_token_hash
        assert token_matches(booking.manage_token, appointment.manage_token_hash)
        assert not token_matches(booking.manage_token + "x", appointment.manage_token_hash)

    def test_client_is_stored_with_e164_and_reused_by_number(self, topic):
        book(topic, at(TUESDAY, "09:00"))
        book(
            topic,
            at(TUESDAY, "10:00"),
            client=ClientDetails(name="Aylin D.", phone="+49 151 23456789", email="a@example.org"),
        )
        client = Client.objects.get()
        assert client.phone == "+4915123456789"
        # Without an SMS code (the office needs none) the record is not changed (test_client_records.py).
        assert (client.name, client.email) == ("Aylin Demir", "")
        assert client.appointments.count() == 2

    def test_buffers_widen_the_blocked_time(self, topic, caseworker):
        topic.buffer_before = timedelta(minutes=5)
        topic.buffer_after = timedelta(minutes=10)
        topic.save()
        appointment = book(topic, at(TUESDAY, "09:15")).appointment
        assert (appointment.blocked_from, appointment.blocked_until) == (
            at(TUESDAY, "09:10"),
            at(TUESDAY, "09:55"),
        )

    def test_taken_time_is_refused(self, topic):
        book(topic, at(TUESDAY, "09:00"))
        with pytest.raises(SlotTaken):
            book(topic, at(TUESDAY, "09:15"), client=ClientDetails(name="B", phone="0170 1234567"))
        assert Appointment.objects.count() == 1

    @pytest.mark.parametrize(
        "start",
        [
            at(TUESDAY, "09:05"),
            at(TUESDAY, "12:00"),
            at(date(2026, 12, 5), "09:00"),
            at(date(2026, 11, 30), "07:00"),
            at(date(2027, 3, 1), "09:00"),
        ],
        ids=["off-grid", "after-hours", "saturday", "too-soon", "beyond-horizon"],
    )
    def test_times_not_offered_are_refused(self, topic, start):
        with pytest.raises(SlotNotOffered) as caught:
            book(topic, start)
        assert caught.value.field == "start"
        assert not Appointment.objects.exists()
        assert not Client.objects.exists()

    def test_mode_must_be_allowed_by_the_topic(self, office, caseworker):
        phone_topic = TopicFactory(office=office, modes=["telephone"])
        caseworker.topics.add(phone_topic)
        with pytest.raises(ApplicationError) as caught:
            book(phone_topic, at(TUESDAY, "09:00"), mode="video")
        assert caught.value.field == "mode"

    @pytest.mark.parametrize("phone", ["030 1234567", "12345", "not a number", "+49 151 2345678"])
    def test_only_valid_mobile_numbers(self, topic, phone):
        with pytest.raises(InvalidPhoneNumber) as caught:
            book(topic, at(TUESDAY, "09:00"), client=ClientDetails(name="A", phone=phone))
        assert caught.value.field == "client.phone"

    def test_name_is_required(self, topic):
        with pytest.raises(ApplicationError) as caught:
            book(topic, at(TUESDAY, "09:00"), client=ClientDetails(name="  ", phone="0151 23456789"))
        assert caught.value.field == "client.name"

    def test_unknown_language_is_refused(self, topic):
        with pytest.raises(ApplicationError) as caught:
            book(topic, at(TUESDAY, "09:00"), interpreter_language="xx")
        assert caught.value.field == "interpreter_language"

    def test_naive_time_is_refused(self, topic):
        with pytest.raises(ApplicationError) as caught:
            book(topic, datetime(2026, 12, 1, 9))
        assert caught.value.field == "start"

    def test_interpreter_need_creates_a_request_and_any_caseworker_may_take_it(self, topic):
        appointment = book(topic, at(TUESDAY, "09:00"), language="de", interpreter_language="ar").appointment
        request = InterpreterRequest.objects.get()
        assert request.appointment == appointment
        assert request.language_id == "ar"
        assert request.status == InterpreterRequest.Status.OPEN

    def test_consultation_in_a_language_needs_a_caseworker_speaking_it(self, topic):
        with pytest.raises(SlotNotOffered):
            book(topic, at(TUESDAY, "09:00"), language="ar")

    def test_a_named_caseworker_gets_the_booking(self, topic, caseworker):
        colleague = CaseworkerFactory(office=topic.office, topics=[topic])
        week_of_hours(colleague)
        assert book(topic, at(TUESDAY, "09:00"), caseworker=colleague).appointment.caseworker == colleague
        with pytest.raises(SlotTaken):
            book(
                topic,
                at(TUESDAY, "09:00"),
                caseworker=colleague,
                client=ClientDetails(name="B", phone="0170 1234567"),
            )


class TestFairChoice:
    def test_least_booked_that_week_then_round_robin(self, topic):
        workers = [CaseworkerFactory(office=topic.office, topics=[topic]) for _ in range(3)]
        for worker in workers:
            week_of_hours(worker)
        chosen = [
            book(
                topic,
                at(TUESDAY + timedelta(days=n), "09:00"),
                client=ClientDetails(name="A", phone=f"0170 123456{n}"),
            ).appointment.caseworker
            for n in range(3)
        ]
        assert sorted(w.pk for w in chosen) == sorted(w.pk for w in workers)
        # One more each: nobody gets a second booking before everyone has had one.
        more = [
            book(
                topic,
                at(TUESDAY + timedelta(days=n), "10:00"),
                client=ClientDetails(name="A", phone=f"0170 123457{n}"),
            ).appointment.caseworker
            for n in range(3)
        ]
        assert sorted(w.pk for w in more) == sorted(w.pk for w in workers)

    def test_next_week_counts_afresh(self, topic):
        busy, idle = (CaseworkerFactory(office=topic.office, topics=[topic]) for _ in range(2))
        week_of_hours(busy)
        week_of_hours(idle, start=time(13), end=time(15))
        for n in range(3):
            book(
                topic,
                at(TUESDAY + timedelta(days=n), "09:00"),
                client=ClientDetails(name="A", phone=f"0170 123456{n}"),
            )
        next_week = date(2026, 12, 8)
        busy_only = book(topic, at(next_week, "09:00"), client=ClientDetails(name="B", phone="0170 1234570"))
        assert busy_only.appointment.caseworker == busy


class TestVerification:
    @pytest.fixture
    def strict_office(self, office):
        office.require_phone_verification = True
        office.save()
        return office

    @pytest.fixture
    def verified(self, sms_outbox, django_capture_on_commit_callbacks):
        """A function that confirms a number by the code sent to it, returning the token."""

        def confirm(phone="0151 23456789"):
            with django_capture_on_commit_callbacks(execute=True):
                verification = start_phone_verification(phone=phone)
            code = re.search(r"\d{6}", sms_outbox[-1].body).group()
            return confirm_phone_verification(verification_id=verification.id, code=code)

        return confirm

    @pytest.mark.usefixtures("strict_office", "caseworker")
    def test_needs_a_token_for_the_same_number(self, topic, verified):
        with pytest.raises(VerificationFailed) as caught:
            book(topic, at(TUESDAY, "09:00"))
        assert caught.value.field == "verification_token"
        other = verified(phone="0170 1234567")
        with pytest.raises(VerificationFailed):
            book(topic, at(TUESDAY, "09:00"), verification_token=other)
        assert not Appointment.objects.exists()

    @pytest.mark.usefixtures("strict_office", "caseworker")
    def test_token_is_used_once_and_kept_when_the_time_was_taken(self, topic, verified):
        token = verified()
        book(
            topic,
            at(TUESDAY, "09:00"),
            client=ClientDetails(name="B", phone="0170 1234567"),
            booked_by=UserFactory(),
        )
        with pytest.raises(SlotTaken):
            book(topic, at(TUESDAY, "09:00"), verification_token=token)
        assert book(topic, at(TUESDAY, "10:00"), verification_token=token).appointment.start == at(
            TUESDAY, "10:00"
        )
        with pytest.raises(VerificationFailed):
            book(topic, at(TUESDAY, "11:00"), verification_token=token)

    @pytest.mark.usefixtures("strict_office", "caseworker")
    def test_staff_book_without_a_code(self, topic):
        staff = UserFactory()
        assert book(topic, at(TUESDAY, "09:00"), booked_by=staff).appointment.booked_by == staff


@pytest.mark.usefixtures("caseworker")
class TestReschedule:
    def test_keeps_reference_and_raises_version(self, topic):
        appointment = book(topic, at(TUESDAY, "09:00")).appointment
        moved = reschedule_appointment(appointment=appointment, start=at(TUESDAY, "11:00"))
        moved.refresh_from_db()
        assert moved.reference == appointment.reference
        assert moved.version == 1
        assert (moved.start, moved.end) == (at(TUESDAY, "11:00"), at(TUESDAY, "11:30"))
        assert at(TUESDAY, "09:00") in [
            slot.start for slot in free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY)
        ]

    def test_may_move_onto_part_of_its_own_time(self, topic):
        appointment = book(topic, at(TUESDAY, "09:00")).appointment
        moved = reschedule_appointment(appointment=appointment, start=at(TUESDAY, "09:15"))
        assert moved.start == at(TUESDAY, "09:15")

    def test_cannot_move_onto_another_appointment(self, topic):
        book(topic, at(TUESDAY, "10:00"), client=ClientDetails(name="B", phone="0170 1234567"))
        appointment = book(topic, at(TUESDAY, "09:00")).appointment
        with pytest.raises(SlotTaken):
            reschedule_appointment(appointment=appointment, start=at(TUESDAY, "10:15"))
        appointment.refresh_from_db()
        assert (appointment.start, appointment.version) == (at(TUESDAY, "09:00"), 0)

    def test_goes_to_a_free_colleague_when_its_caseworker_is_busy(self, topic, caseworker):
        colleague = CaseworkerFactory(office=topic.office, topics=[topic])
        week_of_hours(colleague, start=time(14), end=time(16))
        appointment = book(topic, at(TUESDAY, "09:00")).appointment
        moved = reschedule_appointment(appointment=appointment, start=at(TUESDAY, "14:00"))
        assert moved.caseworker == colleague

    def test_prefers_the_same_caseworker(self, topic, caseworker):
        colleague = CaseworkerFactory(office=topic.office, topics=[topic])
        week_of_hours(colleague)
        appointment = book(topic, at(TUESDAY, "09:00"), caseworker=caseworker).appointment
        for n in range(3):
            book(
                topic,
                at(date(2026, 12, 2 + n), "11:00"),
                caseworker=caseworker,
                client=ClientDetails(name="X", phone=f"0170 123456{n}"),
            )
        assert (
            reschedule_appointment(appointment=appointment, start=at(TUESDAY, "10:00")).caseworker
            == caseworker
        )

    def test_not_after_it_began_or_was_cancelled(self, topic, time_machine):
        appointment = book(topic, at(TUESDAY, "09:00")).appointment
        cancelled = book(
            topic, at(TUESDAY, "10:00"), client=ClientDetails(name="B", phone="0170 1234567")
        ).appointment
        cancel_appointment(appointment=cancelled, by=Appointment.Party.CLIENT)
        with pytest.raises(NotAllowed):
            reschedule_appointment(appointment=cancelled, start=at(TUESDAY, "11:00"))
        time_machine.move_to(at(TUESDAY, "09:05"), tick=False)
        with pytest.raises(NotAllowed):
            reschedule_appointment(appointment=appointment, start=at(date(2026, 12, 2), "11:00"))

    def test_across_the_clock_change_keeps_the_real_duration(self, topic, caseworker, time_machine):
        time_machine.move_to(datetime(2027, 10, 25, 6, tzinfo=UTC), tick=False)
        caseworker.availability_rules.create(weekday=6, start_time=time(1), end_time=time(4), modes=["video"])
        appointment = book(topic, datetime(2027, 10, 28, 9, tzinfo=BERLIN)).appointment
        late = datetime(2027, 10, 31, 2, 45, tzinfo=BERLIN)  # summer time; ends 02:15 winter time
        moved = reschedule_appointment(appointment=appointment, start=late)
        moved.refresh_from_db()
        assert moved.end - moved.start == timedelta(minutes=30)
        assert moved.end == datetime(2027, 10, 31, 1, 15, tzinfo=UTC)


@pytest.mark.usefixtures("caseworker")
class TestCancel:
    def test_cancels_and_frees_the_time(self, topic):
        appointment = book(topic, at(TUESDAY, "09:00")).appointment
        cancelled = cancel_appointment(appointment=appointment, by=Appointment.Party.CLIENT, reason="sick")
        cancelled.refresh_from_db()
        assert cancelled.status == Appointment.Status.CANCELLED
        assert (cancelled.version, cancelled.cancelled_by, cancelled.cancel_reason) == (1, "client", "sick")
        again = book(
            topic, at(TUESDAY, "09:00"), client=ClientDetails(name="B", phone="0170 1234567")
        ).appointment
        assert again.start == at(TUESDAY, "09:00")

    def test_cancels_the_interpreter_request(self, topic):
        appointment = book(topic, at(TUESDAY, "09:00"), interpreter_language="ar").appointment
        cancel_appointment(appointment=appointment, by=Appointment.Party.STAFF)
        assert InterpreterRequest.objects.get().status == InterpreterRequest.Status.CANCELLED

    def test_not_twice_and_not_after_it_began(self, topic, time_machine):
        first = book(topic, at(TUESDAY, "09:00")).appointment
        cancel_appointment(appointment=first, by=Appointment.Party.CLIENT)
        with pytest.raises(NotAllowed):
            cancel_appointment(appointment=first, by=Appointment.Party.CLIENT)
        second = book(topic, at(TUESDAY, "10:00")).appointment
        time_machine.move_to(at(TUESDAY, "10:00"), tick=False)
        with pytest.raises(NotAllowed):
            cancel_appointment(appointment=second, by=Appointment.Party.CLIENT)


@pytest.mark.usefixtures("caseworker")
class TestOutcome:
    def test_only_once_it_began(self, topic, time_machine):
        appointment = book(topic, at(TUESDAY, "09:00")).appointment
        with pytest.raises(NotAllowed):
            record_outcome(appointment=appointment, outcome=Appointment.Status.COMPLETED)
        time_machine.move_to(at(TUESDAY, "09:20"), tick=False)
        done = record_outcome(appointment=appointment, outcome=Appointment.Status.NO_SHOW, note="no answer")
        done.refresh_from_db()
        assert (done.status, done.version, done.outcome_note) == ("no_show", 1, "no answer")
        with pytest.raises(NotAllowed):
            record_outcome(appointment=appointment, outcome=Appointment.Status.COMPLETED)

    def test_only_completed_or_no_show(self, topic, time_machine):
        appointment = book(topic, at(TUESDAY, "09:00")).appointment
        time_machine.move_to(at(TUESDAY, "09:20"), tick=False)
        with pytest.raises(ApplicationError):
            record_outcome(appointment=appointment, outcome=Appointment.Status.CANCELLED)

    def test_cancelled_cannot_be_completed(self, topic, time_machine):
        appointment = book(topic, at(TUESDAY, "09:00")).appointment
        cancel_appointment(appointment=appointment, by=Appointment.Party.CLIENT)
        time_machine.move_to(at(TUESDAY, "09:20"), tick=False)
        with pytest.raises(NotAllowed):
            record_outcome(appointment=appointment, outcome=Appointment.Status.COMPLETED)


@pytest.mark.parametrize(("typed", "stored"), [("ab3c-7d9e", "AB3C7D9E"), (" AB3C 7D9E ", "AB3C7D9E")])
def test_references_are_read_as_people_type_them(typed, stored):
    assert normalize_reference(typed) == stored
