"""A group session's interpreters: one per language of the session, who interprets it, takes its
mode and is free then; replaced and removed by staff, told each time; and busy for requests."""

from datetime import timedelta

import pytest

from appointments.exceptions import ApplicationError, NotAllowed, NotFound
from appointments.models import GroupSessionInterpreter, Language, Notification
from appointments.services.group_session_interpreters import (
    assign_group_interpreter,
    group_assignments_for,
    interpreted_languages,
    interpreters_to_assign,
    remove_group_interpreter,
)
from appointments.services.group_sessions import cancel_group_session, schedule_group_session
from appointments.services.interpreter_matching import eligible_interpreters
from appointments.services.interpreter_offers import accept_interpreter_request, offers_for
from tests.factories import (
    AppointmentFactory,
    CaseworkerFactory,
    InterpreterFactory,
    InterpreterRequestFactory,
)
from tests.scenario import TUESDAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

ARABIC, GERMAN = "ar", "de"


def language(code: str) -> Language:
    return Language.objects.get(code=code)


def schedule(topic, *, clock="10:00", host=None, languages=(ARABIC, GERMAN, "uk")):
    host = host or CaseworkerFactory(office=topic.office)
    return schedule_group_session(
        topic=topic,
        start=at(TUESDAY, clock),
        hosts=[host],
        capacity=5,
        mode="in_person",
        languages=Language.objects.filter(code__in=languages),
    )


@pytest.fixture
def session(group_topic):
    return schedule(group_topic)


def interpreter(**extra):
    values = {"languages": [ARABIC], "modes": ["in_person", "video"], "sms_consent": True}
    values["email"] = "dolmetsch@example.org"
    return InterpreterFactory(**{**values, **extra})


def assign(session, person, code=ARABIC):
    return assign_group_interpreter(session=session, language=language(code), interpreter=person)


def messages_to(person) -> list[tuple[str, str]]:
    """(channel, what it says) of each message the interpreter got about group sessions, in order."""
    rows = Notification.objects.filter(kind="group_interpreter", recipient__in=[person.email, person.phone])
    return [
        (row.channel, "cancelled" if "abgesagt" in row.body else "assigned") for row in rows.order_by("pk")
    ]


def test_an_interpreter_of_the_language_is_assigned_and_told_by_e_mail_and_sms(session):
    person = interpreter()
    assignment = assign(session, person)
    assert (assignment.session, assignment.language_id, assignment.interpreter) == (session, ARABIC, person)
    assert messages_to(person) == [("email", "assigned"), ("sms", "assigned")]
    email = Notification.objects.get(kind="group_interpreter", channel="email")
    assert email.subject == "Dolmetscheinsatz am Di 1.12. um 10:00"
    assert email.body.startswith(
        f"Ihr Dolmetscheinsatz: Dienstag, 1. Dezember 2026 um 10:00 Uhr, vor Ort, {language(ARABIC).name}."
    )
    assert [entry.session for entry in group_assignments_for(person)] == [session]


def test_only_the_session_s_languages_other_than_german_are_interpreted(session):
    assert [each.code for each in interpreted_languages(session)] == [ARABIC, "uk"]
    for code in (GERMAN, "tr"):
        with pytest.raises(ApplicationError) as refused:
            assign(session, interpreter(languages=[code]), code)
        assert refused.value.field == "language"


@pytest.mark.parametrize(
    "person",
    [
        {"languages": ["tr"]},  # does not interpret Arabic
        {"active": False},
        {"modes": ["telephone", "video"]},  # does not come to the job centre
    ],
)
def test_the_interpreter_must_interpret_the_language_in_the_session_s_mode(session, person):
    with pytest.raises(ApplicationError) as refused:
        assign(session, interpreter(**person))
    assert refused.value.field == "interpreter"
    assert not GroupSessionInterpreter.objects.exists()


