"""Calendar invites (.ics) and feeds: one builder, a stable UID, SEQUENCE = the appointment's version.

Times are the office's local times with its VTIMEZONE, so Outlook and Thunderbird show and move them
as the office's wall clock (also across a change to or from summer time); only DTSTAMP and CREATED,
which RFC 5545 wants in UTC, are UTC.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.message import MIMEPart
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from appointments.events import client_label, first_name
from appointments.models import Appointment, Caseworker, Interpreter
from appointments.services.content import localized
from appointments.services.texts import render, when
from appointments.services.vtimezone import vtimezone

PRODID = "-//Sprechstunde//Jobcenter Termine//DE"
FEED_SALT = "calendar-feed"
UID_SALT = "calendar-uid"


def event_uid(appointment: Appointment) -> str:
    """The same for the life of the appointment, so a moved one replaces itself in calendars; a keyed
    hash of its id, so the UID tells nobody how many appointments there are or which id this is.
    A place in a group session has the session's UID: every attendee's invite is the one event."""
    host = urlsplit(settings.SITE_URL).hostname or "sprechstunde.invalid"
    key = (
        f"group-session:{appointment.group_session_id}"
        if appointment.group_session_id
        else str(appointment.pk)
    )
    digest = salted_hmac(UID_SALT, key, algorithm="sha256").hexdigest()[:32]
    return f"{digest}@{host}"


def manage_url(token: str | None) -> str:
    """The client's private link, or the page that finds a booking by code, phone and SMS code."""
    return f"{settings.SITE_URL}/m/{token}" if token else f"{settings.SITE_URL}/m/"


def book_url() -> str:
    return f"{settings.SITE_URL}/"


def find_url() -> str:
    """Where a client finds a booking by its code and their number."""
    return f"{settings.SITE_URL}{reverse('frontend:find')}"


def interpreter_url() -> str:
    return f"{settings.SITE_URL}{reverse('interpreter:overview')}"


def _organizer(appointment: Appointment) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText(appointment.topic.office.name)
    return organizer


def _attendee_name(appointment: Appointment, audience: str, address: str) -> str:
    """The name beside the address, where we know whose address it is."""
    if audience == "client":
        return appointment.client.name
    if audience == "staff":
        user = appointment.caseworker.user
        return str(appointment.caseworker) if user is not None and user.email == address else ""
    asked = getattr(appointment, "interpreter_request", None)
    interpreter = asked.interpreter if asked is not None else None
    return interpreter.name if interpreter is not None and interpreter.email == address else ""


def _attendee(appointment: Appointment, audience: str, address: str) -> vCalAddress:
    """The one person the invite is for, as taking part already: they booked, accepted, or were
    given the appointment, so no reply is asked for (RSVP=FALSE), and the CANCEL names them too."""
    attendee = vCalAddress(f"mailto:{address}")
    attendee.params.update(
        {"cutype": "INDIVIDUAL", "role": "REQ-PARTICIPANT", "partstat": "ACCEPTED", "rsvp": "FALSE"}
    )
    if name := _attendee_name(appointment, audience, address):
        attendee.params["cn"] = vText(name)
    return attendee


def _interpreting_language(appointment: Appointment) -> str:
    interpreter_request = getattr(appointment, "interpreter_request", None)
    return interpreter_request.language.name if interpreter_request is not None else ""


def _event(
    appointment: Appointment,
    *,
    audience: str,
    language: str,
    link: str,
    now: datetime,
    cancelled: bool,
    recipient: str = "",
) -> Event:
    """One appointment for one audience: "client" (their link), "staff" (name with initial, topic,
    booking code) or "interpreter" (first name, language, time, mode and their own page's link)."""
    office = appointment.topic.office
    client = appointment.client
    local_start = appointment.start.astimezone(office.zone)
    mode = render(language, "modes", appointment.mode)
    values = {
        "office": localized(office, "name", language).text,
        "mode": mode,
        "reference": appointment.reference,
        "manage_url": link,
        "book_url": book_url(),
        "join_url": link,
        "phone": client.phone,
        "client": client_label(client.name),
        "first_name": first_name(client.name),
        "language": _interpreting_language(appointment) if audience == "interpreter" else "",
        **when(language, local_start),
    }
    event = Event()
    event.add("uid", event_uid(appointment))
    event.add("sequence", appointment.version)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", local_start)
    event.add("dtend", appointment.end.astimezone(office.zone))
    event.add("created", appointment.created_at.astimezone(UTC))
    if audience == "client":
        event.add("summary", render(language, "invite", "summary", **values))
        steps = render(language, "next_steps", appointment.mode, **values)
        event.add("description", f"{steps}\n\n{appointment.reference}\n{link}")
        event.add("location", render(language, "invite", f"location_{appointment.mode}", **values))
        event.add("url", link)
    elif audience == "interpreter":
        event.add("summary", render(language, "invite", "interpreter_summary", **values))
        event.add("description", f"{values['language']}, {mode}\n{interpreter_url()}")
        event.add("location", mode)
        event.add("url", interpreter_url())
    else:
        event.add("summary", render(language, "invite", "staff_summary", **values))
        event.add("description", f"{appointment.topic.name}\n{appointment.reference}")
        event.add("location", mode)
    event.add("organizer", _organizer(appointment))
    if recipient:
        event.add("attendee", _attendee(appointment, audience, recipient))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event["summary"])
        alarm.add("trigger", timedelta(minutes=-30))
        event.add_component(alarm)
    return event


