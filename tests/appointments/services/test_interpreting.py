"""Interpreter requests: offers to the right people, first accept wins, escalation over time."""

from datetime import time, timedelta

import pytest
from django.core import mail

from appointments.exceptions import NotFound
from appointments.models import InterpreterAbsence, InterpreterAvailability, InterpreterRequest, Notification
from appointments.services.booking import (
    cancel_appointment,
    reschedule_appointment,
)
from appointments.services.interpreter_escalation import escalate_interpreter_requests
from appointments.services.interpreter_figures import interpreter_figures
from appointments.services.interpreter_offers import (
    AlreadyTaken,
    accept_interpreter_request,
    access_interpreter_request,
    decline_interpreter_request,
    offers_for,
    withdraw_from_assignment,
)
from tests.factories import CaseworkerFactory, InterpreterFactory, week_of_hours
from tests.scenario import THURSDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]

Status = InterpreterRequest.Status


def interpreter(languages=("ar",), modes=("video", "telephone"), **kwargs):
    return InterpreterFactory(languages=languages, modes=list(modes), sms_consent=True, **kwargs)


def offered_to(appointment) -> set[str]:
    return set(
        Notification.objects.filter(
            appointment=appointment, kind=Notification.Kind.INTERPRETER_OFFER
        ).values_list("recipient", flat=True)
    )


class TestOffers:
    def test_offered_to_those_who_speak_take_the_mode_and_are_free(self, topic):
        arabic = interpreter()
        interpreter(languages=("tr",))
        interpreter(modes=("telephone",))
        away = interpreter()
        InterpreterAbsence.objects.create(
            interpreter=away, start=THURSDAY_9 - timedelta(hours=1), end=THURSDAY_9 + timedelta(hours=1)
        )
        mornings_only_elsewhere = interpreter()
        InterpreterAvailability.objects.create(
            interpreter=mornings_only_elsewhere, weekday=0, start_time=time(8), end_time=time(12)
        )
        appointment = book(topic, THURSDAY_9, interpreter_language="ar").appointment
        assert offered_to(appointment) == {arabic.phone}
        assert [r.appointment for r in offers_for(arabic)] == [appointment]
        assert offers_for(away) == []

    def test_an_interpreter_booked_elsewhere_is_not_offered(self, topic):
        colleague = CaseworkerFactory(office=topic.office, topics=[topic])
        week_of_hours(colleague)
        busy = interpreter()
        first = book(topic, THURSDAY_9, interpreter_language="ar").appointment
        accept_interpreter_request(request_id=first.interpreter_request.pk, interpreter=busy)
        second = book(
            topic, THURSDAY_9 + timedelta(minutes=15), phone="0170 1234567", interpreter_language="ar"
        ).appointment
        assert offered_to(second) == set()
        assert offers_for(busy) == []

    def test_the_client_last_interpreter_has_it_alone_first(self, topic, time_machine, now):
        usual, other = interpreter(), interpreter()
        earlier = book(topic, THURSDAY_9, interpreter_language="ar").appointment
        accept_interpreter_request(request_id=earlier.interpreter_request.pk, interpreter=usual)
        later = book(topic, THURSDAY_9 + timedelta(days=1), interpreter_language="ar").appointment
        request = later.interpreter_request
        assert request.preferred_interpreter == usual
        assert offered_to(later) == {usual.phone}
        assert offers_for(other) == []
        time_machine.move_to(now + timedelta(minutes=topic.office.interpreter_preferred_minutes), tick=False)
        escalate_interpreter_requests()
        assert offered_to(later) == {usual.phone, other.phone}
        assert [r.pk for r in offers_for(other)] == [request.pk]

    def test_a_decline_removes_the_offer(self, topic):
        person = interpreter()
        appointment = book(topic, THURSDAY_9, interpreter_language="ar").appointment
        decline_interpreter_request(
            request_id=appointment.interpreter_request.pk, interpreter=person, reason="ill"
        )
        assert offers_for(person) == []
        assert appointment.interpreter_request.declines.get().reason == "ill"


