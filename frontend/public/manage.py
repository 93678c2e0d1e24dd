"""The client's booking, shown and changed: through its private link, or through this session after find.

Each page is written once and opened through one of two doors (`by_link`, `by_session`) that
find the booking; urls.py says which door each address uses.
"""

import functools
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appointments.exceptions import NotAllowed, NotFound, SlotNotOffered, SlotTaken
from appointments.models import Appointment, Mode, Topic
from appointments.selectors import own_caseworker
from appointments.services.booking import cancel_appointment, consultation_language, reschedule_appointment
from appointments.services.permissions import access_booking, access_booking_by_token, booking_for_phone
from appointments.services.texts import when
from frontend.public.times import KNOWN_CLIENT, chosen_own, times
from frontend.steps import parse_start, slot_gone

# The booking whose phone number this session confirmed with an SMS code (see find.find_code).
MANAGING = "managing"


@dataclass(frozen=True)
class Managed:
    """A booking the person may manage: by its private link (token) or after an SMS code (session)."""

    appointment: Appointment
    token: str | None = None

    def url(self, name: str) -> str:
        if self.token:
            return reverse(
                f"frontend:{name}", kwargs={"reference": self.appointment.reference, "token": self.token}
            )
        return reverse(f"frontend:found-{name}")


def _local(moment: datetime, topic: Topic) -> datetime:
    return moment.astimezone(topic.office.zone)


def booking_context(request: HttpRequest, managed: Managed) -> dict:
    appointment, token = managed.appointment, managed.token
    now = timezone.now()
    return {
        "appointment": appointment,
        "mode_label": Mode(appointment.mode).label,
        "office_phone": appointment.topic.office.phone,
        "manage_path": managed.url("manage"),
        "manage_link": request.build_absolute_uri(managed.url("manage")) if token else "",
        "reschedule_url": managed.url("reschedule"),
        "cancel_url": managed.url("cancel"),
        "ics_url": f"/api/v1/bookings/{appointment.reference}/calendar.ics?token={token}" if token else "",
        "can_change": appointment.is_changeable(now),
        # A place in a group session is given up and another date booked, not moved.
        "can_move": appointment.group_session_id is None,
        "can_join": appointment.mode == Mode.VIDEO and appointment.is_call_open(now),
        "join_url": reverse(
            "realtime:client-call", kwargs={"reference": appointment.reference, "token": token}
        )
        if token
        else "",
        **when(translation.get_language(), _local(appointment.start, appointment.topic)),
    }


def _link_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/link_invalid.html", status=404)


def by_link(view):
    """The door of the private link (/b/<reference>/<token>/…): a wrong link is a page of its own."""

    @functools.wraps(view)
    def opened(request: HttpRequest, reference: str, token: str) -> HttpResponse:
        try:
            managed = Managed(access_booking(reference=reference, token=token), token)
        except NotFound:
            return _link_invalid(request)
        return view(request, managed)

    return opened


def by_session(view):
    """The door after the booking code and an SMS code (/m/termin/…): without them, back to the search."""

    @functools.wraps(view)
    def found(request: HttpRequest) -> HttpResponse:
        reference = request.session.get(MANAGING)
        appointment = booking_for_phone(reference=reference) if isinstance(reference, str) else None
        return view(request, Managed(appointment)) if appointment else redirect("frontend:find")

    return found


def show(request: HttpRequest, managed: Managed) -> HttpResponse:
    """The booking with its links: move, cancel, the calendar file, the video call."""
    request.session[KNOWN_CLIENT] = managed.appointment.client_id
    return render(request, "frontend/manage.html", booking_context(request, managed))


def manage_by_token(request: HttpRequest, token: str) -> HttpResponse:
    """The short link in messages (/m/<token>): find the booking by its token's hash, then show it."""
    try:
        appointment = access_booking_by_token(token=token)
    except NotFound:
        return _link_invalid(request)
    return redirect("frontend:manage", reference=appointment.reference, token=token)


def reschedule(request: HttpRequest, managed: Managed) -> HttpResponse:
    """Another time: the own caseworker's first, as when booking."""
    appointment = managed.appointment
    here, back = managed.url("reschedule"), managed.url("manage")
    own = own_caseworker(client=appointment.client, topic=appointment.topic)
    if request.method == "POST":
        start = parse_start(request.POST.get("start"))
        chosen = chosen_own(request, own)
        try:
            if start is None:
                raise SlotNotOffered(field="start")
            reschedule_appointment(
                appointment=appointment, start=start, manage_token=managed.token, caseworker=chosen
            )
        except (SlotTaken, SlotNotOffered) as exc:
            messages.error(request, slot_gone(exc))
            return redirect(here)
        except NotAllowed as exc:
            messages.error(request, exc.message)
            return redirect(back)
        messages.success(request, _("Done. Your appointment has a new time."))
        return redirect(back)
    if not appointment.is_changeable(timezone.now()) or appointment.group_session_id is not None:
        return redirect(back)
    spoken = consultation_language(
        language=appointment.language, interpreter_language=appointment.interpreter_language
    )
    page = times(request, topic=appointment.topic, mode=appointment.mode, language=spoken, own=own)
    return render(
        request, "frontend/time.html", {**page, "action": here, "rescheduling": True, "back_url": back}
    )


def cancel(request: HttpRequest, managed: Managed) -> HttpResponse:
    """Cancel, after one question whether that is meant."""
    back = managed.url("manage")
    if request.method == "POST":
        try:
            cancel_appointment(appointment=managed.appointment, by=Appointment.Party.CLIENT)
        except NotAllowed as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your appointment is cancelled."))
        return redirect(back)
    context = booking_context(request, managed)
    if not context["can_change"]:
        return redirect(back)
    return render(request, "frontend/cancel.html", context)
