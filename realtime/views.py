"""The video page: the client's by booking code and manage token, staff's by room and login."""

from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from appointments.exceptions import ApplicationError, InvalidPhoneNumber
from appointments.models import Appointment, CallWindow, GroupSession, Mode
from appointments.providers.voice import VoiceError
from appointments.services.calls import (
    CallRefused,
    Role,
    Seat,
    client_page_seat,
    seat_ice_servers,
    staff_phone_number,
    staff_seat,
    start_phone_conference,
)
from appointments.services.group_calls import (
    GroupCallRefused,
    group_calls_enabled,
    mute_in_call,
    remove_from_call,
)
from appointments.services.permissions import access_booking


def _page(request, *, seat: Seat, join: dict, admit_on_join: bool = False, office_phone: str = ""):
    room, role = seat.room, seat.role
    group = seat.group_session_id is not None
    # A group room is on Janus; a one-to-one call moves there when a fourth person joins.
    janus_possible = group or group_calls_enabled()
    config = {
        "ws": f"/ws/calls/{room}/",
        "role": role,
        "join": join,
        # Also sent again on each join: a page opened before the call window gets TURN then.
        "iceServers": seat_ice_servers(seat=seat, user=request.user),
        "iceTransportPolicy": settings.ICE_TRANSPORT_POLICY,
        "phoneUrl": reverse("realtime:phone-call", args=[room]) if role == "caseworker" else "",
        "admitOnJoin": admit_on_join,
        "group": group,
        "removeUrl": reverse("realtime:remove", args=[room]) if group and role == "caseworker" else "",
        "muteUrl": reverse("realtime:mute", args=[room]) if group and role == "caseworker" else "",
        "strings": {
            "denied": _(
                "The browser may not use camera or microphone. Allow them in the address bar, then reload."
            ),
            "nodevice": _("No camera or microphone was found. You can still be called by phone."),
            "waiting": _("The client is waiting."),
            "phone_requested": _("The client asks to be called by phone instead."),
            "phone_asked": _("Your caseworker has been told and will call you by phone."),
            "left": _("Someone has left the call."),
            "closed": ngettext(
                "This video room is not open. It opens %(minutes)d minute before your appointment.",
                "This video room is not open. It opens %(minutes)d minutes before your appointment.",
                CallWindow.minutes_before(),
            )
            % {"minutes": CallWindow.minutes_before()},
            "reconnecting": _("Connection lost. Reconnecting…"),
            "client": _("Client"),
            "caseworker": _("Caseworker"),
            "interpreter": _("Interpreter"),
            "calling": _("Calling…"),
            "speaking": _("Speaking: %(name)s"),
            "removed": _("The host has removed you from the call."),
            "admit_one": _("Let in"),
            "remove": _("Remove"),
            "mute_other": _("Mute"),
            "full": _(
                "This video call already has three people, the most it can carry: "
                "you cannot join by video now."
            ),
            "full_waiting": _(
                "The video call is full right now (three people at most). "
                "Please wait, or ask to be called by phone."
            ),
            "full_admit": _(
                "The client cannot be let in: a video call carries three people at most. "
                "Someone has to leave first."
            ),
            "moving": _(
                "More people are joining: the call reconnects through the server. One moment, please."
            ),
            "unavailable": _("The group call cannot be reached right now. Please try again in a minute."),
        },
    }
    response = render(
        request,
        "realtime/call.html",
        {
            "config": config,
            "role": role,
            "group": group,
            "janus": janus_possible,
            "office_phone": office_phone,
        },
    )
    if janus_possible:
        # In development and tests Janus answers on its own port; in production nginx serves /janus/.
        janus = urlsplit(settings.JANUS_PUBLIC_URL)
        if janus.netloc:
            response._csp_update = {"connect-src": [f"{janus.scheme}://{janus.netloc}"]}
    return response


@require_GET
def client_call(request, reference, token):
    appointment = access_booking(reference=reference, token=token)
    if appointment.mode != Mode.VIDEO or appointment.status != Appointment.Status.BOOKED:
        raise Http404
    try:
        seat = client_page_seat(appointment)
    except CallRefused as exc:
        raise Http404 from exc
    return _page(
        request,
        seat=seat,
        join={"reference": appointment.reference, "token": token},
        office_phone=appointment.topic.office.phone if appointment.group_session_id else "",
    )


def _seat_or_404(request, room):
    """Whoever may not sit in this room learns nothing about it: 404, as for a room that does not exist."""
    try:
        return staff_seat(room=room, user=request.user)
    except CallRefused as exc:
        raise Http404 from exc


@login_required
@require_GET
def staff_call(request, room):
    seat = _seat_or_404(request, room)
    # "Admit" on the staff pages opens the room with ?admit=1: join at once and let the waiting client in.
    admit = request.GET.get("admit") == "1" and seat.role == Role.CASEWORKER
    return _page(request, seat=seat, join={}, admit_on_join=admit)


def _host_session(request, room) -> GroupSession:
    seat = _seat_or_404(request, room)
    if seat.role != Role.CASEWORKER or seat.group_session_id is None:
        raise Http404
    return GroupSession.objects.get(pk=seat.group_session_id)


def _participant(request) -> int:
    try:
        return int(request.POST.get("participant", ""))
    except ValueError:
        return 0


def _moderate(request, room, action) -> JsonResponse:
    """A host's action on one participant of their group call, by the participant's Janus number."""
    session = _host_session(request, room)
    try:
        action(session=session, participant=_participant(request))
    except GroupCallRefused:
        return JsonResponse({"detail": _("This person is not in the call.")}, status=400)
    return JsonResponse({}, status=200)


@login_required
@require_POST
def remove_participant(request, room):
    """A host's "Remove": Janus drops the person, and their link no longer lets them in."""
    return _moderate(request, room, remove_from_call)


@login_required
@require_POST
def mute_participant(request, room):
    """A host's "Mute": the person's microphone (the stream named) no longer reaches the others."""
    stream = request.POST.get("stream", "")
    return _moderate(request, room, partial(mute_in_call, stream=stream))


@login_required
@require_POST
def phone_call(request, room):
    """The caseworker's "call by phone" button: ring everybody into the room's conference."""
    if _seat_or_404(request, room).role != Role.CASEWORKER:
        raise Http404
    appointment = Appointment.objects.select_related("client", "topic").get(call_room=room)
    try:
        number = staff_phone_number(request.POST.get("phone", ""))
    except InvalidPhoneNumber:
        return JsonResponse({"detail": _("Enter your telephone number.")}, status=400)
    try:
        legs = start_phone_conference(appointment=appointment, user=request.user, caseworker_phone=number)
    except CallRefused as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        return JsonResponse({"detail": str(exc.message)}, status=400)
    except VoiceError:
        return JsonResponse({"detail": _("The call could not be placed.")}, status=502)
    return JsonResponse({"legs": [leg.role for leg in legs]}, status=201)
