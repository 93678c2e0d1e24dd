"""Form fields and bases every page shares: dates, mobile numbers, one-time codes, step forms."""

from django import forms
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appointments.dates import parse_day
from appointments.exceptions import ApplicationError, InvalidDate
from appointments.services.phones import normalize_mobile_number
from frontend.templatetags.bidi import ltr


class DayField(forms.DateField):
    """A YYYY-MM-DD date read by appointments.dates, so a form refuses what an address would."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_day(value)
        except InvalidDate as exc:
            raise forms.ValidationError(exc.message, code="invalid") from exc


class StepForm(forms.Form):
    """A form of one step: labels without a trailing colon, as plain text reads best."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MobileNumberMixin:
    """Accepts local German forms and +country; stores E.164."""

    def clean_phone(self):
        try:
            return normalize_mobile_number(self.cleaned_data["phone"])
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc


def _phone_examples() -> str:
    return format_html(
        gettext("For example {local} or {international}."),
        local=ltr("0151 23456789"),
        international=ltr("+49 151 23456789"),
    )


# In the language of the request that renders the form, not of the import.
phone_examples = lazy(_phone_examples, str)


def mobile_number_field() -> forms.CharField:
    return forms.CharField(
        label=_("Your mobile number"),
        help_text=phone_examples(),
        max_length=40,
        error_messages={"required": _("Please enter your mobile number.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )


class SixDigitCodeField(forms.RegexField):
    """A one-time code of six digits (from an SMS or an authenticator app); spaces around it are forgiven."""

    def __init__(self, *, label, required_message, invalid_message):
        super().__init__(
            regex=r"^\s*\d{6}\s*$",
            label=label,
            error_messages={"required": required_message, "invalid": invalid_message},
            widget=forms.TextInput(
                attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6", "size": "6"}
            ),
        )

    def clean(self, value):
        return super().clean(value).strip()
