"""My own calendar: link an ICS address or a CalDAV calendar whose busy times block my hours."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from appointments.models import CalendarLink
from appointments.services.own_calendars import (
    link_calendar,
    office_address,
    read_calendar,
    readable_address,
    unlink,
)
from appointments.services.permissions import access_own_calendar, calendar_links_visible_to


class OwnCalendarForm(forms.Form):
    kind = forms.ChoiceField(
        label=_lazy("Kind"), choices=CalendarLink.Kind.choices, widget=forms.RadioSelect, initial="ics"
    )
    url = forms.URLField(
        label=_lazy("Calendar address"),
        max_length=1000,
        assume_scheme="https",
        error_messages={
            "required": _lazy("Please enter the address of your calendar."),
            "invalid": _lazy("Please enter a full address, e.g. https://…/calendar.ics."),
        },
        widget=forms.URLInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    username = forms.CharField(label=_lazy("User name (CalDAV)"), max_length=200, required=False)
    password = forms.CharField(
        label=_lazy("Password (CalDAV)"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_lazy("Stored encrypted and never shown; leave empty to keep the current one."),
    )

    def __init__(self, *args, has_password: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_password = has_password

    def clean_url(self):
        return readable_address(self.cleaned_data["url"])

    def clean(self):
        data = super().clean()
        if data.get("kind") == CalendarLink.Kind.CALDAV:
            if not data.get("username"):
                self.add_error("username", _("A CalDAV calendar needs your user name there."))
            if not data.get("password") and not self.has_password:
                self.add_error("password", _("A CalDAV calendar needs your password there."))
        return data


def _say_how_it_went(request, read: bool, link: CalendarLink) -> None:
    if read:
        messages.success(request, _("Your calendar has been read."))
    else:
        messages.error(request, _("Your calendar could not be read: %(error)s") % {"error": link.last_error})


@login_required
@require_http_methods(["GET", "POST"])
def own_calendar(request):
    """The caseworker's own calendar link, when it was last read, the last error; a coordinator
    also sees which colleagues of the office have one."""
    caseworker = access_own_calendar(request.user)
    link = CalendarLink.objects.filter(caseworker=caseworker).first()
    own = link if link is not None and not link.from_office else None
    has_password = bool(own and own.password)
    if request.method == "POST":
        form = OwnCalendarForm(request.POST, has_password=has_password)
        if form.is_valid():
            link = link_calendar(caseworker, **form.cleaned_data)
            _say_how_it_went(request, read_calendar(link), link)
            return redirect("staff:own-calendar")
    else:
        initial = {"kind": own.kind, "url": own.url, "username": own.username} if own else None
        form = OwnCalendarForm(initial=initial, has_password=has_password)
    colleagues = (
        calendar_links_visible_to(request.user)
        .select_related("caseworker")
        .order_by("caseworker__display_name")
    )
    return render(
        request,
        "frontend/staff/own_calendar.html",
        {
            "nav": "own-calendar",
            "link": link,
            "form": form,
            "office_address": office_address(caseworker),
            "colleagues": colleagues,
        },
    )


@login_required
@require_POST
def read_now(request):
    link = CalendarLink.objects.filter(caseworker=access_own_calendar(request.user)).first()
    if link is not None:
        _say_how_it_went(request, read_calendar(link), link)
    return redirect("staff:own-calendar")


@login_required
@require_POST
def remove(request):
    """Unlink the own calendar: its busy times no longer block; the office's template applies again."""
    link = CalendarLink.objects.filter(
        caseworker=access_own_calendar(request.user), from_office=False
    ).first()
    if link is not None:
        unlink(link)
        messages.success(request, _("Your calendar is no longer linked."))
    return redirect("staff:own-calendar")