def test_an_absent_or_busy_interpreter_is_not_free(group_topic, session):
    absent, in_a_job, in_a_session, free = (interpreter() for _ in range(4))
    absent.absences.create(start=at(TUESDAY, "09:00"), end=at(TUESDAY, "10:30"))
    job = AppointmentFactory(topic=group_topic, start=at(TUESDAY, "10:45"), interpreter_language=ARABIC)
    InterpreterRequestFactory(appointment=job, status="accepted", interpreter=in_a_job)
    assign(schedule(group_topic, clock="10:30"), in_a_session)
    assert interpreters_to_assign(session, language(ARABIC)) == [free]
    for person in (absent, in_a_job, in_a_session):
        with pytest.raises(ApplicationError, match="nicht frei") as refused:
            assign(session, person)
        assert refused.value.field == "interpreter"
    assign(session, free)


def test_a_cancelled_session_or_a_later_one_leaves_the_interpreter_free(group_topic, session):
    person = interpreter()
    other = schedule(group_topic, clock="10:30")
    assign(other, person)
    cancel_group_session(session=other)
    assign(schedule(group_topic, clock="11:00"), person)
    assign(session, person)
    assert GroupSessionInterpreter.objects.filter(interpreter=person).count() == 3


def test_one_interpreter_does_not_interpret_two_languages_of_one_session(session):
    person = interpreter(languages=[ARABIC, "uk"])
    assign(session, person)
    with pytest.raises(ApplicationError, match="nicht frei"):
        assign(session, person, "uk")


def test_staff_replace_and_remove_an_interpreter_and_each_is_told(session):
    first, second = interpreter(email="erste@example.org"), interpreter(email="zweite@example.org")
    assign(session, first)
    assert assign(session, first).interpreter == first  # the same again changes nothing
    assert assign(session, second).interpreter == second
    assert GroupSessionInterpreter.objects.get().interpreter == second
    told = [("email", "assigned"), ("sms", "assigned"), ("email", "cancelled"), ("sms", "cancelled")]
    assert messages_to(first) == told
    assert Notification.objects.filter(recipient=first.phone).order_by("pk").last().body == (
        "Ihr Dolmetscheinsatz am Di 1.12. um 10:00 ist abgesagt."
    )
    remove_group_interpreter(session=session, language=language(ARABIC))
    assert not GroupSessionInterpreter.objects.exists()
    assert messages_to(second) == told
    with pytest.raises(NotAllowed) as refused:
        remove_group_interpreter(session=session, language=language(ARABIC))
    assert refused.value.field == "language"


def test_calling_the_session_off_tells_its_interpreters(session):
    person = interpreter()
    assign(session, person)
    cancel_group_session(session=session)
    assert messages_to(person) == [
        ("email", "assigned"),
        ("sms", "assigned"),
        ("email", "cancelled"),
        ("sms", "cancelled"),
    ]
    assert list(group_assignments_for(person)) == []


def test_a_session_that_has_begun_keeps_its_interpreters(session, time_machine):
    person = interpreter()
    assign(session, person)
    time_machine.move_to(session.start + timedelta(minutes=1), tick=False)
    with pytest.raises(NotAllowed):
        assign(session, interpreter())
    with pytest.raises(NotAllowed):
        remove_group_interpreter(session=session, language=language(ARABIC))


def test_an_interpreter_in_a_group_session_is_not_offered_a_request_then(group_topic, session):
    person = interpreter()
    job = AppointmentFactory(topic=group_topic, start=at(TUESDAY, "10:30"), interpreter_language=ARABIC)
    request = InterpreterRequestFactory(appointment=job)
    assert person in eligible_interpreters(request)
    assign(session, person)
    assert person not in eligible_interpreters(request)
    assert offers_for(person) == []
    with pytest.raises(NotFound):
        accept_interpreter_request(request_id=request.pk, interpreter=person)
    later = AppointmentFactory(topic=group_topic, start=at(TUESDAY, "11:30"), interpreter_language=ARABIC)
    assert person in eligible_interpreters(InterpreterRequestFactory(appointment=later))
