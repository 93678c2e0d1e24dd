"""Forms of the booking pages: one small form per step, errors in the person's language."""

from django import forms
from django.utils.translation import gettext_lazy as _

from appointments.models import Language, Mode, Topic
from appointments.services.references import normalize_reference
from frontend.fields import MobileNumberMixin, SixDigitCodeField, StepForm, mobile_number_field


class TopicForm(StepForm):
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.none(),
        to_field_name="slug",
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose a topic."),
            "invalid_choice": _("Please choose a topic."),
        },
    )

    def __init__(self, *args, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics


class ModeForm(StepForm):
    mode = forms.ChoiceField(
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose telephone or video."),
            "invalid_choice": _("Please choose telephone or video."),
        },
    )

    def __init__(self, *args, modes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [(value, label) for value, label in Mode.choices if value in modes]


class LanguageForm(StepForm):
    language = forms.ModelChoiceField(
        queryset=Language.objects.all(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Please choose a language."),
            "invalid_choice": _("Please choose a language."),
        },
    )
    interpreter = forms.BooleanField(
        label=_("I need an interpreter"),
        help_text=_("Then we bring in an interpreter. It costs you nothing."),
        required=False,
    )

    def clean(self):
        data = super().clean()
        language = data.get("language")
        if data.get("interpreter") and language and language.code == "de":
            self.add_error(
                "interpreter", _("For German you need no interpreter. Please choose your own language.")
            )
        return data


class DetailsForm(MobileNumberMixin, StepForm):
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={"required": _("Please enter your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = mobile_number_field()
    email = forms.EmailField(
        label=_("E-mail (if you like)"),
        help_text=_("Then you also get the appointment by e-mail."),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Please enter a valid e-mail address, or leave the field empty.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    customer_number = forms.CharField(
        label=_("Customer number (if you have it at hand)"),
        help_text=_("You find it on letters from the job centre."),
        required=False,
        max_length=40,
    )
    sms_consent = forms.BooleanField(
        label=_("Yes, you may send me SMS about this appointment: the code, the confirmation and reminders."),
        error_messages={"required": _("We need your OK to send you the code by SMS.")},
    )


class CodeForm(StepForm):
    code = SixDigitCodeField(
        label=_("Code from the SMS"),
        required_message=_("Please enter the 6-digit code from the SMS."),
        invalid_message=_("The code has 6 digits. Please check the SMS."),
    )


class FindBookingForm(MobileNumberMixin, StepForm):
    reference = forms.CharField(
        label=_("Booking code"),
        help_text=_("It is in the SMS and on the confirmation page, for example K7MX3PQA."),
        max_length=20,
        error_messages={"required": _("Please enter your booking code.")},
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "dir": "ltr"}),
    )
    phone = mobile_number_field()

    def clean_reference(self):
        return normalize_reference(self.cleaned_data["reference"])


class InvitationCodeForm(StepForm):
    code = forms.CharField(
        label=_("Invitation code"),
        help_text=_("It is in the letter from your job centre, for example KM4TX-97HCP."),
        max_length=30,
        error_messages={"required": _("Please enter the code from the letter.")},
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "dir": "ltr"}),
    )
