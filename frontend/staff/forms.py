"""Forms of the staff pages: booking for a client, changing an appointment, the figures' period.

Availability and invitations have forms modules of their own.
"""

from datetime import date

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from appointments.exceptions import ApplicationError
from appointments.models import Interpreter, Language, Mode
from appointments.services.figures import check_period, default_period
from frontend.fields import DayField, MobileNumberMixin, StepForm

ME = "me"
OFFICE = "office"


class SearchForm(StepForm):
    query = forms.CharField(
        label=_("Mobile number or customer number"),
        max_length=60,
        error_messages={"required": _("Please enter a mobile number or a customer number.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )


def client_language_choices() -> list[tuple[str, str]]:
    """The languages our messages are written in (and that the database knows)."""
    known = set(Language.objects.values_list("code", flat=True))
    return [(code, name) for code, name in settings.LANGUAGES if code in known]


class NewClientForm(MobileNumberMixin, StepForm):
    name = forms.CharField(
        label=_("Name"), max_length=200, error_messages={"required": _("Please enter the client's name.")}
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        help_text=_("For example 0151 23456789 or +49 151 23456789."),
        max_length=40,
        error_messages={"required": _("Please enter the client's mobile number.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "type": "tel", "dir": "ltr"}),
    )
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Please enter a valid e-mail address, or leave the field empty.")},
        widget=forms.EmailInput(attrs={"dir": "ltr"}),
    )
    customer_number = forms.CharField(label=_("Customer number (optional)"), required=False, max_length=40)
    language = forms.ChoiceField(
        label=_("Preferred language for messages"),
        error_messages={
            "required": _("Please choose a language."),
            "invalid_choice": _("Please choose a language."),
        },
    )
    sms_consent = forms.BooleanField(
        label=_("The client agrees to SMS about this appointment (confirmation and reminders)."),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = client_language_choices()


class RequestForm(StepForm):
    """Topic, kind of consultation, language, interpreter, and whose times to offer."""

    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=None,
        to_field_name="slug",
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose a topic."),
            "invalid_choice": _("Please choose a topic."),
        },
    )
    mode = forms.ChoiceField(
        label=_("Kind of consultation"),
        choices=Mode.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose the kind of consultation."),
            "invalid_choice": _("Please choose the kind of consultation."),
        },
    )
    language = forms.ModelChoiceField(
        label=_("Language of the consultation"),
        queryset=Language.objects.all(),
        empty_label=None,
        error_messages={
            "required": _("Please choose a language."),
            "invalid_choice": _("Please choose a language."),
        },
    )
    interpreter_language = forms.ModelChoiceField(
        label=_("Interpreter"),
        queryset=Language.objects.exclude(code=settings.LANGUAGE_CODE),
        required=False,
        empty_label=_("No interpreter"),
        error_messages={"invalid_choice": _("Please choose a language.")},
    )
    who = forms.ChoiceField(
        label=_("With whom"),
        choices=[(ME, _("With me")), (OFFICE, _("Any caseworker of the office"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose with whom."),
            "invalid_choice": _("Please choose with whom."),
        },
    )

    def __init__(self, *args, topics, own_topic_ids: set[int] | None, **kwargs):
        """`own_topic_ids`: the topics the viewer holds themselves; None when they hold none."""
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics
        offered = {mode for topic in topics for mode in topic.modes}
        self.fields["mode"].choices = [(value, label) for value, label in Mode.choices if value in offered]
        self.own_topic_ids = own_topic_ids or set()
        if own_topic_ids is None:
            self.fields["who"].choices = [(OFFICE, _("Any caseworker of the office"))]

    def clean(self):
        data = super().clean()
        topic = data.get("topic")
        if topic is None:
            return data
        if data.get("mode") and data["mode"] not in topic.modes:
            self.add_error("mode", _("This topic cannot be booked for this kind of consultation."))
        if data.get("who") == ME and topic.pk not in self.own_topic_ids:
            self.add_error("who", _("You do not hold consultations on this topic. Choose any caseworker."))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500)


class InterpreterForm(forms.Form):
    language = forms.ModelChoiceField(queryset=Language.objects.all(), to_field_name="code")
    preferred = forms.ModelChoiceField(queryset=Interpreter.objects.filter(active=True), required=False)


class PeriodForm(forms.Form):
    """`?von=YYYY-MM-DD&bis=YYYY-MM-DD`; a missing end is today, a missing start 30 days before the end."""

    von = DayField(label=_("From"), required=False)
    bis = DayField(label=_("Until"), required=False)

    def __init__(self, data, *, today: date) -> None:
        super().__init__(data)
        self.today = today

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            first, last = default_period(data.get("bis") or self.today)
            first = data.get("von") or first
            try:
                check_period(first, last)
            except ApplicationError as exc:
                raise ValidationError({exc.field: exc.message}) from exc
            data["period"] = (first, last)
        return data
