"""The caseworker's day at a glance: today's appointments, clients to phone, outcomes; no JS needed."""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.events import client_label
from appointments.exceptions import ApplicationError
from appointments.models import Appointment, Caseworker, Mode
from appointments.selectors import day_for, messages_needing_a_call
from appointments.services.booking import record_outcome
from appointments.services.calls import ensure_call_room
from appointments.services.invitations import feed_token
from appointments.services.permissions import (
    access_caseworker,
    access_staff_appointment,
    caseworker_for,
    is_staff_viewer,
)


def _day_url(caseworker: Caseworker, day: date, viewer: Caseworker | None) -> str:
    query = {"tag": day.isoformat()}
    if viewer is None or viewer.pk != caseworker.pk:
        query["fachkraft"] = caseworker.pk
    return f"{reverse('staff:day')}?{urlencode(query)}"


def _target(request) -> Caseworker:
    """Whose day: the viewer's own, or with `?fachkraft=<id>` a colleague they may see (404 otherwise)."""
    if not is_staff_viewer(request.user):
        raise PermissionDenied
    raw = request.GET.get("fachkraft")
    if raw:
        if not raw.isdigit():
            raise Http404
        return access_caseworker(request.user, int(raw))
    own = caseworker_for(request.user)
    if own is None:  # a superuser without a caseworker profile must name one
        raise PermissionDenied
    return own


def _row(appointment: Appointment) -> dict:
    zone = appointment.topic.office.zone
    interpreter = getattr(appointment, "interpreter_request", None)
    call_url = None
    if appointment.mode == Mode.VIDEO and appointment.status == Appointment.Status.BOOKED:
        call_url = reverse("realtime:staff-call", kwargs={"room": ensure_call_room(appointment)})
    return {
        "id": appointment.pk,
        "reference": appointment.reference,
        "start": appointment.start.astimezone(zone),
        "end": appointment.end.astimezone(zone),
        "client": client_label(appointment.client.name),
        "mode": appointment.get_mode_display(),
        "topic": appointment.topic.name,
        "language": appointment.language,
        "interpreter_language": appointment.interpreter_language,
        "interpreter_status": interpreter.status if interpreter else "",
        "message_status": appointment.message_status,
        "confirmed": appointment.client_confirmed_at is not None,
        "status": appointment.status,
        "status_label": appointment.get_status_display(),
        "booked": appointment.status == Appointment.Status.BOOKED,
        "waiting": appointment.call_status == "waiting",
        "outcome_note": appointment.outcome_note,
        "call_url": call_url,
    }


@login_required
def day(request):
    caseworker = _target(request)
    viewer = caseworker_for(request.user)
    zone = caseworker.office.zone
    today = timezone.now().astimezone(zone).date()
    try:
        shown = date.fromisoformat(request.GET["tag"]) if "tag" in request.GET else today
    except ValueError:
        shown = today
    to_call = [
        {
            "reference": a.reference,
            "client": client_label(a.client.name),
            "start": a.start.astimezone(zone),
            "topic": a.topic.name,
        }
        for a in messages_needing_a_call(caseworker)
    ]
    own = viewer is not None and viewer.pk == caseworker.pk
    feed = reverse("calendar-feed", kwargs={"token": feed_token(caseworker)})
    return render(
        request,
        "frontend/staff/day.html",
        {
            "caseworker": caseworker,
            "own": own,
            "feed_url": request.build_absolute_uri(feed) if own else "",
            "day": shown,
            "is_today": shown == today,
            "rows": [_row(a) for a in day_for(caseworker, shown)],
            "to_call": to_call,
            "previous_url": _day_url(caseworker, shown - timedelta(days=1), viewer),
            "next_url": _day_url(caseworker, shown + timedelta(days=1), viewer),
            "today_url": _day_url(caseworker, today, viewer),
        },
    )


@login_required
@require_POST
def outcome(request, appointment_id):
    """Record done / no-show with a short note, then back to that day (POST/redirect/GET)."""
    if not is_staff_viewer(request.user):
        raise PermissionDenied
    appointment = access_staff_appointment(request.user, appointment_id)
    try:
        record_outcome(
            appointment=appointment,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", "")[:500],
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The outcome has been recorded."))
    zone = appointment.topic.office.zone
    return redirect(
        _day_url(
            appointment.caseworker, appointment.start.astimezone(zone).date(), caseworker_for(request.user)
        )
    )
