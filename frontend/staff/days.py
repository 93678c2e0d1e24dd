"""The caseworker's day and week, a coordinator's team day: appointments, calls, outcomes; no JS needed."""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from appointments.dates import day_param
from appointments.events import client_label
from appointments.exceptions import ApplicationError
from appointments.models import Appointment, CalendarLink, CallStatus, Caseworker, Mode
from appointments.selectors import (
    day_for,
    days_for,
    invitations_to_follow_up,
    messages_needing_a_call,
    office_day,
)
from appointments.services.booking import record_outcome
from appointments.services.calendar import feed_token, revoke_feed
from appointments.services.own_calendars import calendar_conflicts
from appointments.services.permissions import (
    access_caseworker,
    access_coordinator,
    access_own_caseworker,
    access_staff,
    access_staff_appointment,
    caseworker_for,
)
from frontend.accounts import safe_next_url

FEED_RESET = _lazy("Your calendar has a new address. The old one no longer works: subscribe to the new one.")


def _page_url(name: str, param: str, caseworker: Caseworker, day: date, viewer: Caseworker | None) -> str:
    """A day or week page of the caseworker; a colleague's keeps `fachkraft` in the link."""
    query = {param: day.isoformat()}
    if viewer is None or viewer.pk != caseworker.pk:
        query["fachkraft"] = caseworker.pk
    return f"{reverse(name)}?{urlencode(query)}"


def day_url(caseworker: Caseworker, day: date, viewer: Caseworker | None) -> str:
    return _page_url("staff:day", "tag", caseworker, day, viewer)


def _week_url(caseworker: Caseworker, day: date, viewer: Caseworker | None) -> str:
    return _page_url("staff:week", "woche", caseworker, day, viewer)


def shown_caseworker(request) -> Caseworker:
    """Whose day: the viewer's own, or with `?fachkraft=<id>` a colleague they may see (404 otherwise)."""
    access_staff(request.user)
    raw = request.GET.get("fachkraft")
    if raw:
        if not raw.isdigit():
            raise Http404
        return access_caseworker(request.user, int(raw))
    # A superuser without a caseworker profile must name one.
    return access_own_caseworker(request.user)


def day_row(appointment: Appointment, today: date) -> dict:
    """An appointment as a row of the day, week or team page, with the calls startable from it today."""
    zone = appointment.topic.office.zone
    start = appointment.start.astimezone(zone)
    interpreter = getattr(appointment, "interpreter_request", None)
    booked = appointment.status == Appointment.Status.BOOKED
    waiting = appointment.call_status == CallStatus.WAITING
    call_url = admit_url = phone_url = None
    room = appointment.call_room  # made with the booking: showing the page writes nothing
    if booked and room and appointment.mode == Mode.VIDEO:
        call_url = reverse("realtime:staff-call", kwargs={"room": room})
        if waiting:
            admit_url = f"{call_url}?admit=1"
    wants_phone = appointment.mode == Mode.TELEPHONE or appointment.call_status == CallStatus.PHONE_REQUESTED
    if booked and room and wants_phone and start.date() == today:  # nobody rings a client days ahead
        phone_url = reverse("realtime:phone-call", kwargs={"room": room})
    return {
        "id": appointment.pk,
        "reference": appointment.reference,
        "start": start,
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
        "booked": booked,
        "waiting": waiting,
        "outcome_note": appointment.outcome_note,
        "call_url": call_url,
        "admit_url": admit_url,
        "phone_url": phone_url,
    }


def _marked_rows(appointments: list[Appointment], today: date, conflicts: set[int]) -> list[dict]:
    """Rows that also say when the caseworker's own calendar has since marked their time busy."""
    return [{**day_row(a, today), "calendar_conflict": a.pk in conflicts} for a in appointments]


def _render(request, template: str, context: dict):
    """The whole page, or with `?fragment=rows` only its rows, which staff.js swaps in on live events."""
    if request.GET.get("fragment") == "rows":
        template = f"{template}#rows"
    return render(request, template, context)


def _today(caseworker: Caseworker) -> date:
    return caseworker.office.today()