class TestAccept:
    def test_first_accept_wins(self, topic):
        first, second = interpreter(), interpreter()
        appointment = book(topic, THURSDAY_9, interpreter_language="ar").appointment
        request = accept_interpreter_request(request_id=appointment.interpreter_request.pk, interpreter=first)
        assert (request.status, request.interpreter) == (Status.ACCEPTED, first)
        with pytest.raises(AlreadyTaken):
            accept_interpreter_request(request_id=request.pk, interpreter=second)

    def test_the_interpreter_gets_an_invite_and_reminders(self, topic):
        person = interpreter(email="dolmetsch@example.org")
        appointment = book(topic, THURSDAY_9, interpreter_language="ar").appointment
        accept_interpreter_request(request_id=appointment.interpreter_request.pk, interpreter=person)
        mine = Notification.objects.filter(
            appointment=appointment, audience="interpreter", kind__in=["confirmation", "reminder"]
        )
        assert {(m.kind, m.channel) for m in mine} == {
            ("confirmation", "email"),
            ("reminder", "sms"),
        }
        assert mine.filter(kind="reminder").count() == 2

    def test_others_cannot_see_or_accept_someone_elses_assignment(self, topic):
        mine, stranger = interpreter(), interpreter(languages=("tr",))
        appointment = book(topic, THURSDAY_9, interpreter_language="ar").appointment
        request_id = appointment.interpreter_request.pk
        with pytest.raises(NotFound):
            access_interpreter_request(request_id=request_id, interpreter=stranger)
        accept_interpreter_request(request_id=request_id, interpreter=mine)
        with pytest.raises(NotFound):
            withdraw_from_assignment(request_id=request_id, interpreter=stranger)


class TestFollowingTheAppointment:
    def test_moved_keeps_the_interpreter_when_free(self, topic):
        person = interpreter()
        appointment = book(topic, THURSDAY_9, interpreter_language="ar").appointment
        accept_interpreter_request(request_id=appointment.interpreter_request.pk, interpreter=person)
        reschedule_appointment(appointment=appointment, start=THURSDAY_9 + timedelta(hours=1))
        request = InterpreterRequest.objects.get()
        assert (request.status, request.interpreter, request.blocked_from) == (
            Status.ACCEPTED,
            person,
            THURSDAY_9 + timedelta(hours=1),
        )

    def test_moved_onto_their_other_job_reopens(self, topic, caseworker):
        colleague = CaseworkerFactory(office=topic.office, topics=[topic])
        week_of_hours(colleague)
        person = interpreter()
        first = book(topic, THURSDAY_9, interpreter_language="ar").appointment
        second = book(
            topic, THURSDAY_9 + timedelta(hours=1), phone="0170 1234567", interpreter_language="ar"
        ).appointment
        accept_interpreter_request(request_id=first.interpreter_request.pk, interpreter=person)
        other = interpreter()
        accept_interpreter_request(request_id=second.interpreter_request.pk, interpreter=other)
        reschedule_appointment(
            appointment=second, start=THURSDAY_9
        )  # goes to the colleague; clashes with `other`? no
        moved = InterpreterRequest.objects.get(appointment=second)
        assert moved.status == Status.ACCEPTED  # `other` is still free at 09:00
        reschedule_appointment(appointment=first, start=THURSDAY_9 + timedelta(hours=2))
        assert InterpreterRequest.objects.get(appointment=first).interpreter == person

    def test_cancelled_appointment_closes_the_request_and_tells_the_interpreter(self, topic):
        person = interpreter(email="dolmetsch@example.org")
        appointment = book(topic, THURSDAY_9, interpreter_language="ar").appointment
        accept_interpreter_request(request_id=appointment.interpreter_request.pk, interpreter=person)
        cancel_appointment(appointment=appointment, by="client")
        assert InterpreterRequest.objects.get().status == Status.CANCELLED
        assert Notification.objects.filter(
            audience="interpreter", kind="cancelled", recipient=person.phone, channel="sms"
        ).exists()
        assert not Notification.objects.filter(
            audience="interpreter", kind="reminder", status="pending"
        ).exists()

    def test_withdrawing_reopens_for_everyone_else(self, topic):
        first, second = interpreter(), interpreter()
        appointment = book(topic, THURSDAY_9, interpreter_language="ar").appointment
        request_id = appointment.interpreter_request.pk
        accept_interpreter_request(request_id=request_id, interpreter=first)
        withdraw_from_assignment(request_id=request_id, interpreter=first, reason="double booked")
        request = InterpreterRequest.objects.get()
        assert (request.status, request.interpreter) == (Status.OPEN, None)
        assert [r.pk for r in offers_for(second)] == [request_id]
        assert offers_for(first) == []
        accept_interpreter_request(request_id=request_id, interpreter=second)


