"""Who hears of an interpreter request: interpreters (SMS, live), staff live, the assigned one's invite;
and a group session's interpreter of their assignment."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from appointments.events import (
    caseworker_group,
    interpreter_group,
    interpreter_language_group,
    interpreter_request_event,
    office_group,
    publish,
)
from appointments.models import (
    GroupSessionInterpreter,
    Interpreter,
    InterpreterRequest,
    Language,
    Notification,
)
from appointments.outbox_kinds import KINDS
from appointments.services.calendar import interpreter_url
from appointments.services.outbox.compose import schedule_participant_messages
from appointments.services.texts import render, when


def _offer_values(interpreter_request: InterpreterRequest) -> dict[str, object]:
    appointment = interpreter_request.appointment
    local = appointment.start.astimezone(appointment.topic.office.zone)
    return {
        "language": Language.objects.get(pk=interpreter_request.language_id).name,
        "minutes": appointment.topic.minutes,
        "mode": render("de", "modes", appointment.mode),
        "url": interpreter_url(),
        **when("de", local),
    }


def text_interpreters(
    interpreter_request: InterpreterRequest, interpreters: list[Interpreter], kind: str, text: str
) -> None:
    """Queue the offer (or its reminder) by SMS to those of these interpreters who agreed to SMS."""
    appointment = interpreter_request.appointment
    body = render("de", "interpreter", text, **_offer_values(interpreter_request))
    Notification.objects.bulk_create(
        [
            Notification(
                appointment=appointment,
                appointment_version=appointment.version,
                kind=kind,
                channel=Notification.Channel.SMS,
                audience=Notification.Audience.INTERPRETER,
                recipient=interpreter.phone,
                body=body,
                due_at=timezone.now(),
            )
            for interpreter in interpreters
            if interpreter.sms_consent and interpreter.phone
        ],
        ignore_conflicts=True,
    )


def offer(interpreter_request: InterpreterRequest, interpreters: list[Interpreter]) -> None:
    """Tell these interpreters, live and by SMS, that the request waits for them."""
    text_interpreters(interpreter_request, interpreters, Notification.Kind.INTERPRETER_OFFER, "offer")
    event = dict(interpreter_request_event(interpreter_request, "offered"))
    publish([interpreter_group(i.pk) for i in interpreters], event)


def tell_staff(interpreter_request: InterpreterRequest, op: str) -> None:
    """The appointment's caseworker and the office's staff see the request's news live."""
    appointment = interpreter_request.appointment
    event = dict(interpreter_request_event(interpreter_request, op))
    publish([caseworker_group(appointment.caseworker_id), office_group(appointment.topic.office_id)], event)


def tell_language_pool(interpreter_request: InterpreterRequest, op: str) -> None:
    """Every interpreter of the language sees live that the request was taken, reopened or is gone."""
    event = dict(interpreter_request_event(interpreter_request, op))
    publish([interpreter_language_group(interpreter_request.language_id)], event)


def invite_interpreter(interpreter_request: InterpreterRequest, event: str, now: datetime) -> None:
    """The interpreter's invite by e-mail and reminders by SMS, as for the other participants."""
    interpreter = interpreter_request.interpreter
    schedule_participant_messages(
        appointment=interpreter_request.appointment,
        event=event,
        audience=Notification.Audience.INTERPRETER,
        email=interpreter.email,
        phone=interpreter.phone if interpreter.sms_consent else "",
        now=now,
    )


def tell_group_interpreter(assignment: GroupSessionInterpreter, event: str, now: datetime) -> None:
    """The interpreter hears by e-mail and SMS (if they agreed) that they were assigned to a group
    session ("assigned") or are no longer needed there ("cancelled"), in German like their other news."""
    interpreter, session = assignment.interpreter, assignment.session
    language = "de"
    values = {
        "language": assignment.language.name,
        "mode": render(language, "modes", session.mode),
        "url": interpreter_url(),
        **when(language, session.start.astimezone(session.topic.office.zone)),
    }
    declared = KINDS[Notification.Kind.GROUP_INTERPRETER]
    addresses = {
        Notification.Channel.EMAIL: interpreter.email,
        Notification.Channel.SMS: interpreter.phone if interpreter.sms_consent else "",
    }
    rows = []
    for channel, address in addresses.items():
        route = declared.route(Notification.Audience.INTERPRETER, channel)
        if not address or route is None:
            continue
        subject = f"{event}_subject"
        rows.append(
            Notification(
                kind=declared.kind,
                channel=channel,
                audience=Notification.Audience.INTERPRETER,
                recipient=address,
                language=language,
                subject=render(language, *route.path(subject), **values) if subject in route.texts else "",
                body=render(language, *route.path(event), **values),
                due_at=now,
            )
        )
    Notification.objects.bulk_create(rows)
