"""Group sessions in the workspace: the upcoming ones, scheduling one, a session's places and interpreters."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.exceptions import ApplicationError
from appointments.models import Appointment
from appointments.services.group_session_interpreters import (
    assign_group_interpreter,
    interpreted_languages,
    interpreters_to_assign,
    remove_group_interpreter,
)
from appointments.services.group_sessions import cancel_group_session, schedule_group_session
from appointments.services.permissions import (
    access_group_session,
    access_own_caseworker,
    can_schedule_group_sessions,
    visible_group_sessions,
)
from frontend.staff.group_session_forms import GroupInterpreterForm, GroupSessionForm


@login_required
def group_sessions(request: HttpRequest) -> HttpResponse:
    """The sessions from today on that the viewer hosts (a coordinator: the office's), and the form."""
    office = access_own_caseworker(request.user).office
    can_schedule = can_schedule_group_sessions(request.user)
    form = GroupSessionForm(
        request.POST if request.method == "POST" and can_schedule else None, office=office
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            session = schedule_group_session(
                topic=data["topic"],
                start=datetime.combine(data["day"], data["time"], tzinfo=office.zone),
                hosts=data["hosts"],
                capacity=data["capacity"],
                mode=data["mode"],
                languages=data["languages"],
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The group session is scheduled."))
            return redirect("staff:group-session", session_id=session.pk)
    today_start, _end = office.day_bounds(office.today(), office.today())
    sessions = (
        visible_group_sessions(request.user)
        .filter(topic__office=office, start__gte=today_start)
        .select_related("topic")
        .annotate(taken=Count("places", filter=~Q(places__status=Appointment.Status.CANCELLED)))
        .order_by("start")
    )
    context = {
        "nav": "groups",
        "sessions": sessions,
        "form": form if can_schedule else None,
        "zone": office.zone,
    }
    return render(request, "frontend/staff/group_sessions.html", context)


@login_required
def group_session(request: HttpRequest, session_id: int) -> HttpResponse:
    """One session: its hosts and places (live), attendance once it has begun."""
    session = access_group_session(request.user, session_id)
    now = timezone.now()
    places = (
        session.places.exclude(status=Appointment.Status.CANCELLED)
        .select_related("client")
        .order_by("created_at")
    )
    changeable = (
        can_schedule_group_sessions(request.user)
        and session.status == session.Status.SCHEDULED
        and session.start > now
    )
    context = {
        "nav": "groups",
        "session": session,
        "hosts": session.hosts.order_by("display_name"),
        "interpreters": _interpreters(session, changeable),
        "places": places,
        "begun": session.start <= now,
        "can_cancel": changeable,
        "can_arrange": changeable,
        "zone": session.topic.office.zone,
    }
    return render(request, "frontend/staff/group_session.html", context)


def _interpreters(session, changeable: bool) -> list[dict]:
    """Each interpreted language with its interpreter, and whom staff may choose if they may change it."""
    assigned = {each.language_id: each for each in session.interpreters.select_related("interpreter")}
    return [
        {
            "language": language,
            "assigned": assigned.get(language.code),
            "choices": interpreters_to_assign(session, language) if changeable else [],
        }
        for language in interpreted_languages(session)
    ]


@login_required
@require_POST
def interpreter(request: HttpRequest, session_id: int) -> HttpResponse:
    """A coordinator assigns (or replaces) the interpreter of one of the session's languages."""
    session = access_group_session(request.user, session_id)
    form = GroupInterpreterForm(request.POST)
    if not can_schedule_group_sessions(request.user):
        return redirect("staff:group-session", session_id=session.pk)
    if not form.is_valid() or form.cleaned_data["interpreter"] is None:
        messages.error(request, _("Choose an interpreter from the list."))
        return redirect("staff:group-session", session_id=session.pk)
    try:
        assigned = assign_group_interpreter(
            session=session,
            language=form.cleaned_data["language"],
            interpreter=form.cleaned_data["interpreter"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s interprets %(language)s; they have been told.")
            % {"name": assigned.interpreter.name, "language": assigned.language.name},
        )
    return redirect("staff:group-session", session_id=session.pk)


@login_required
@require_POST
def interpreter_remove(request: HttpRequest, session_id: int) -> HttpResponse:
    """A coordinator takes the interpreter off one of the session's languages."""
    session = access_group_session(request.user, session_id)
    form = GroupInterpreterForm(request.POST)
    if not can_schedule_group_sessions(request.user) or not form.is_valid():
        return redirect("staff:group-session", session_id=session.pk)
    try:
        remove_group_interpreter(session=session, language=form.cleaned_data["language"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The interpreter has been removed and told."))
    return redirect("staff:group-session", session_id=session.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    session = access_group_session(request.user, session_id)
    if not can_schedule_group_sessions(request.user):
        return redirect("staff:group-session", session_id=session.pk)
    try:
        cancel_group_session(session=session, reason=request.POST.get("reason", "")[:500], actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The group session is cancelled; every participant has been told."))
    return redirect("staff:group-session", session_id=session.pk)