@login_required
def day(request):
    caseworker = shown_caseworker(request)
    viewer = caseworker_for(request.user)
    zone = caseworker.office.zone
    today = _today(caseworker)
    shown = day_param(request.GET, "tag", today)
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
    own_calendar = CalendarLink.objects.filter(caseworker=caseworker).first()
    appointments = list(day_for(caseworker, shown))
    conflicts = calendar_conflicts(appointments) if own_calendar is not None else set()
    feed = reverse("calendar-feed", kwargs={"token": feed_token(caseworker)})
    return _render(
        request,
        "frontend/staff/day.html",
        {
            "nav": "day",
            "caseworker": caseworker,
            "own": own,
            "feed_url": request.build_absolute_uri(feed) if own else "",
            "day": shown,
            "is_today": shown == today,
            "rows": _marked_rows(appointments, today, conflicts),
            "own_calendar": own_calendar,
            "to_call": to_call,
            "to_follow_up": [
                {
                    "id": invitation.pk,
                    "client": client_label(invitation.client.name),
                    "topic": invitation.topic.name,
                    "deadline": invitation.deadline.astimezone(zone),
                    "invite_url": f"{reverse('staff:invite')}?kunde={invitation.client_id}",
                }
                for invitation in invitations_to_follow_up(caseworker)
            ],
            "previous_url": day_url(caseworker, shown - timedelta(days=1), viewer),
            "next_url": day_url(caseworker, shown + timedelta(days=1), viewer),
            "today_url": day_url(caseworker, today, viewer),
            "this_week_url": _week_url(caseworker, shown, viewer),
        },
    )


@login_required
def week(request):
    """Monday to Sunday of the caseworker (or a colleague they may see), grouped by day."""
    caseworker = shown_caseworker(request)
    viewer = caseworker_for(request.user)
    today = _today(caseworker)
    shown = day_param(request.GET, "woche", today)
    monday = shown - timedelta(days=shown.weekday())
    sunday = monday + timedelta(days=6)
    days = [
        {
            "date": monday + timedelta(days=n),
            "is_today": monday + timedelta(days=n) == today,
            "day_link": day_url(caseworker, monday + timedelta(days=n), viewer),
            "rows": [],
        }
        for n in range(7)
    ]
    appointments = list(days_for(caseworker, monday, sunday))
    conflicts = calendar_conflicts(appointments)
    for appointment, row in zip(appointments, _marked_rows(appointments, today, conflicts), strict=True):
        local = appointment.start.astimezone(caseworker.office.zone).date()
        days[(local - monday).days]["rows"].append(row)
    return _render(
        request,
        "frontend/staff/week.html",
        {
            "nav": "week",
            "caseworker": caseworker,
            "own": viewer is not None and viewer.pk == caseworker.pk,
            "monday": monday,
            "sunday": sunday,
            "days": days,
            "is_this_week": monday <= today <= sunday,
            "previous_url": _week_url(caseworker, monday - timedelta(days=7), viewer),
            "next_url": _week_url(caseworker, monday + timedelta(days=7), viewer),
            "this_week_url": _week_url(caseworker, today, viewer),
        },
    )


@login_required
def team(request):
    """A coordinator's office on one day, per caseworker; anybody else gets a 404."""
    coordinator = access_coordinator(request.user)
    today = _today(coordinator)
    shown = day_param(request.GET, "tag", today)
    team_url = reverse("staff:team")
    office = office_day(coordinator.office, shown)
    conflicts = calendar_conflicts([a for _, appointments in office for a in appointments])
    members = [
        {
            "caseworker": caseworker,
            "day_link": day_url(caseworker, shown, coordinator),
            "week_link": _week_url(caseworker, shown, coordinator),
            "rows": _marked_rows(appointments, today, conflicts),
        }
        for caseworker, appointments in office
    ]
    return _render(
        request,
        "frontend/staff/team.html",
        {
            "nav": "team",
            "office": coordinator.office,
            "day": shown,
            "is_today": shown == today,
            "members": members,
            "previous_url": f"{team_url}?tag={shown - timedelta(days=1)}",
            "next_url": f"{team_url}?tag={shown + timedelta(days=1)}",
            "today_url": f"{team_url}?tag={today}",
        },
    )


@login_required
@require_POST
def reset_feed(request):
    """A new private calendar address for the logged-in caseworker; the old one stops working."""
    revoke_feed(access_own_caseworker(request.user))
    messages.success(request, FEED_RESET)
    return redirect("staff:day")


@login_required
@require_POST
def outcome(request, appointment_id):
    """Record done / no-show with a short note, then back to that day or to `next` (POST/redirect/GET)."""
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
    back = safe_next_url(request, request.POST.get("next"))
    if back:  # the appointment's page, when recorded there
        return redirect(back)
    zone = appointment.topic.office.zone
    return redirect(
        day_url(
            appointment.caseworker, appointment.start.astimezone(zone).date(), caseworker_for(request.user)
        )
    )