def _finished(calendar: Calendar) -> bytes:
    """The calendar with a VTIMEZONE for every zone its times name."""
    starts = {}
    for event in calendar.walk("VEVENT"):
        start = event.decoded("dtstart")
        starts.setdefault(start.tzinfo.key, start.date())
    for key, first in sorted(starts.items()):
        # Before the events, where Outlook writes it and readers that read in one pass look.
        calendar.subcomponents.insert(0, vtimezone(key, around=first))
    return calendar.to_ical()


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def invite_method(appointment: Appointment, *, withdrawn: bool = False) -> str:
    """CANCEL once the appointment is cancelled, or for someone it was taken from; else REQUEST."""
    return "CANCEL" if withdrawn or appointment.status == Appointment.Status.CANCELLED else "REQUEST"


def build_invite(
    appointment: Appointment,
    *,
    audience: str = "client",
    language: str | None = None,
    manage_token: str | None = None,
    withdrawn: bool = False,
    recipient: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """One appointment as an invite: METHOD:REQUEST, or METHOD:CANCEL once it is cancelled.

    `recipient` is the address it is sent to, named as the ATTENDEE (a client's own invite names
    their e-mail address, if any, by default). `withdrawn` cancels it for one recipient only: a
    caseworker the appointment moved away from.
    """
    if recipient is None:
        recipient = appointment.client.email if audience == "client" else ""
    method = invite_method(appointment, withdrawn=withdrawn)
    calendar = _calendar(method)
    calendar.add_component(
        _event(
            appointment,
            audience=audience,
            language=language or appointment.client.language,
            link=manage_url(manage_token),
            now=now or timezone.now(),
            cancelled=method == "CANCEL",
            recipient=recipient,
        )
    )
    return _finished(calendar)


def invite_part(ics: bytes, method: str) -> MIMEPart:
    """The invite as an e-mail attachment whose `method=` matches the file's METHOD."""
    part = MIMEPart()
    part.set_content(
        ics.decode(),
        subtype="calendar",
        charset="utf-8",
        params={"method": method},
        disposition="attachment",
        filename="termin.ics",
    )
    return part


def feed_token(owner: Caseworker | Interpreter) -> str:
    """A private, revocable feed token: signed owner and feed version (raising the version revokes it)."""
    kind = "c" if isinstance(owner, Caseworker) else "i"
    return signing.dumps([kind, owner.pk, owner.feed_version], salt=FEED_SALT, compress=True)


def feed_owner(token: str) -> Caseworker | Interpreter | None:
    try:
        kind, pk, version = signing.loads(token, salt=FEED_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    model = Caseworker if kind == "c" else Interpreter
    return model.objects.filter(pk=pk, feed_version=version, active=True).first()


def revoke_feed(owner: Caseworker | Interpreter) -> str:
    """Invalidate the old feed link and return the new token (the owner's page, the admin's action)."""
    type(owner).objects.filter(pk=owner.pk).update(feed_version=F("feed_version") + 1)
    owner.refresh_from_db(fields=["feed_version"])
    return feed_token(owner)


def build_feed(
    owner: Caseworker | Interpreter, appointments: Iterable[Appointment], *, language: str = "de"
) -> bytes:
    """A subscribable calendar of upcoming appointments: a caseworker's as staff see them, an
    interpreter's with no client data beyond a first name."""
    audience = "staff" if isinstance(owner, Caseworker) else "interpreter"
    calendar = _calendar(None)
    calendar.add("x-wr-calname", str(owner))
    now = timezone.now()
    for appointment in appointments:
        calendar.add_component(
            _event(
                appointment,
                audience=audience,
                language=language,
                link=manage_url(None),
                now=now,
                cancelled=False,
            )
        )
    return _finished(calendar)
