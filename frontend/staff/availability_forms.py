"""Forms of the availability and closures pages: plain date and time inputs, checked by the services."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from appointments.models import Absence, Mode, Weekday
from frontend.fields import DayField, StepForm

DEFAULT_MODES = [Mode.TELEPHONE, Mode.VIDEO]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _date(label, *, required: bool = True) -> DayField:
    return DayField(
        label=label,
        required=required,
        widget=DateInput(),
        error_messages={"required": _("Please enter a date.")},
    )


def _time(label, *, required: bool = True) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=required,
        widget=TimeInput(),
        error_messages={"required": _("Please enter a time."), "invalid": _("Please enter a valid time.")},
    )


def _modes() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Modes"),
        choices=Mode.choices,
        initial=DEFAULT_MODES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Please choose at least one mode."),
            "invalid_choice": _("Please choose telephone, video or in person."),
        },
    )


class WeeklyHoursForm(StepForm):
    weekday = forms.TypedChoiceField(
        label=_("Weekday"),
        choices=Weekday.choices,
        coerce=int,
        error_messages={
            "invalid_choice": _("Please choose a weekday."),
            "required": _("Please choose a weekday."),
        },
    )
    start_time = _time(_("From"))
    end_time = _time(_("Until"))
    modes = _modes()
    valid_from = _date(_("Valid from (optional)"), required=False)
    valid_until = _date(_("Valid until (optional)"), required=False)


class ExtraHoursForm(StepForm):
    date = _date(_("Date"))
    start_time = _time(_("From"))
    end_time = _time(_("Until"))
    modes = _modes()


class AbsenceForm(StepForm):
    """Whole days unless times are given: from the start of the first day to the end of the last."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Absence.Kind.choices,
        error_messages={"invalid_choice": _("Please choose a kind of absence.")},
    )
    start = _date(_("First day"))
    start_time = _time(_("From (optional)"), required=False)
    end = _date(_("Last day"))
    end_time = _time(_("Until (optional)"), required=False)

    def period(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The absence as two instants, read in the office's time zone."""
        data = self.cleaned_data
        start = datetime.combine(data["start"], data["start_time"] or time(0), tzinfo=zone)
        if data["end_time"]:
            end = datetime.combine(data["end"], data["end_time"], tzinfo=zone)
        else:
            end = datetime.combine(data["end"] + timedelta(days=1), time(0), tzinfo=zone)
        return start, end


class ClosureForm(StepForm):
    date = _date(_("Date"))
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)
