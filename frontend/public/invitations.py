"""The client's invitation pages: /e/ (the code from a letter) and /e/<token>/ (the link from SMS or QR).

The link is the proof that the person received the invitation: no SMS code. A code typed at /e/
opens the invitation in this browser's session (under the path /e/brief/). Each view parses,
calls one service of appointments.services.invitations and renders; a used, expired or withdrawn
invitation is a page of its own in the client's language, never an error page.
"""

import functools
import math

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from appointments.dates import day_param
from appointments.exceptions import ApplicationError, SlotNotOffered, SlotTaken
from appointments.models import Invitation, Mode
from appointments.services.booking import Booking
from appointments.services.invitations import (
    InvitationClosed,
    InvitationNotFound,
    accept_invitation,
    choose_invitation_time,
    decline_invitation,
    find_invitation_by_code,
    invitation_times,
    open_invitation,
    reopen_invitation,
)
from appointments.services.limits import RateCount, address
from appointments.services.texts import when
from frontend.public.booking import show_booked
from frontend.public.forms import InvitationCodeForm, ModeForm
from frontend.steps import parse_start, posted, slot_days, slot_gone

# The "token" under which an invitation opened by its letter code lives in the session.
BY_CODE = "brief"
SESSION_KEY = "invitation"


def _invitation(request: HttpRequest, token: str) -> Invitation:
    if token == BY_CODE:
        invitation_id = request.session.get(SESSION_KEY)
        if not isinstance(invitation_id, int):
            raise InvitationNotFound
        return reopen_invitation(invitation_id=invitation_id)
    return open_invitation(token=token)


def _refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    state = exc.state if isinstance(exc, InvitationClosed) else "unknown"
    return render(
        request,
        "frontend/invitation_closed.html",
        {"message": exc.message, "state": state},
        status=exc.status_code,
    )


def _with_invitation(view):
    """Open the invitation of the link (or of this session's letter code) for the view; a used,
    expired, withdrawn or unknown one, now or by the time the service acts, is its own page."""

    @functools.wraps(view)
    def opened(request: HttpRequest, token: str) -> HttpResponse:
        try:
            return view(request, _invitation(request, token), token)
        except (InvitationNotFound, InvitationClosed) as exc:
            return _refused(request, exc)

    return opened


def _url(name: str, token: str) -> str:
    return reverse(f"frontend:{name}", kwargs={"token": token})


def _mode_form(request: HttpRequest, invitation: Invitation) -> ModeForm | None:
    """A choice of telephone or video when the invitation allows both."""
    if len(invitation.modes) < 2:
        return None
    form = ModeForm(posted(request), modes=invitation.modes, initial={"mode": invitation.modes[0]})
    form.fields["mode"].label = _("Telephone or video?")
    return form


def _chosen_mode(request: HttpRequest, invitation: Invitation) -> str | None:
    form = _mode_form(request, invitation)
    return form.cleaned_data["mode"] if form is not None and form.is_valid() else None


def _booked(request: HttpRequest, booking: Booking) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return show_booked(request, booking)


def enter_code(request: HttpRequest) -> HttpResponse:
    """The code from a letter, however typed; a few tries per hour and address. `?code=` (a
    reprinted letter's QR code) only fills in the form: nothing is looked up before it is sent."""
    given = "".join(ch for ch in request.GET.get("code", "") if ch.isascii() and (ch.isalnum() or ch == "-"))
    longest = InvitationCodeForm.base_fields["code"].max_length
    form = InvitationCodeForm(posted(request), initial={"code": given[:longest].upper()})
    if request.method == "POST" and form.is_valid():
        throttle = RateCount("invitation_code", address(request))
        if not throttle.allow_request(request, None):
            wait = math.ceil((throttle.wait() or 60) / 60)
            form.add_error(
                "code", _("Too many attempts. Please try again in %(minutes)d minutes.") % {"minutes": wait}
            )
            return render(request, "frontend/invitation_code.html", {"form": form}, status=429)
        try:
            invitation = find_invitation_by_code(code=form.cleaned_data["code"])
        except InvitationNotFound as exc:
            form.add_error("code", exc.message)
        except InvitationClosed as exc:
            return _refused(request, exc)
        else:
            request.session[SESSION_KEY] = invitation.pk
            return redirect(_url("invitation", BY_CODE))
    return render(request, "frontend/invitation_code.html", {"form": form})


@_with_invitation
def invitation(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    """Who invites, why, and when: confirm the time (one tap), or pick one, or say no."""
    if request.method == "POST":
        try:
            booking = accept_invitation(invitation=invitation, mode=_chosen_mode(request, invitation))
        except (InvitationNotFound, InvitationClosed):
            raise  # the page of its own, from _with_invitation
        except ApplicationError as exc:
            messages.error(request, f"{exc.message} {_('Please choose another time.')}")
            return redirect(_url("invitation-time", token))
        return _booked(request, booking)
    language = translation.get_language()
    zone = invitation.topic.office.zone
    context = {
        "invitation": invitation,
        "token": token,
        "modes": [Mode(mode).label for mode in invitation.modes],
        "mode_form": _mode_form(request, invitation),
        "deadline": when(language, invitation.deadline.astimezone(zone)),
        "office_phone": invitation.topic.office.phone,
    }
    if invitation.start is not None:
        context.update(when(language, invitation.start.astimezone(zone)))
    else:
        context.update(slot_days(invitation_times(invitation=invitation)))
        context["action"] = _url("invitation-time", token)
    return render(request, "frontend/invitation.html", context)


@_with_invitation
def choose_time(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    """Pick a time: in the window, or, when the fixed time does not suit, another of the same caseworker."""
    here = _url("invitation-time", token)
    if request.method == "POST":
        start = parse_start(request.POST.get("start"))
        try:
            if start is None:
                raise SlotNotOffered(field="start")
            booking = choose_invitation_time(
                invitation=invitation, start=start, mode=_chosen_mode(request, invitation)
            )
        except (SlotTaken, SlotNotOffered) as exc:
            messages.error(request, slot_gone(exc))
            return redirect(here)
        return _booked(request, booking)
    slots = invitation_times(invitation=invitation)
    first = day_param(request.GET, "from", None)
    if first is not None:
        slots = [slot for slot in slots if slot.start.date() >= first]
    return render(
        request,
        "frontend/time.html",
        {
            **slot_days(slots),
            "earlier": first is not None,
            "action": here,
            "rescheduling": True,
            "back_url": _url("invitation", token),
            "heading": _("Choose another time") if invitation.start else _("When suits you?"),
            "mode_form": _mode_form(request, invitation),
            "office_phone": invitation.topic.office.phone,
        },
    )


@_with_invitation
def decline(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    """Say no to the invitation, after one question whether that is meant."""
    if request.method == "POST":
        decline_invitation(invitation=invitation)
        request.session.pop(SESSION_KEY, None)
        return render(
            request, "frontend/invitation_declined.html", {"office_phone": invitation.topic.office.phone}
        )
    return render(
        request,
        "frontend/invitation_decline.html",
        {
            "invitation": invitation,
            "back": _url("invitation", token),
            "office_phone": invitation.topic.office.phone,
        },
    )
