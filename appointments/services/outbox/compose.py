"""Compose the messages a change causes and write them as outbox rows, each kind as outbox_kinds declares."""

# The services call these inside their transaction, so a message exists exactly when its change
# was committed; nothing here sends.

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone, translation

from appointments.models import Appointment, Invitation, Notification, Office
from appointments.outbox_kinds import KINDS, REPLY_REMINDER_MINUTES, Route, caused_by
from appointments.services.calendar import book_url, interpreter_url, manage_url
from appointments.services.content import localized
from appointments.services.texts import render, when

Kind = Notification.Kind
Channel = Notification.Channel
Audience = Notification.Audience
Status = Notification.Status


def appointment_values(appointment: Appointment, language: str, manage_token: str | None) -> dict[str, str]:
    """The placeholders of a client's texts about an appointment."""
    office = appointment.topic.office
    return {
        "office": localized(office, "name", language).text,
        "mode": render(language, "modes", appointment.mode),
        "reference": appointment.reference,
        "manage_url": manage_url(manage_token),
        # A cancelled booking's own page books again with the same caseworker first (my caseworker).
        "book_url": manage_url(manage_token)
        if manage_token and appointment.status == Appointment.Status.CANCELLED
        else book_url(),
        "phone": appointment.client.phone,
        **when(language, appointment.start.astimezone(office.zone)),
    }


def appointment_email(
    appointment: Appointment, route: Route, language: str, values: dict[str, str]
) -> tuple[str, str]:
    """Subject and body of a client's e-mail about an appointment, with the next steps of its mode."""
    values = {**values, "next_steps": render(language, "next_steps", appointment.mode, **values)}
    return render(language, *route.path("subject"), **values), render(language, *route.path("body"), **values)


def schedule_appointment_messages(
    *,
    appointment: Appointment,
    event: str,
    manage_token: str | None = None,
    previous_caseworker_email: str = "",
    now: datetime | None = None,
) -> None:
    """Write the messages that a booking, a move or a cancellation causes, and its reminders.

    Call inside the change's transaction, after the appointment's version was raised.
    Pending messages of earlier versions are withdrawn: a moved appointment never
    fires its old reminder. A caseworker it moved away from gets the invite cancelled.
    """
    now = now or timezone.now()
    if appointment.version:  # a new appointment (version 0) has no earlier messages to withdraw
        Notification.objects.filter(
            appointment=appointment,
            status=Status.PENDING,
            appointment_version__lt=appointment.version,
            audience__in=[Audience.CLIENT, Audience.CASEWORKER],
        ).update(status=Status.CANCELLED, error="superseded", updated_at=now)

    language = appointment.client.language
    values = appointment_values(appointment, language, manage_token)
    base = {"appointment": appointment, "appointment_version": appointment.version, "language": language}
    office = appointment.topic.office
    rows = []
    for declared in caused_by(event):
        for minutes, due in declared.due_times(
            offsets_minutes=office.reminder_offsets_minutes, start=appointment.start, now=now
        ):
            common = {**base, "kind": declared.kind, "reminder_minutes": minutes, "due_at": due}
            rows.extend(_to_client(appointment, declared.routes, common, values))
        # A group session's hosts keep the session in their calendar, not an invite per place.
        if declared.route(Audience.CASEWORKER, Channel.EMAIL) and appointment.group_session_id is None:
            rows.extend(_invites(appointment, declared.kind, previous_caseworker_email, base, now))
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def _to_client(
    appointment: Appointment, routes: tuple[Route, ...], common: dict, values: dict[str, str]
) -> list[Notification]:
    client = appointment.client
    language = common["language"]
    rows = []
    texted = False
    for route in routes:
        if route.audience != Audience.CLIENT:
            continue
        if route.channel == Channel.SMS and client.sms_consent:
            asks = common["reminder_minutes"] >= REPLY_REMINDER_MINUTES and "asks_reply" in route.texts
            body = render(language, *route.path("asks_reply" if asks else "body"), **values)
            rows.append(Notification(**common, channel=Channel.SMS, recipient=client.phone, body=body))
            texted = True
        elif route.channel == Channel.EMAIL and client.email and not (route.only_without_sms and texted):
            subject, body = appointment_email(appointment, route, language, values)
            rows.append(
                Notification(
                    **common, channel=Channel.EMAIL, recipient=client.email, subject=subject, body=body
                )
            )
    return rows


def _invites(
    appointment: Appointment, kind: str, previous_caseworker_email: str, base: dict, now: datetime
) -> list[Notification]:
    """The calendar invite to the caseworker, and its withdrawal to one the appointment moved away from."""
    caseworker_email = appointment.caseworker.user.email
    invites = [(caseworker_email, kind)]
    if previous_caseworker_email != caseworker_email:
        invites.append((previous_caseworker_email, Kind.CANCELLED))
    return [
        Notification(
            **{**base, "language": settings.LANGUAGE_CODE},
            kind=invite_kind,
            channel=Channel.EMAIL,
            audience=Audience.CASEWORKER,
            recipient=email,
            subject=f"{appointment.reference}: {appointment.get_mode_display()}",
            body="",
            due_at=now,
        )
        for email, invite_kind in invites
        if email
    ]


