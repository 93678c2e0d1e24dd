"""My availability: weekly hours, extra hours and absences and their effect on free times; closures."""

from datetime import time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from appointments.exceptions import ApplicationError
from appointments.models import Absence, AvailabilityRule, Caseworker, ExtraHours, Mode, OfficeClosure
from appointments.services.availability import free_slots
from appointments.services.hours import (
    add_absence,
    add_closure,
    add_extra_hours,
    add_weekly_hours,
    change_weekly_hours,
    closures_with_appointments,
    public_holidays,
    remove_absence,
    remove_closure,
    remove_extra_hours,
    remove_weekly_hours,
)
from appointments.services.permissions import (
    access_coordinator,
    can_manage_availability,
    caseworker_for,
    coordinator_for,
)
from appointments.services.reassignment import AbsenceImpact, affected_by_absences, colleagues_for
from frontend.staff.availability_forms import AbsenceForm, ClosureForm, ExtraHoursForm, WeeklyHoursForm
from frontend.staff.days import shown_caseworker

PREVIEW_SLOTS = 10  # free start times shown so a change can be seen at once
HOLIDAY_DAYS = 365  # how far ahead the closures page lists public holidays

FORMS = {"rule": WeeklyHoursForm, "extra": ExtraHoursForm, "absence": AbsenceForm}
# What a removal URL names, and how it is removed.
REMOVABLE = {
    "wochenzeiten": (AvailabilityRule, remove_weekly_hours),
    "zusatzzeiten": (ExtraHours, remove_extra_hours),
    "abwesenheiten": (Absence, remove_absence),
}


def _caseworker(request) -> Caseworker:
    """The viewer, or with `?fachkraft=<id>` a colleague whose hours they may manage (404 otherwise)."""
    caseworker = shown_caseworker(request)
    if not can_manage_availability(request.user, caseworker):
        raise Http404
    return caseworker


def page_url(request, caseworker: Caseworker) -> str:
    """The caseworker's availability page; a colleague's keeps `fachkraft` in the link."""
    url = reverse("staff:availability")
    viewer = caseworker_for(request.user)
    if viewer is None or viewer.pk != caseworker.pk:
        return f"{url}?{urlencode({'fachkraft': caseworker.pk})}"
    return url


