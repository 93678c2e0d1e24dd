"""Coordinators move the clients an absence hits to a colleague, from the absent one's availability page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from appointments.exceptions import ApplicationError
from appointments.models import Absence
from appointments.services.permissions import access_coordinator
from appointments.services.reassignment import affected_by_absences, colleagues_for, reassign_clients
from frontend.staff.availability import page_url


def _chosen(rows: list, raw: list[str]) -> list:
    """The rows whose ids were ticked; ids the absence does not hit are ignored."""
    return [row for row in rows if str(row.pk) in raw]


def _when(moment, zone) -> str:
    return date_format(moment.astimezone(zone), "D, j.n. H:i")


@login_required
@require_POST
def reassign(request, pk: int):
    coordinator = access_coordinator(request.user)
    absence = get_object_or_404(
        Absence.objects.select_related("caseworker__office", "caseworker__user"),
        pk=pk,
        caseworker__office_id=coordinator.office_id,
    )
    absent = absence.caseworker
    back = redirect(page_url(request, absent))
    impact = next((row for row in affected_by_absences(absent) if row.absence.pk == absence.pk), None)
    if impact is None:
        raise Http404
    colleague = next((c for c in colleagues_for(absent) if str(c.pk) == request.POST.get("kollegin")), None)
    appointments = _chosen(impact.appointments, request.POST.getlist("termin"))
    invitations = _chosen(impact.invitations, request.POST.getlist("einladung"))
    if colleague is None:
        messages.error(request, _("Please choose a colleague."))
        return back
    if not appointments and not invitations:
        messages.error(request, _("Please tick at least one client."))
        return back
    try:
        result = reassign_clients(
            from_caseworker=absent,
            to_caseworker=colleague,
            appointments=appointments,
            invitations=invitations,
            by=request.user,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return back
    moved = len(result.moved) + len(result.invitations_moved)
    if moved:
        text = ngettext(
            "%(count)s client moved to %(name)s; they are told.",
            "%(count)s clients moved to %(name)s; they are told.",
            moved,
        )
        messages.success(request, text % {"count": moved, "name": colleague.display_name})
    zone = absent.office.zone
    kept = [f"{_when(a.start, zone)} ({a.reference})" for a in result.kept] + [
        f"{_('Invitation')} {_when(i.start, zone) if i.start else ''}".strip()
        for i in result.invitations_kept
    ]
    if kept:
        text = _("%(name)s is not free then, so these stay: %(list)s. Please move or cancel them yourself.")
        messages.warning(request, text % {"name": colleague.display_name, "list": "; ".join(kept)})
    return back
