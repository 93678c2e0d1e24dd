"""One appointment for staff: details, history, contact on request (audited), and the changes staff make."""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from appointments.dates import day_param, parse_moment
from appointments.events import client_label
from appointments.exceptions import ApplicationError, InvalidDate, SlotNotOffered
from appointments.models import Appointment, AuditEntry, InterpreterRequest, Language
from appointments.services.audit import record_audit
from appointments.services.availability import free_slots
from appointments.services.booking import cancel_appointment, consultation_language, reschedule_appointment
from appointments.services.history import appointment_history
from appointments.services.interpreter_requests import (
    ask_for_interpreter,
    cancel_interpreter_request,
    interpreters_to_prefer,
)
from appointments.services.permissions import access_staff_appointment, caseworker_for
from frontend.staff.days import day_row, day_url
from frontend.staff.forms import CancelForm, InterpreterForm

SLOT_DAYS = 7  # how many days of free times the reschedule list shows at once


def _detail_url(appointment: Appointment, **query) -> str:
    url = reverse("staff:appointment", args=[appointment.pk])
    return f"{url}?{urlencode(query)}" if query else url


def _slot_days(request, appointment: Appointment, today: date) -> tuple[date, list[dict]]:
    """Free times for moving the appointment, a week from `?ab=` (today by default), by day."""
    first = max(day_param(request.GET, "ab", today), today)
    slots = free_slots(
        topic=appointment.topic,
        date_from=first,
        date_to=first + timedelta(days=SLOT_DAYS - 1),
        mode=appointment.mode,
        language=consultation_language(
            language=appointment.language, interpreter_language=appointment.interpreter_language
        ),
    )
    days: dict[date, list] = {}
    for slot in slots:
        if slot.start != appointment.start:
            days.setdefault(slot.start.date(), []).append(slot)
    return first, [{"day": day, "slots": day_slots} for day, day_slots in days.items()]


def _page(request, appointment: Appointment, *, contact: bool = False):
    zone = appointment.topic.office.zone
    now = timezone.now()
    today = appointment.topic.office.today(now)
    changeable = appointment.is_changeable(now)
    interpreter = (
        InterpreterRequest.objects.filter(appointment=appointment).select_related("interpreter").first()
    )
    interpreter_active = interpreter is not None and interpreter.status != InterpreterRequest.Status.CANCELLED
    history = appointment_history(appointment)
    # The day's row decides which calls can be started (video room, admit, phone conference today).
    appointment.message_status = history.confirmation_status
    calls = day_row(appointment, today)
    slots_from, slot_days = _slot_days(request, appointment, today) if changeable else (today, [])
    languages = list(Language.objects.all())
    names = {language.code: language.name for language in languages}
    return render(
        request,
        "frontend/staff/appointment.html",
        {
            "nav": "day",
            "appointment": appointment,
            "zone": zone,
            "client": client_label(appointment.client.name),
            "contact": appointment.client if contact else None,
            "language_name": names.get(appointment.language, appointment.language),
            "interpreter_language_name": names.get(interpreter.language_id, "") if interpreter else "",
            "languages": languages,
            "interpreter": interpreter,
            "interpreter_active": interpreter_active,
            "interpreters": interpreters_to_prefer(appointment)
            if changeable and not interpreter_active
            else [],
            "confirmation_status": history.confirmation_status,
            "history": history.items,
            "changeable": changeable,
            "begun": appointment.status == Appointment.Status.BOOKED and appointment.start <= now,
            "call_url": calls["call_url"],
            "admit_url": calls["admit_url"],
            "phone_url": calls["phone_url"],
            "waiting": calls["waiting"],
            "slots_from": slots_from,
            "slot_days": slot_days,
            "earlier_url": _detail_url(appointment, ab=(slots_from - timedelta(days=SLOT_DAYS)).isoformat())
            if slots_from > today
            else "",
            "later_url": _detail_url(appointment, ab=(slots_from + timedelta(days=SLOT_DAYS)).isoformat()),
            "day_url": day_url(
                appointment.caseworker,
                appointment.start.astimezone(zone).date(),
                caseworker_for(request.user),
            ),
        },
    )


@never_cache
@login_required
@require_GET
def detail(request, appointment_id):
    return _page(request, access_staff_appointment(request.user, appointment_id))


@never_cache
@login_required
@require_POST
def contact(request, appointment_id):
    """Show the client's contact details; every showing is written to the audit log."""
    appointment = access_staff_appointment(request.user, appointment_id)
    record_audit(action=AuditEntry.Action.VIEWED_CONTACT, actor=request.user, appointment=appointment)
    return _page(request, appointment, contact=True)


def _done(request, appointment: Appointment, change, success: str):
    """Run one change; tell the user how it went and go back to the page (POST/redirect/GET)."""
    try:
        change()
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, success)
    return redirect(_detail_url(appointment))


@login_required
@require_POST
def reschedule(request, appointment_id):
    appointment = access_staff_appointment(request.user, appointment_id)
    try:
        start = parse_moment(request.POST.get("start"), field="start")
    except InvalidDate:
        messages.error(request, str(SlotNotOffered().message))
        return redirect(_detail_url(appointment))
    return _done(
        request,
        appointment,
        lambda: reschedule_appointment(appointment=appointment, start=start, actor=request.user),
        _("The appointment has been moved. The client is informed."),
    )


@login_required
@require_POST
def cancel(request, appointment_id):
    appointment = access_staff_appointment(request.user, appointment_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give a reason for cancelling (at most 500 characters)."))
        return redirect(_detail_url(appointment))
    return _done(
        request,
        appointment,
        lambda: cancel_appointment(
            appointment=appointment,
            by=Appointment.Party.STAFF,
            reason=form.cleaned_data["reason"],
            actor=request.user,
        ),
        _("The appointment has been cancelled. The client is informed."),
    )


@login_required
@require_POST
def interpreter_request(request, appointment_id):
    appointment = access_staff_appointment(request.user, appointment_id)
    form = InterpreterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a language and, if you like, an interpreter from the list."))
        return redirect(_detail_url(appointment))
    return _done(
        request,
        appointment,
        lambda: ask_for_interpreter(
            appointment=appointment,
            language=form.cleaned_data["language"].code,
            preferred=form.cleaned_data["preferred"],
            actor=request.user,
        ),
        _("An interpreter has been requested."),
    )


@login_required
@require_POST
def interpreter_request_cancel(request, appointment_id):
    appointment = access_staff_appointment(request.user, appointment_id)
    return _done(
        request,
        appointment,
        lambda: cancel_interpreter_request(appointment=appointment, actor=request.user),
        _("The interpreter request has been cancelled."),
    )