def _add_error(form, error: ApplicationError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _save(request, caseworker: Caseworker, action: str, form, changing: AvailabilityRule | None) -> None:
    """Carry out the valid form of `action` through its service; raises ApplicationError."""
    data = form.cleaned_data
    if action == "rule":
        if changing is not None:
            change_weekly_hours(rule=changing, **data)
            messages.success(request, _("Weekly hours changed."))
        else:
            add_weekly_hours(caseworker=caseworker, **data)
            messages.success(request, _("Weekly hours added."))
    elif action == "extra":
        add_extra_hours(
            caseworker=caseworker,
            day=data["date"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            modes=data["modes"],
        )
        messages.success(request, _("Extra hours added."))
    else:
        start, end = form.period(caseworker.office.zone)
        affected = add_absence(caseworker=caseworker, kind=data["kind"], start=start, end=end)
        messages.success(request, _("Absence added."))
        if count := len(affected.appointments):
            text = ngettext(
                "%(count)s booked appointment falls into this absence. Please move or cancel it.",
                "%(count)s booked appointments fall into this absence. Please move or cancel them.",
                count,
            )
            messages.warning(request, text % {"count": count})


def _modes(modes: list[str]) -> str:
    return ", ".join(str(Mode(mode).label) for mode in modes if mode in Mode.values)


def _absence_row(impact: AbsenceImpact, zone) -> dict:
    """An absence in the office's zone with the clients it hits; whole days show as first and last day."""
    absence = impact.absence
    start, end = absence.start.astimezone(zone), absence.end.astimezone(zone)
    whole_days = start.time() == end.time() == time(0)
    return {
        "absence": absence,
        "start": start,
        "end": end,
        "whole_days": whole_days,
        "last_day": (end - timedelta(days=1)).date() if whole_days else end.date(),
        "appointments": impact.appointments,
        "invitations": impact.invitations,
    }


def _changing(request, caseworker: Caseworker) -> AvailabilityRule | None:
    """The weekly hours being changed: `?aendern=<id>` shows them in the form, which posts them back."""
    raw = request.POST.get("rule") or request.GET.get("aendern", "")
    if not raw.isdigit():
        return None
    return get_object_or_404(AvailabilityRule, pk=raw, caseworker=caseworker)


def _rule_initial(rule: AvailabilityRule | None) -> dict | None:
    if rule is None:
        return None
    fields = ("weekday", "start_time", "end_time", "modes", "valid_from", "valid_until")
    return {name: getattr(rule, name) for name in fields}


def _preview(request, caseworker: Caseworker, today) -> dict:
    """The caseworker's next free start times for one of their topics (`?thema=<slug>`)."""
    topics = list(caseworker.topics.filter(active=True))
    topic = next((t for t in topics if t.slug == request.GET.get("thema")), topics[0] if topics else None)
    slots = []
    if topic is not None and caseworker.active:
        slots = free_slots(
            topic=topic,
            date_from=today,
            date_to=today + timedelta(days=caseworker.office.horizon_days),
            caseworker_ids=[caseworker.pk],
        )[:PREVIEW_SLOTS]
    return {
        "topics": topics,
        "topic": topic,
        "slots": [{"start": slot.start, "modes": _modes(list(slot.modes))} for slot in slots],
    }


@login_required
@require_http_methods(["GET", "POST"])
def availability(request):
    caseworker = _caseworker(request)
    changing = _changing(request, caseworker)
    forms = {
        "rule": WeeklyHoursForm(prefix="rule", initial=_rule_initial(changing)),
        "extra": ExtraHoursForm(prefix="extra"),
        "absence": AbsenceForm(prefix="absence"),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in FORMS:
            raise Http404
        form = forms[action] = FORMS[action](request.POST, prefix=action)
        if form.is_valid():
            try:
                _save(request, caseworker, action, form, changing)
            except ApplicationError as error:
                _add_error(form, error)
            else:
                return redirect(page_url(request, caseworker))
        status = 400
    now = timezone.now()
    zone = caseworker.office.zone
    today = caseworker.office.today(now)
    viewer = caseworker_for(request.user)
    coordinator = coordinator_for(request.user)
    rules = AvailabilityRule.objects.filter(caseworker=caseworker).exclude(valid_until__lt=today)
    extras = ExtraHours.objects.filter(caseworker=caseworker, date__gte=today)
    colleagues = []
    if coordinator is not None:
        colleagues = Caseworker.objects.filter(office=coordinator.office, active=True)
        colleagues = colleagues.order_by("display_name")
    return render(
        request,
        "frontend/staff/availability.html",
        {
            "nav": "availability",
            "caseworker": caseworker,
            "own": viewer is not None and viewer.pk == caseworker.pk,
            "zone": zone,
            "today": today,
            "page_url": page_url(request, caseworker),
            "fachkraft": "" if viewer is not None and viewer.pk == caseworker.pk else caseworker.pk,
            "forms": forms,
            "changing": changing,
            "rules": [{"rule": rule, "modes": _modes(rule.modes)} for rule in rules],
            "extras": [{"extra": extra, "modes": _modes(extra.modes)} for extra in extras],
            "absences": [_absence_row(impact, zone) for impact in affected_by_absences(caseworker, now)],
            # Coordinators move an absent colleague's clients to another in one step (staff_reassign).
            "reassign_to": colleagues_for(caseworker) if coordinator else [],
            "preview": _preview(request, caseworker, today),
            "colleagues": colleagues,
            "is_coordinator": coordinator is not None,
        },
        status=status,
    )


@login_required
@require_POST
def remove(request, kind: str, pk: int):
    """Remove weekly hours, extra hours or an absence of someone whose hours the user may manage."""
    if kind not in REMOVABLE:
        raise Http404
    model, remove_it = REMOVABLE[kind]
    entry = get_object_or_404(model.objects.select_related("caseworker__office"), pk=pk)
    if not can_manage_availability(request.user, entry.caseworker):
        raise Http404
    remove_it(entry)
    messages.success(request, _("Removed."))
    return redirect(page_url(request, entry.caseworker))


@login_required
@require_http_methods(["GET", "POST"])
def closures(request):
    """The office's closure days (coordinators only), with the public holidays of its state."""
    office = access_coordinator(request.user).office
    form = ClosureForm()
    status = 200
    if request.method == "POST":
        form = ClosureForm(request.POST)
        if form.is_valid():
            try:
                affected = add_closure(
                    office=office, day=form.cleaned_data["date"], reason=form.cleaned_data["reason"]
                )
            except ApplicationError as error:
                _add_error(form, error)
            else:
                messages.success(request, _("Closure added."))
                if count := len(affected.appointments):
                    text = ngettext(
                        "%(count)s booked appointment falls on this day. Please move or cancel it.",
                        "%(count)s booked appointments fall on this day. Please move or cancel them.",
                        count,
                    )
                    messages.warning(request, text % {"count": count})
                return redirect("staff:closures")
        status = 400
    now = timezone.now()
    today = office.today(now)
    return render(
        request,
        "frontend/staff/closures.html",
        {
            "nav": "availability",
            "office": office,
            "zone": office.zone,
            "form": form,
            "closures": closures_with_appointments(office, now),
            "holidays": public_holidays(office, today, today + timedelta(days=HOLIDAY_DAYS), get_language()),
        },
        status=status,
    )


@login_required
@require_POST
def closure_remove(request, pk: int):
    closure = get_object_or_404(OfficeClosure, pk=pk, office=access_coordinator(request.user).office)
    remove_closure(closure)
    messages.success(request, _("Removed."))
    return redirect("staff:closures")