def schedule_participant_messages(
    *,
    appointment: Appointment,
    event: str,
    audience: str,
    email: str,
    phone: str,
    now: datetime | None = None,
) -> None:
    """Invite, updates and reminders for a third participant (the interpreter), in German.

    E-mail carries the .ics (REQUEST or CANCEL); SMS says when it moved or was cancelled,
    and reminds before it. Pending messages of this participant's earlier versions are withdrawn.
    """
    now = now or timezone.now()
    recipients = [address for address in (email, phone) if address]
    Notification.objects.filter(
        appointment=appointment, audience=audience, recipient__in=recipients, status=Status.PENDING
    ).update(status=Status.CANCELLED, error="superseded", updated_at=now)
    language = settings.LANGUAGE_CODE
    office = appointment.topic.office
    values = {
        "language": appointment.interpreter_request.language.name,
        "mode": render(language, "modes", appointment.mode),
        "url": interpreter_url(),
        **when(language, appointment.start.astimezone(office.zone)),
    }
    base = {
        "appointment": appointment,
        "appointment_version": appointment.version,
        "language": language,
        "audience": audience,
    }
    addresses = {Channel.EMAIL: email, Channel.SMS: phone}
    rows = []
    for declared in caused_by(event):
        for minutes, due in declared.due_times(
            offsets_minutes=office.reminder_offsets_minutes, start=appointment.start, now=now
        ):
            for channel in (Channel.EMAIL, Channel.SMS):
                route = declared.route(audience, channel)
                if route is None or not addresses[channel]:
                    continue
                rows.append(
                    Notification(
                        **base,
                        kind=declared.kind,
                        reminder_minutes=minutes,
                        channel=channel,
                        recipient=addresses[channel],
                        subject=render(language, *route.path("subject"), **values)
                        if "subject" in route.texts
                        else "",
                        body=render(language, *route.path("body"), **values),
                        due_at=due,
                    )
                )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def schedule_invitation_messages(
    *, invitation: Invitation, kind: str, link: str, code: str, now: datetime | None = None
) -> None:
    """The invitation (or its reminder) by SMS and/or e-mail, as the caseworker chose, in the
    client's language; inside the invitation's transaction. The letter is printed, not sent."""
    now = now or timezone.now()
    client = invitation.client
    language = invitation.language
    office = invitation.topic.office
    zone = office.zone
    deadline = when(language, invitation.deadline.astimezone(zone))
    values = {
        "office": localized(office, "name", language).text,
        "caseworker": invitation.caseworker.display_name,
        "topic": localized(invitation.topic, "name", language).text,
        "modes": ", ".join(render(language, "modes", mode) for mode in invitation.modes),
        "deadline": f"{deadline['date']} {deadline['time']}",
        "url": link,
        "code": code,
        "code_url": f"{settings.SITE_URL}/e/",
        "details": "".join(
            f"\n{text}\n"
            for text in (invitation.note, localized(invitation.topic, "invitation_notice", language).text)
            if text
        ),
        "window_from": "",
        "window_until": "",
    }
    if invitation.start is not None:
        values.update(when(language, invitation.start.astimezone(zone)))
        variant = "fixed"
    else:
        values["window_from"] = when(language, invitation.window_from.astimezone(zone))["long_date"]
        last = invitation.window_until - timedelta(seconds=1)
        values["window_until"] = when(language, last.astimezone(zone))["long_date"]
        variant = "window"
    declared = KINDS[kind]
    base = {"invitation": invitation, "kind": kind, "language": language, "due_at": now}
    rows = []
    sms = declared.route(Audience.CLIENT, Channel.SMS)
    if sms and Invitation.Channel.SMS in invitation.channels and client.sms_consent:
        body = render(language, *sms.path(_role(sms, variant)), **values)
        rows.append(Notification(**base, channel=Channel.SMS, recipient=client.phone, body=body))
    email = declared.route(Audience.CLIENT, Channel.EMAIL)
    if email and Invitation.Channel.EMAIL in invitation.channels and client.email:
        role = _role(email, variant)
        rows.append(
            Notification(
                **base,
                channel=Channel.EMAIL,
                recipient=client.email,
                subject=render(
                    language, *email.path("subject" if role == "body" else f"{role}_subject"), **values
                ),
                body=render(language, *email.path(role), **values),
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def _role(route: Route, variant: str) -> str:
    """An invitation's own variant (a fixed time or a window), where its kind has one; else its one text."""
    return variant if variant in route.texts else "body"


def queue_sms(*, to: str, body: str, kind: str, language: str, now: datetime | None = None) -> Notification:
    """A message that belongs to no appointment (a code, a reply), sent by the worker like any other."""
    return Notification.objects.create(
        kind=kind,
        channel=Channel.SMS,
        recipient=to,
        body=body,
        language=language,
        due_at=now or timezone.now(),
    )


def alert_coordinator(*, office: Office, subject: str, body: str, also: tuple[str, ...] = ()) -> None:
    """E-mail the office's coordinators (and `also`): a row each, which the worker sends after commit."""
    recipients = list(dict.fromkeys(address for address in (office.coordinator_email, *also) if address))
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            kind=Kind.COORDINATOR_ALERT,
            channel=Channel.EMAIL,
            audience=Audience.CASEWORKER,
            recipient=recipient,
            # The text was written by the caller in the language active now, the staff's.
            language=translation.get_language() or settings.LANGUAGE_CODE,
            subject=subject,
            body=body,
            due_at=now,
        )
        for recipient in recipients
    )