class TestEscalation:
    """Office defaults: remind after 4 h, alert 48 h before, telephone interpreting 24 h before."""

    def test_the_ladder_with_time_travel(self, topic, time_machine, now):
        topic.office.coordinator_email = "koordination@jobcenter.example"
        topic.office.save()
        person = interpreter()
        appointment = book(topic, THURSDAY_9, interpreter_language="ar").appointment
        request = appointment.interpreter_request
        assert escalate_interpreter_requests() == 0

        time_machine.move_to(now + timedelta(hours=4), tick=False)
        assert escalate_interpreter_requests() == 1
        assert Notification.objects.filter(kind="interpreter_reminder", recipient=person.phone).count() == 1
        assert escalate_interpreter_requests() == 0  # idempotent

        time_machine.move_to(THURSDAY_9 - timedelta(hours=48), tick=False)
        assert escalate_interpreter_requests() == 1
        request.refresh_from_db()
        assert request.status == Status.ESCALATED
        assert [m.to for m in mail.outbox] == [["koordination@jobcenter.example"]] or mail.outbox == []
        assert escalate_interpreter_requests() == 0

        time_machine.move_to(THURSDAY_9 - timedelta(hours=24), tick=False)
        assert escalate_interpreter_requests() == 1
        request.refresh_from_db()
        assert request.status == Status.FALLBACK
        assert request.fallback_at == THURSDAY_9 - timedelta(hours=24)
        assert escalate_interpreter_requests() == 0
        with pytest.raises(AlreadyTaken):
            accept_interpreter_request(request_id=request.pk, interpreter=person)

    def test_an_accepted_request_does_not_escalate(self, topic, time_machine):
        person = interpreter()
        appointment = book(topic, THURSDAY_9, interpreter_language="ar").appointment
        accept_interpreter_request(request_id=appointment.interpreter_request.pk, interpreter=person)
        time_machine.move_to(THURSDAY_9 - timedelta(hours=1), tick=False)
        assert escalate_interpreter_requests() == 0
        assert InterpreterRequest.objects.get().status == Status.ACCEPTED


def test_figures_per_language(topic, office, now, time_machine):
    person = interpreter()
    filled = book(topic, THURSDAY_9, interpreter_language="ar").appointment
    time_machine.move_to(now + timedelta(minutes=30), tick=False)
    accept_interpreter_request(request_id=filled.interpreter_request.pk, interpreter=person)
    book(topic, THURSDAY_9 + timedelta(days=1), phone="0170 1234567", interpreter_language="ar")
    [row] = interpreter_figures(office=office, since=now - timedelta(days=1), until=now + timedelta(days=1))
    assert row == {
        "language": "ar",
        "requests": 2,
        "filled": 1,
        "filled_in_time": 1,
        "fallbacks": 0,
        "median_minutes_to_accept": 30.0,
    }
