"""The interpreter's page: open requests for my languages, my jobs and group sessions, my calendar
feed; no JS needed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.dates import month_param
from appointments.events import first_name
from appointments.exceptions import ApplicationError, NotFound
from appointments.models import Mode
from appointments.services.calendar import feed_token, revoke_feed
from appointments.services.group_session_interpreters import group_assignments_for
from appointments.services.interpreter_figures import monthly_interpreter_figures
from appointments.services.interpreter_offers import (
    accept_interpreter_request,
    assignments_for,
    decline_interpreter_request,
    offers_for,
    withdraw_from_assignment,
)
from appointments.services.permissions import access_coordinator, access_interpreter
from frontend.staff.days import FEED_RESET


def _job(job) -> dict:
    appointment = job.appointment
    zone = appointment.topic.office.zone
    join = None
    if appointment.mode == "video" and appointment.call_room:  # made with the booking, not by this page
        join = reverse("realtime:staff-call", kwargs={"room": appointment.call_room})
    return {
        "id": job.pk,
        "start": appointment.start.astimezone(zone),
        "end": appointment.end.astimezone(zone),
        "mode": appointment.get_mode_display(),
        "language": job.language.name,
        "client": first_name(appointment.client.name),
        "join_url": join,
    }


def _offer(job) -> dict:
    appointment = job.appointment
    zone = appointment.topic.office.zone
    return {
        "id": job.pk,
        "start": appointment.start.astimezone(zone),
        "end": appointment.end.astimezone(zone),
        "mode": appointment.get_mode_display(),
        "language": job.language.name,
        "minutes": appointment.topic.minutes,
    }


def _group_session(assignment) -> dict:
    session = assignment.session
    office = session.topic.office
    zone = office.zone
    video = session.mode == Mode.VIDEO
    return {
        "topic": session.topic.name,
        "start": session.start.astimezone(zone),
        "end": session.end.astimezone(zone),
        "mode": session.get_mode_display(),
        "language": assignment.language.name,
        "office": office.name,
        "address": "" if video else office.address,
        "join_url": reverse("realtime:staff-call", kwargs={"room": session.call_room}) if video else None,
    }


@login_required
def overview(request):
    interpreter = access_interpreter(request.user)
    feed = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": feed_token(interpreter)}))
    return render(
        request,
        "frontend/interpreter/overview.html",
        {
            "offers": [_offer(r) for r in offers_for(interpreter)],
            "jobs": [_job(r) for r in assignments_for(interpreter).select_related("language")],
            "group_sessions": [_group_session(a) for a in group_assignments_for(interpreter)],
            "feed_url": feed,
        },
    )


def _act(request, service, success: str, **arguments):
    """Run one interpreting service for the logged-in interpreter and say how it went."""
    interpreter = access_interpreter(request.user)  # anyone else: 404, before any message
    try:
        service(interpreter=interpreter, **arguments)
    except NotFound:
        raise  # someone else's request: the 404 page, not a message that it exists
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, success)
    return redirect("interpreter:overview")


@login_required
@require_POST
def accept(request, request_id):
    success = _("The job is yours. It is now under “My jobs”.")
    return _act(request, accept_interpreter_request, success, request_id=request_id)


@login_required
@require_POST
def decline(request, request_id):
    success = _("Declined. We will not offer you this request again.")
    reason = request.POST.get("reason", "")[:300]
    return _act(request, decline_interpreter_request, success, request_id=request_id, reason=reason)


@login_required
@require_POST
def withdraw(request, request_id):
    success = _("You have given the job back. It is offered to others now.")
    reason = request.POST.get("reason", "")[:300]
    return _act(request, withdraw_from_assignment, success, request_id=request_id, reason=reason)


@login_required
@require_POST
def reset_feed(request):
    """A new private calendar address for the logged-in interpreter; the old one stops working."""
    revoke_feed(access_interpreter(request.user))
    messages.success(request, FEED_RESET)
    return redirect("interpreter:overview")


@login_required
def figures(request):
    """Interpreter figures per language for a month, for the office's coordinators."""
    coordinator = access_coordinator(request.user)
    month = month_param(request.GET, "monat")
    first, rows = monthly_interpreter_figures(office=coordinator.office, month=month)
    return render(request, "frontend/interpreter/figures.html", {"rows": rows, "month": first})
