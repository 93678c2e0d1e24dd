"""Staff ask for an interpreter after booking, or call one off: offered, withdrawn, audited, and only once."""

from datetime import timedelta

import pytest

from appointments.exceptions import ApplicationError, NotAllowed
from appointments.models import AuditEntry, InterpreterRequest, Notification
from appointments.services.booking import ClientDetails, book_appointment, cancel_appointment
from appointments.services.interpreter_offers import accept_interpreter_request
from appointments.services.interpreter_requests import (
    ask_for_interpreter,
    cancel_interpreter_request,
    interpreters_to_prefer,
)
from tests.factories import InterpreterFactory, UserFactory
from tests.scenario import THURSDAY_9

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]

Status = InterpreterRequest.Status


def interpreter(languages=("ar",), modes=("video", "telephone"), **kwargs):
    return InterpreterFactory(languages=languages, modes=list(modes), sms_consent=True, **kwargs)


@pytest.fixture
def appointment(topic):
    return book_appointment(
        topic=topic,
        mode="video",
        start=THURSDAY_9,
        client=ClientDetails(name="Aylin Demir", phone="0151 23456789", sms_consent=True),
    ).appointment


def offers(appointment, status=Notification.Status.PENDING) -> set[str]:
    return set(
        Notification.objects.filter(
            appointment=appointment, kind=Notification.Kind.INTERPRETER_OFFER, status=status
        ).values_list("recipient", flat=True)
    )


def test_asking_offers_the_request_and_records_who_asked(appointment):
    arabic, other = interpreter(), interpreter(languages=("tr",))
    staff = UserFactory()

    request = ask_for_interpreter(appointment=appointment, language="ar", actor=staff)

    assert (request.status, request.language_id) == (Status.OPEN, "ar")
    appointment.refresh_from_db()
    assert appointment.interpreter_language == "ar"
    assert offers(appointment) == {arabic.phone}
    assert other.phone not in offers(appointment)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.INTERPRETER)
    assert (entry.actor_id, entry.appointment_id, entry.detail) == (staff.pk, appointment.pk, "requested:ar")


def test_a_preferred_interpreter_is_offered_it_alone_first(appointment):
    preferred, _other = interpreter(), interpreter()

    request = ask_for_interpreter(appointment=appointment, language="ar", preferred=preferred)

    assert request.preferred_interpreter == preferred
    assert request.pool_offered_at is None
    assert offers(appointment) == {preferred.phone}


def test_a_preferred_interpreter_must_speak_the_language(appointment):
    with pytest.raises(ApplicationError) as refused:
        ask_for_interpreter(appointment=appointment, language="ar", preferred=interpreter(languages=("tr",)))
    assert refused.value.field == "preferred"
    with pytest.raises(ApplicationError):
        ask_for_interpreter(appointment=appointment, language="xx")
    assert not InterpreterRequest.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.INTERPRETER).exists()


def test_only_one_request_at_a_time(appointment):
    ask_for_interpreter(appointment=appointment, language="ar")
    with pytest.raises(NotAllowed):
        ask_for_interpreter(appointment=appointment, language="tr")
    assert InterpreterRequest.objects.get().language_id == "ar"


def test_calling_off_an_open_request_withdraws_the_offers_not_yet_sent(appointment):
    arabic = interpreter()
    ask_for_interpreter(appointment=appointment, language="ar")
    staff = UserFactory()

    request = cancel_interpreter_request(appointment=appointment, actor=staff)

    assert request.status == Status.CANCELLED
    assert offers(appointment) == set()
    assert offers(appointment, Notification.Status.CANCELLED) == {arabic.phone}
    appointment.refresh_from_db()
    assert appointment.interpreter_language == ""
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.INTERPRETER).latest("id")
    assert (entry.actor_id, entry.detail) == (staff.pk, "cancelled")


def test_calling_off_an_accepted_job_tells_the_interpreter(appointment):
    arabic = interpreter(email="dolmetsch@example.org")
    request = ask_for_interpreter(appointment=appointment, language="ar")
    accept_interpreter_request(request_id=request.pk, interpreter=arabic)

    cancel_interpreter_request(appointment=appointment)

    cancelled = Notification.objects.filter(
        appointment=appointment, kind=Notification.Kind.CANCELLED, audience=Notification.Audience.INTERPRETER
    )
    assert set(cancelled.values_list("recipient", flat=True)) == {arabic.phone, "dolmetsch@example.org"}


def test_nothing_to_call_off(appointment):
    with pytest.raises(NotAllowed):
        cancel_interpreter_request(appointment=appointment)
    ask_for_interpreter(appointment=appointment, language="ar")
    cancel_interpreter_request(appointment=appointment)
    with pytest.raises(NotAllowed):
        cancel_interpreter_request(appointment=appointment)


def test_asking_again_after_calling_off(appointment):
    ask_for_interpreter(appointment=appointment, language="ar")
    cancel_interpreter_request(appointment=appointment)

    request = ask_for_interpreter(appointment=appointment, language="tr")

    assert InterpreterRequest.objects.get() == request
    assert (request.status, request.language_id) == (Status.OPEN, "tr")


@pytest.mark.parametrize("change", ["cancelled", "begun"])
def test_no_changes_to_a_cancelled_or_begun_appointment(appointment, change, time_machine):
    if change == "cancelled":
        cancel_appointment(appointment=appointment, by="staff")
    else:
        time_machine.move_to(THURSDAY_9 + timedelta(minutes=1), tick=False)
    with pytest.raises(NotAllowed):
        ask_for_interpreter(appointment=appointment, language="ar")
    assert not InterpreterRequest.objects.exists()


def test_staff_may_prefer_those_who_take_the_mode(appointment):
    video = interpreter(name="Video")
    interpreter(modes=("telephone",), name="Telephone only")
    interpreter(name="Inactive", active=False)

    assert interpreters_to_prefer(appointment) == [video]
