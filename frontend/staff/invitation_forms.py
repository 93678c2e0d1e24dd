"""The form a caseworker fills in to invite a client: what about, when, by when, how it goes out."""

from datetime import date, datetime, time

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appointments.models import Invitation, Language, Mode
from frontend.fields import StepForm

FIXED = "fixed"
WINDOW = "window"
WINDOW_DAYS = (5, 10, 15, 20)


def end_of_day(day: date, zone) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=zone)


class InvitationForm(StepForm):
    """One page: whose times, topic, modes, a fixed time or a window, deadline, note, channels."""

    caseworker = forms.ModelChoiceField(
        label=_("Caseworker"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Please choose a caseworker.")},
    )
    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=None,
        to_field_name="slug",
        empty_label=None,
        error_messages={
            "required": _("Please choose a topic."),
            "invalid_choice": _("Please choose a topic."),
        },
    )
    modes = forms.MultipleChoiceField(
        label=_("Allowed kinds of consultation"),
        choices=Mode.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Please choose at least one kind of consultation."),
            "invalid_choice": _("Please choose the kind of consultation."),
        },
    )
    kind = forms.ChoiceField(
        label=_("When"),
        choices=[(FIXED, _("One fixed time")), (WINDOW, _("The client chooses a time in a window"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose a fixed time or a window.")},
    )
    start = forms.ChoiceField(
        label=_("Fixed time (your free times)"),
        required=False,
        error_messages={"invalid_choice": _("This time is no longer free. Please choose another one.")},
    )
    team = forms.ModelMultipleChoiceField(
        label=_("Also offer the times of (team invitation, optional)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Please choose a caseworker.")},
    )
    window_days = forms.TypedChoiceField(
        label=_("Window"),
        coerce=int,
        choices=[(n, n) for n in WINDOW_DAYS],  # labelled in the viewer's language in __init__
        initial=10,
        error_messages={"invalid_choice": _("Please choose a window.")},
    )
    deadline = forms.DateField(
        label=_("Answer by"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Please give a deadline."), "invalid": _("Please give a valid date.")},
    )
    note = forms.CharField(
        label=_("Note to the client (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    language = forms.ModelChoiceField(
        label=_("Language of the invitation"),
        queryset=Language.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("The client's language"),
        error_messages={"invalid_choice": _("Please choose a language.")},
    )
    interpreter_language = forms.ModelChoiceField(
        label=_("Interpreter"),
        queryset=Language.objects.exclude(code=settings.LANGUAGE_CODE),
        to_field_name="code",
        required=False,
        empty_label=_("No interpreter"),
        error_messages={"invalid_choice": _("Please choose a language.")},
    )
    channels = forms.MultipleChoiceField(
        label=_("Send by"),
        choices=Invitation.Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose how the invitation is sent."),
            "invalid_choice": _("Choose how the invitation is sent."),
        },
    )

    def __init__(self, *args, caseworkers, colleagues, topics, free_times: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers
        self.fields["team"].queryset = colleagues
        self.fields["topic"].queryset = topics
        self.fields["start"].choices = [("", gettext("Choose a time")), *free_times]
        self.fields["window_days"].choices = [
            (n, gettext("the next %(days)s working days") % {"days": n}) for n in WINDOW_DAYS
        ]

    def clean(self):
        data = super().clean()
        if data.get("kind") == FIXED and not data.get("start"):
            self.add_error("start", _("Please choose a time."))
        topic = data.get("topic")
        if topic is not None and data.get("modes") and not set(data["modes"]) <= set(topic.modes):
            self.add_error("modes", _("This topic cannot be booked for this kind of consultation."))
        return data


class ImportForm(StepForm):
    """A coordinator's list of clients to invite, and how the invitations go out."""

    file = forms.FileField(
        label=_("List (CSV)"),
        help_text=_(
            "Columns: customer number, mobile, language, caseworker, topic, window (working days, "
            "or two dates like 2026-12-01/2026-12-14), and name for clients new to the office."
        ),
        error_messages={"required": _("Please choose a CSV file."), "empty": _("The list is empty.")},
    )
    modes = forms.MultipleChoiceField(
        label=_("Allowed kinds of consultation"),
        choices=Mode.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Mode.TELEPHONE, Mode.VIDEO],
        error_messages={
            "required": _("Please choose at least one kind of consultation."),
            "invalid_choice": _("Please choose the kind of consultation."),
        },
    )
    channels = forms.MultipleChoiceField(
        label=_("Send by"),
        choices=Invitation.Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Invitation.Channel.LETTER],
        error_messages={
            "required": _("Choose how the invitation is sent."),
            "invalid_choice": _("Choose how the invitation is sent."),
        },
    )
